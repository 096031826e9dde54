// Off-the-record conversations (issue 5; graph-chat §4.7, §8.5), over real
// relays: from an off-the-record invitation, or switched later with both
// sides' agreement and back. Off the record, no envelope carries a signature
// (the stores hold every envelope as it was decrypted from the relay's
// messages); no signed envelope names an unsigned one; proof export refuses
// such a range; and a peer cannot slip an unsigned envelope into a
// conversation kept on the record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { decodeUnsignedEnvelope, isUnsignedEnvelope, openEnvelope, toHex, verifyProofBundle } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

/** Every envelope stored for a contact (sent and received, handshake included). */
const envelopes = (side: TestAgent, contact: string): Uint8Array[] =>
  side.store.listMessages(contact).flatMap((m) => (m.envelope === null ? [] : [m.envelope]));

const texts = (side: TestAgent, contact: string): string[] => side.agent.history(contact).map((m) => m.text);

/**
 * No signed envelope of the conversation names an unsigned one, by
 * prevSentHash, lastReceivedHash or a receipt: its signature would prove it.
 */
function assertUnsignedUnprovable(side: TestAgent, contact: string, peerKey: Uint8Array, ownKey: Uint8Array): void {
  const messages = side.store.listMessages(contact).filter((m) => m.envelope !== null && m.kind !== 'handshake');
  const unsignedHashes = new Set(messages.filter((m) => isUnsignedEnvelope(m.envelope!)).map((m) => toHex(m.hash!)));
  assert.ok(unsignedHashes.size > 0, 'the conversation had unsigned envelopes');
  for (const m of messages.filter((x) => !isUnsignedEnvelope(x.envelope!))) {
    const envelope = openEnvelope(crypto, m.direction === 'sent' ? ownKey : peerKey, m.envelope!);
    const named = [envelope.prevSentHash, envelope.lastReceivedHash];
    const content = envelope.content;
    if (content.type === 'receipt') named.push(content.hash);
    if (content.type === 'receipts') named.push(...content.receipts.map((r) => r.hash));
    for (const hash of named) assert.ok(!unsignedHashes.has(toHex(hash)), `signed ${content.type} ${envelope.seq} (${m.direction}) names an unsigned envelope`);
  }
}

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
    // Written while still off the record, then the switch agreed before it was sent: it still goes unsigned.
    alice.agent.send(aliceSide, 'off the record, written before agreeing');
    alice.agent.acceptMode(aliceSide);
    await settle([alice, bob]);
    assert.equal(alice.agent.findContact(aliceSide).offTheRecord, false);
    assert.equal(bob.agent.findContact(bobSide).offTheRecord, false);
    alice.agent.send(aliceSide, 'on the record 2');
    bob.agent.send(bobSide, 'on the record 3');
    await settle([alice, bob]);

    const expected = ['on the record 1', 'off the record A', 'off the record B', 'off the record, written before agreeing', 'on the record 2', 'on the record 3'];
    assert.deepEqual(texts(alice, aliceSide).sort(), [...expected].sort());
    assert.deepEqual(texts(bob, bobSide).sort(), [...expected].sort());
    // Each text envelope is signed exactly when it was written on the record.
    for (const side of [[alice, aliceSide], [bob, bobSide]] as const) {
      for (const message of side[0].store.listMessages(side[1]).filter((m) => m.kind === 'text')) {
        assert.equal(isUnsignedEnvelope(message.envelope!), message.text.startsWith('off'), message.text);
      }
    }
    const statuses = alice.agent.history(aliceSide).filter((m) => m.direction === 'sent').map((m) => [m.text, m.status]);
    // A receipt for an unsigned text goes only unsigned: the one answered after Bob signed again stays "sent".
    assert.deepEqual(statuses.filter(([, status]) => status !== 'delivered' && status !== 'sent'), []);
    assert.equal(statuses.find(([text]) => text === 'on the record 2')![1], 'delivered');
    const keys = { alice: alice.store.getConnection(aliceSide)!.signingPublicKey, bob: bob.store.getConnection(bobSide)!.signingPublicKey };
    assertUnsignedUnprovable(alice, aliceSide, keys.bob, keys.alice);
    assertUnsignedUnprovable(bob, bobSide, keys.alice, keys.bob);

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
  it('both proposing at once counts as agreement, either way', async () => {
    const alice = makeAgent('alice', addresses());
    const bob = makeAgent('bob', addresses());
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    for (const offTheRecord of [true, false]) {
      alice.agent.proposeMode(aliceSide, offTheRecord);
      bob.agent.proposeMode(bobSide, offTheRecord);
      await settle([alice, bob]);
      assert.equal(alice.agent.findContact(aliceSide).offTheRecord, offTheRecord);
      assert.equal(bob.agent.findContact(bobSide).offTheRecord, offTheRecord);
      alice.agent.send(aliceSide, `after both asked for ${offTheRecord ? 'off' : 'on'}`);
      bob.agent.send(bobSide, `and bob ${offTheRecord ? 'off' : 'on'}`);
      await settle([alice, bob]);
    }
    assert.equal(texts(alice, aliceSide).length, 4);
    assert.equal(texts(bob, bobSide).length, 4);
    for (const side of [alice, bob]) assert.deepEqual(side.events.filter((e) => e.event === 'rejected'), []);
  });
});
