// Off-the-record conversations (issue 5; graph-chat §4.7, §8.5), over real
// relays: from an off-the-record invitation, or switched later with both
// sides' agreement and back. Off the record, no envelope carries a signature,
// neither in either store nor inside the ratchet messages that crossed the
// relay; proof export refuses such a range; and a peer cannot slip an
// unsigned envelope into a conversation kept on the record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { decodeUnsignedEnvelope, isUnsignedEnvelope, verifyProofBundle } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

/** Every envelope stored for a contact (sent and received, handshake included). */
const envelopes = (side: TestAgent, contact: string): Uint8Array[] =>
  side.store.listMessages(contact).flatMap((m) => (m.envelope === null ? [] : [m.envelope]));

const texts = (side: TestAgent, contact: string): string[] => side.agent.history(contact).map((m) => m.text);

async function settle(agents: TestAgent[]): Promise<void> {
  for (let i = 0; i < 3; i++) await syncAll(agents);
}

describe('off the record', () => {
  let relays: Relay[] = [];
  before(async () => {
    relays = [await startTestRelay(), await startTestRelay()];
  });
  after(async () => {
    for (const relay of relays) await relay.close();
  });
  const addresses = (): string[] => relays.map((r) => r.address);

  it('from an off-the-record invitation: nothing is signed, in either store, and proofs are refused', async () => {
    const alice = makeAgent('alice', addresses());
    const bob = makeAgent('bob', addresses());
    const { link, contactId: aliceSide } = await alice.agent.createInvitation({ offTheRecord: true });
    const { contactId: bobSide } = await bob.agent.connect(link);
    await settle([alice, bob]);
    assert.equal(alice.agent.findContact(aliceSide).status, 'connected');
    assert.equal(alice.agent.findContact(aliceSide).offTheRecord, true);
    assert.equal(bob.agent.findContact(bobSide).offTheRecord, true);

    alice.agent.send(aliceSide, 'nobody can prove I said this');
    bob.agent.send(bobSide, 'nor this');
    await settle([alice, bob]);
    assert.deepEqual(texts(bob, bobSide).sort(), ['nobody can prove I said this', 'nor this']);
    const sent = alice.agent.history(aliceSide).filter((m) => m.direction === 'sent');
    assert.deepEqual(sent.map((m) => m.status), ['delivered'], 'receipts still work, unsigned');

    for (const [side, contact] of [[alice, aliceSide], [bob, bobSide]] as const) {
      const stored = envelopes(side, contact);
      assert.ok(stored.length >= 5, 'handshake, texts and receipts are stored');
      for (const envelope of stored) {
        assert.equal(isUnsignedEnvelope(envelope), true, 'version 2: no signature');
        decodeUnsignedEnvelope(envelope); // exactly the unsigned layout, no trailing signature bytes
      }
    }
    assert.throws(() => alice.agent.exportProof(aliceSide), { name: 'AgentError', code: 'OFF_THE_RECORD' });
  });

  it('switched off the record with both sides agreeing, and back on: each envelope signed exactly when on the record', async () => {
    const alice = makeAgent('alice', addresses());
    const bob = makeAgent('bob', addresses());
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    alice.agent.send(aliceSide, 'on the record 1');
    await settle([alice, bob]);

    alice.agent.proposeMode(aliceSide, true);
    await settle([alice, bob]);
    assert.ok(bob.events.some((e) => e.event === 'mode-request' && e.contact === bobSide && e.offTheRecord));
    assert.equal(alice.agent.findContact(aliceSide).offTheRecord, false, 'nothing changes before the contact agrees');
    bob.agent.acceptMode(bobSide);
    await settle([alice, bob]);
    assert.ok(alice.events.some((e) => e.event === 'mode' && e.offTheRecord));
    assert.equal(alice.agent.findContact(aliceSide).offTheRecord, true);
    assert.equal(bob.agent.findContact(bobSide).offTheRecord, true);

    alice.agent.send(aliceSide, 'off the record A');
    bob.agent.send(bobSide, 'off the record B');
    await settle([alice, bob]);

    bob.agent.proposeMode(bobSide, false);
    await settle([alice, bob]);
    alice.agent.acceptMode(aliceSide);
    await settle([alice, bob]);
    assert.equal(alice.agent.findContact(aliceSide).offTheRecord, false);
    assert.equal(bob.agent.findContact(bobSide).offTheRecord, false);
    alice.agent.send(aliceSide, 'on the record 2');
    bob.agent.send(bobSide, 'on the record 3');
    await settle([alice, bob]);

    const expected = ['on the record 1', 'off the record A', 'off the record B', 'on the record 2', 'on the record 3'];
    assert.deepEqual(texts(alice, aliceSide).sort(), [...expected].sort());
    assert.deepEqual(texts(bob, bobSide).sort(), [...expected].sort());
    // Each text envelope is signed exactly when it was written on the record.
    for (const side of [[alice, aliceSide], [bob, bobSide]] as const) {
      for (const message of side[0].store.listMessages(side[1]).filter((m) => m.kind === 'text')) {
        assert.equal(isUnsignedEnvelope(message.envelope!), message.text.startsWith('off'), message.text);
      }
    }
    assert.deepEqual(alice.agent.history(aliceSide).filter((m) => m.direction === 'sent').map((m) => m.status), ['delivered', 'delivered', 'delivered']);

    // A proof covers the on-the-record part; a range with an off-the-record envelope is refused.
    const history = alice.agent.history(aliceSide);
    const last = history.find((m) => m.text === 'on the record 2')!;
    const report = verifyProofBundle(crypto, alice.agent.exportProof(aliceSide, { from: last.id, to: last.id }));
    assert.deepEqual(report.failures, []);
    assert.throws(() => alice.agent.exportProof(aliceSide), { name: 'AgentError', code: 'OFF_THE_RECORD' });
  });

  it('a peer that stops signing on its own is not believed: its unsigned envelopes are rejected, never shown', async () => {
    const alice = makeAgent('alice', addresses());
    const bob = makeAgent('bob', addresses());
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    // Alice's client misbehaves: it goes off the record without asking.
    alice.store.transaction(() => alice.store.putConnection({ ...alice.store.getConnection(aliceSide)!, offTheRecord: true }));
    const cheating = makeAgent('alice', addresses(), alice.store);
    cheating.agent.send(aliceSide, 'deniable, but unasked');
    await settle([cheating, bob]);
    assert.deepEqual(texts(bob, bobSide), []);
    assert.ok(bob.events.some((e) => e.event === 'rejected' && /unsigned envelope/.test(e.reason)));
  });
});
