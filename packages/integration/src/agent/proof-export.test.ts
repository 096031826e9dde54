// Agent.exportProof over a real relay: which envelopes a bundle holds, in an
// order the verifier accepts, and the ranges it refuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { fromBase64url, openEnvelope, verifyProofBundle, type ProofBundle } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

/** The content type of each envelope in a bundle list (each opened with whichever signing key fits). */
function typesOf(bundle: ProofBundle, list: readonly string[]): string[] {
  const keys = [bundle.signingKeys.inviter, bundle.signingKeys.joiner].map(fromBase64url);
  return list.map((text) => {
    const signed = fromBase64url(text);
    for (const key of keys) {
      try {
        return openEnvelope(sodiumCrypto, key, signed).content.type;
      } catch {
        // the other key
      }
    }
    throw new Error('an envelope signed by neither key');
  });
}

/** Syncs both until every text either sent is delivered. */
async function syncUntilDelivered(a: TestAgent, aSide: string, b: TestAgent, bSide: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await syncAll([a, b], 10_000, 200);
    const pending = [...a.agent.history(aSide), ...b.agent.history(bSide)].filter((m) => m.direction === 'sent' && m.status !== 'delivered');
    if (pending.length === 0) return;
  }
  assert.fail('texts not delivered');
}

describe('Agent.exportProof', () => {
  let relay: Relay;
  before(async () => {
    relay = await startTestRelay();
  });
  after(async () => {
    await relay.close();
  });

  it('exports hello, texts and receipts of both sides, never confirm or reply; the bundle verifies', async () => {
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    alice.agent.send(aliceSide, 'one');
    await syncAll([alice]);
    bob.agent.send(bobSide, 'two');
    await syncUntilDelivered(alice, aliceSide, bob, bobSide);

    for (const [agent, side] of [[alice, aliceSide], [bob, bobSide]] as const) {
      const kinds = agent.store.listMessages(side).map((m) => m.kind);
      assert.ok(kinds.includes('handshake'), 'the store keeps the handshake envelopes');
      const bundle = agent.agent.exportProof(side);
      const types = [...typesOf(bundle, bundle.envelopes), ...typesOf(bundle, bundle.receipts)];
      assert.ok(!types.some((t) => t === 'confirm' || t === 'reply' || t === 'request'), types.join());
      assert.equal(types[0], 'hello');
      assert.deepEqual(types.filter((t) => t === 'text').length, 2);
      assert.deepEqual(bundle.receipts, [], 'the whole conversation has no receipts after it');
      const report = verifyProofBundle(sodiumCrypto, bundle);
      assert.deepEqual(report.failures, []);
      // Written at once on both sides, the two texts may come in either order.
      const texts = report.messages.filter((m) => m.type === 'text');
      assert.deepEqual(texts.map((m) => [m.text, m.receipt !== null]).sort(), [['one', true], ['two', true]]);
    }
  });

  it('a text written before the contact joined is stored before the handshake but exported in chain order', async () => {
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { link, contactId: aliceSide } = await alice.agent.createInvitation();
    const { contactId: bobSide } = await bob.agent.connect(link);
    bob.agent.send(bobSide, 'early');
    for (let i = 0; i < 4 && alice.agent.history(aliceSide).length === 0; i++) await syncAll([alice, bob], 10_000, 200);
    assert.equal(alice.agent.history(aliceSide)[0]?.text, 'early');

    // Stored when written, sealed after the reply arrived and the hello went out: seq 3 stored before seq 2.
    const sent = bob.store.listMessages(bobSide).filter((m) => m.direction === 'sent');
    assert.deepEqual(sent.map((m) => [m.kind, m.seq]), [['handshake', 1], ['text', 3], ['handshake', 2]]);
    for (const [agent, side] of [[bob, bobSide], [alice, aliceSide]] as const) {
      const bundle = agent.agent.exportProof(side);
      assert.deepEqual(typesOf(bundle, bundle.envelopes).slice(0, 2), ['hello', 'text']);
      assert.deepEqual(verifyProofBundle(sodiumCrypto, bundle).failures, []);
    }
  });

  it('a range: its envelopes only, with the later receipts that acknowledge them', async () => {
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    for (const text of ['a1', 'a2', 'a3']) {
      alice.agent.send(aliceSide, text);
      await syncUntilDelivered(alice, aliceSide, bob, bobSide);
    }
    const [a1, a2] = alice.agent.history(aliceSide);
    const bundle = alice.agent.exportProof(aliceSide, { from: a2!.id, to: a2!.id });
    assert.deepEqual(typesOf(bundle, bundle.envelopes), ['text']);
    assert.deepEqual(typesOf(bundle, bundle.receipts), ['receipt'], "Bob's receipt for a2, not those for a1 or a3");
    const report = verifyProofBundle(sodiumCrypto, bundle);
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.messages.map((m) => [m.text, m.receipt !== null]), [['a2', true]]);

    const tail = alice.agent.exportProof(aliceSide, { from: a2!.id });
    assert.deepEqual(
      verifyProofBundle(sodiumCrypto, tail).messages.filter((m) => m.type === 'text').map((m) => m.text),
      ['a2', 'a3'],
    );
    const head = alice.agent.exportProof(aliceSide, { to: a1!.id });
    assert.deepEqual(typesOf(head, head.envelopes), ['hello', 'text']);
  });

  it('refuses unknown contacts and ids, handshake ids, a backwards range, and a contact not yet joined', async () => {
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    alice.agent.send(aliceSide, 'x');
    alice.agent.send(aliceSide, 'y');
    await syncAll([alice]);
    const [x, y] = alice.agent.history(aliceSide);
    assert.throws(() => alice.agent.exportProof('nobody'), { code: 'NO_CONTACT' });
    assert.throws(() => alice.agent.exportProof(aliceSide, { from: 'nope' }), { code: 'BAD_RANGE' });
    assert.throws(() => alice.agent.exportProof(aliceSide, { from: y!.id, to: x!.id }), { code: 'BAD_RANGE' });
    const confirm = bob.store.listMessages(bobSide).find((m) => m.kind === 'handshake' && m.seq === 1)!;
    assert.throws(() => bob.agent.exportProof(bobSide, { to: confirm.id }), { code: 'BAD_RANGE' });
    assert.throws(() => bob.agent.exportProof(bobSide, { from: x!.id }), { code: 'BAD_RANGE' }, "an id of Alice's store");

    const { contactId: invited } = await alice.agent.createInvitation();
    // An invitation nobody joined is no contact yet; exportProof takes the connection id all the same.
    assert.throws(() => alice.agent.exportProof(invited), { code: 'NOT_CONNECTED' });
    await alice.agent.stop();
  });
});
