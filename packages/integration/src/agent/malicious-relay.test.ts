// Two agents against a malicious relay (issue 3): the relay holds every key a
// relay has, so it opens the EMP queue encryption (edge-messaging §8) and sees
// each SEND body, the graph-chat queue body of graph-chat §3. It then reads,
// alters, drops, reorders, replays and injects bodies, and substitutes keys in
// the handshake. Nothing altered or injected may be shown as genuine, and a
// substitution must make the connection fail rather than succeed with the
// wrong key (graph-chat §1.6, §1.8; edge-messaging §14.2).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  concatBytes,
  createInvitationKeys,
  decodeQueueBody,
  encodeQueueBody,
  initSender,
  joinAgreement,
  padPlaintext,
  queueRelay,
  ratchetEncrypt,
  signEnvelope,
  toHex,
  utf8,
  ZERO_HASH,
} from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, type TestAgent } from './agent-fixtures.js';
import { ALTERATIONS, evilRelay, type EvilRelay, findBytes, isFor, pairOnEvilRelay, receiveQueue, rejections, status, sync, texts } from './malicious-relay.js';

// Every test has its own relays and agents, so they run concurrently.
/** How many resync bodies `side` sent on its connection through `relay` (to the peer's queue there). */
function resyncsFrom(relay: EvilRelay, side: TestAgent, contact: string): number {
  const sendQueues = new Set(side.store.getConnection(contact)!.sendQueues.map((q) => toHex(q.senderId)));
  return relay.store.sends.filter((s) => s.decoded?.type === 'resync' && sendQueues.has(toHex(s.queue.senderId))).length;
}

describe('a malicious relay between two agents', { concurrency: true }, () => {
  it('reads: nothing it holds or sees contains a text, a name or a profile field', async (t) => {
    const relays = [await evilRelay(t), await evilRelay(t)];
    const addresses = relays.map((r) => r.address);
    const image = concatBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(600));
    const aliceProfile = { displayName: 'Alice Quartermaine', fullName: 'Alice Beatrix Quartermaine', status: 'Out sailing until Thursday', image };
    const bobProfile = { displayName: 'Bob Nightingale', fullName: 'Robert Tiberius Nightingale', status: 'Ask me about sourdough' };
    const alice = makeAgent(aliceProfile, addresses);
    const bob = makeAgent(bobProfile, addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(status(alice, aliceSide), 'connected');
    const messages = ['the treasure is under the old oak tree', 'meet me at platform nine at noon', 'ünïcødé sêcret ✓ 🗝️'];
    alice.agent.send(aliceSide, messages[0]!);
    bob.agent.send(bobSide, messages[1]!);
    alice.agent.send(aliceSide, messages[2]!);
    const newStatus = 'Back home, call me on the landline';
    alice.agent.updateProfile(alice.agent.activeProfile().id, { ...aliceProfile, status: newStatus });
    await sync([alice, bob]);
    await sync([alice, bob]);
    assert.deepEqual(texts(bob, bobSide, 'received').map((m) => m.text), [messages[0], messages[2]]);
    assert.equal(bob.agent.findContact(bobSide).profile?.status, newStatus);

    const needles: [string, Uint8Array][] = [
      ...[...messages, newStatus].map((t): [string, Uint8Array] => [t, utf8(t)]),
      ...[aliceProfile, bobProfile].flatMap((p) => [p.displayName, p.fullName, p.status].map((t): [string, Uint8Array] => [t, utf8(t)])),
      ...['Quartermaine', 'Nightingale', 'treasure', 'sourdough'].map((t): [string, Uint8Array] => [t, utf8(t)]),
      ['image', image.subarray(100, 132)],
      ['image header', image.subarray(0, 24)],
    ];
    // The search works: each needle is in the plaintext the agents keep.
    const plaintexts = concatBytes(...[alice, bob].flatMap((a) => [...a.store.listConnections()].flatMap((c) => a.store.listMessages(c.id).map((m) => m.envelope ?? new Uint8Array(0)))));
    for (const [name, needle] of needles) assert.ok(findBytes(plaintexts, needle), `control: "${name}" is in the agents' envelopes`);

    for (const relay of relays) {
      const { store } = relay;
      assert.equal(store.queues.length, 2, 'one queue per direction on each relay');
      assert.ok(store.sends.some((s) => s.decoded?.type === 'confirmation'), 'the relay saw the confirmation');
      assert.ok(store.sends.filter((s) => s.decoded?.type === 'message').length >= 8, 'and the messages');
      const seen: [string, Uint8Array][] = [
        ...store.queues.flatMap((q): [string, Uint8Array][] => [
          ['recipient id', q.recipientId],
          ['sender id', q.senderId],
          ['recipient key', q.recipientKey],
          ['queue secret', q.dhSecret],
        ]),
        ...store.senderKeys.map((k): [string, Uint8Array] => ['sender key', k]),
        ...store.bodies.map((body): [string, Uint8Array] => ['SEND body', body]),
      ];
      for (const [what, bytes] of seen) {
        for (const [name, needle] of needles) assert.ok(!findBytes(bytes, needle), `the relay's ${what} contains "${name}"`);
      }
    }
  });

  it('alters: an altered copy is rejected and the genuine one, from the honest relay, shown once', async (t) => {
    const [evil, honest] = [await evilRelay(t), await evilRelay(t)];
    const alice = makeAgent('alice', [evil.address, honest.address]);
    const bob = makeAgent('bob', [evil.address, honest.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(status(bob, bobSide), 'connected');

    const target = isFor(receiveQueue(bob, bobSide, evil));
    let altered = 0;
    evil.store.attack = (send) => (target(send) ? [ALTERATIONS[altered++ % ALTERATIONS.length]!(send.message.body)] : null);
    const sent = ['one', 'two', 'three', 'four'];
    for (const text of sent) alice.agent.send(aliceSide, text);
    await sync([alice]);
    assert.equal(altered, 4);

    // The honest relay is slow: bob gets the altered copies first, each one rejected.
    honest.store.paused = true;
    await sync([bob]);
    assert.equal(evil.store.processed('attack'), 4, 'bob took all four altered copies');
    assert.deepEqual(texts(bob, bobSide, 'received'), []);
    assert.equal(rejections(bob, bobSide).length, 4);

    honest.store.paused = false;
    // Now both relays deliver at once; altered copies may come before or after the genuine ones.
    alice.agent.send(aliceSide, 'five');
    alice.agent.send(aliceSide, 'six');
    sent.push('five', 'six');
    await sync([alice, bob]);
    await sync([alice, bob]);
    // An altered copy fails bob's ratchet, which is no proof of anything, so he asks for one resync (graph-chat §8.7):
    // the relay alters its answer and what alice sends again too, and bob asks no more (one an hour at most).
    assert.equal(evil.store.processed('attack'), altered);
    assert.equal(resyncsFrom(evil, bob, bobSide), 1);
    assert.deepEqual([...alice.events, ...bob.events].filter((e) => e.event === 'restored'), [], 'no one is told of a restore');
    const received = texts(bob, bobSide, 'received');
    assert.deepEqual(received.map((m) => m.text), sent, 'each genuine message exactly once, in order, unaltered');
    assert.deepEqual(received.map((m) => m.seq), [...received.map((m) => m.seq)].sort((a, b) => a - b));
    assert.equal(bob.events.filter((e) => e.event === 'message').length, 6);
    assert.deepEqual(texts(alice, aliceSide, 'sent').map((m) => m.status), sent.map(() => 'delivered'));
  });

  it('alters: with only the malicious relay, no altered message is ever shown', async (t) => {
    const { evil, alice, bob, aliceSide, bobSide } = await pairOnEvilRelay(t);

    const target = isFor(receiveQueue(bob, bobSide, evil));
    let altered = 0;
    evil.store.attack = (send) => (target(send) ? [ALTERATIONS[altered++ % ALTERATIONS.length]!(send.message.body)] : null);
    for (const text of ['one', 'two', 'three', 'four']) alice.agent.send(aliceSide, text);
    await sync([alice, bob]);
    await sync([alice, bob]);
    // The four altered, then the answer to bob's one resync and alice's four sent again (graph-chat §8.7).
    assert.equal(altered, 9);
    assert.equal(evil.store.processed('attack'), 9);
    assert.equal(resyncsFrom(evil, bob, bobSide), 1);
    assert.deepEqual(texts(bob, bobSide, 'received'), []);
    assert.equal(bob.events.filter((e) => e.event === 'message').length, 0);
    assert.equal(rejections(bob, bobSide).length, 9);
    assert.deepEqual(texts(alice, aliceSide, 'sent').map((m) => m.status), ['sent', 'sent', 'sent', 'sent'], 'no receipt for what bob never got');

    // The other direction is untouched and still works; alice's receipt for it is altered and rejected in turn.
    bob.agent.send(bobSide, 'are you there?');
    await sync([alice, bob]);
    await sync([alice, bob]);
    assert.deepEqual(texts(alice, aliceSide, 'received').map((m) => m.text), ['are you there?']);
    assert.equal(altered, 10);
    assert.equal(rejections(bob, bobSide).length, 10);
    assert.equal(resyncsFrom(evil, bob, bobSide), 1);
    assert.equal(texts(bob, bobSide, 'sent')[0]!.status, 'sent');
  });

  it('drops: with every message dropped on one relay, everything arrives through the other, in order, with receipts', async (t) => {
    const [evil, honest] = [await evilRelay(t), await evilRelay(t)];
    let dropped = 0;
    evil.store.attack = () => {
      dropped++;
      return [];
    };
    const alice = makeAgent('alice', [evil.address, honest.address]);
    const bob = makeAgent('bob', [evil.address, honest.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(status(alice, aliceSide), 'connected');
    assert.equal(status(bob, bobSide), 'connected');
    assert.equal(alice.agent.securityCode(aliceSide), bob.agent.securityCode(bobSide));

    const fromAlice = ['a1', 'a2', 'a3', 'a4'];
    const fromBob = ['b1', 'b2', 'b3'];
    for (const text of fromAlice) alice.agent.send(aliceSide, text);
    for (const text of fromBob) bob.agent.send(bobSide, text);
    await sync([alice, bob]);
    await sync([alice, bob]);
    const textsDropped = evil.store.sends.filter((s) => s.decoded?.type === 'message' && s.message.authorized).length;
    assert.ok(textsDropped >= fromAlice.length + fromBob.length, `the relay dropped the messages too (${textsDropped})`);
    assert.ok(evil.store.sends.some((s) => s.decoded?.type === 'confirmation'), 'and the confirmation');
    assert.equal(dropped, evil.store.sends.length);
    assert.deepEqual(texts(bob, bobSide, 'received').map((m) => m.text), fromAlice);
    assert.deepEqual(texts(alice, aliceSide, 'received').map((m) => m.text), fromBob);
    assert.deepEqual(texts(alice, aliceSide, 'sent').map((m) => m.status), fromAlice.map(() => 'delivered'));
    assert.deepEqual(texts(bob, bobSide, 'sent').map((m) => m.status), fromBob.map(() => 'delivered'));
  });

  it("reorders: two messages delivered swapped are shown in the sender's order", async (t) => {
    const { evil, alice, bob, aliceSide, bobSide } = await pairOnEvilRelay(t);

    const target = isFor(receiveQueue(bob, bobSide, evil));
    let held: Uint8Array | null = null;
    let swapped = 0;
    evil.store.attack = (send) => {
      if (!target(send) || swapped > 0) return null;
      if (held === null) {
        held = send.message.body;
        return [];
      }
      swapped++;
      return [send.message.body, held];
    };
    alice.agent.send(aliceSide, 'first');
    alice.agent.send(aliceSide, 'second');
    alice.agent.send(aliceSide, 'third');
    await sync([alice, bob]);
    await sync([alice, bob]);
    assert.equal(swapped, 1);
    // The relay delivered in the order it stored, second before first, and bob took both.
    const swappedIds = [...evil.store.forged].filter(([, label]) => label === 'attack').map(([id]) => id);
    assert.equal(swappedIds.length, 2);
    assert.deepEqual([...evil.store.acked].filter((id) => swappedIds.includes(id)), swappedIds);
    const received = texts(bob, bobSide, 'received');
    assert.deepEqual(received.map((m) => m.text), ['first', 'second', 'third']);
    assert.ok(received[0]!.seq < received[1]!.seq && received[1]!.seq < received[2]!.seq);
    assert.deepEqual(bob.events.filter((e) => e.event === 'message').map((e) => (e as { text: string }).text), ['first', 'second', 'third']);
    assert.deepEqual(rejections(bob, bobSide), []);
    assert.deepEqual(texts(alice, aliceSide, 'sent').map((m) => m.status), ['delivered', 'delivered', 'delivered']);
  });

  it('replays: a delivered body stored again is never shown twice, nor on another connection', async (t) => {
    const evil = await evilRelay(t);
    const alice = makeAgent('alice', [evil.address]);
    const bob = makeAgent('bob', [evil.address]);
    const carol = makeAgent('carol', [evil.address]);
    const ab = await connectPair(alice, bob);
    const ac = await connectPair(alice, carol);
    assert.equal(status(bob, ab.bobSide), 'connected');
    assert.equal(status(carol, ac.bobSide), 'connected');
    const confirmation = evil.store.sends.find((s) => s.decoded?.type === 'confirmation' && toHex(s.queue.recipientId) === toHex(receiveQueue(alice, ab.aliceSide, evil).recipientId));
    assert.ok(confirmation !== undefined);

    alice.agent.send(ab.aliceSide, 'for bob only');
    carol.agent.send(ac.bobSide, 'from carol');
    await sync([alice, bob, carol]);
    await sync([alice, bob, carol]);
    assert.deepEqual(texts(bob, ab.bobSide, 'received').map((m) => m.text), ['for bob only']);
    const bobQueue = receiveQueue(bob, ab.bobSide, evil);
    const original = evil.store.sends.filter(isFor(bobQueue)).find((s) => s.decoded?.type === 'message' && s.message.authorized);
    assert.ok(original !== undefined);
    // The first authorized message on bob's queue is alice's first text (her reply went unsigned, before KEY).
    const body = original.message.body;
    const fromCarol = evil.store.sends.filter(isFor(receiveQueue(alice, ac.aliceSide, evil))).at(-1)!.message.body;

    const rejectedBefore = { bob: rejections(bob, ab.bobSide).length, carol: rejections(carol, ac.bobSide).length, alice: rejections(alice, ac.aliceSide).length };
    const { link, contactId: fresh } = await alice.agent.createInvitation();
    void link;
    await evil.store.inject(bobQueue.recipientId, body, 'same queue');
    await evil.store.inject(bobQueue.recipientId, body, 'same queue');
    await evil.store.inject(receiveQueue(carol, ac.bobSide, evil).recipientId, body, 'other connection');
    await evil.store.inject(receiveQueue(alice, ac.aliceSide, evil).recipientId, body, 'other connection');
    await evil.store.inject(receiveQueue(alice, ab.aliceSide, evil).recipientId, fromCarol, 'other connection');
    await evil.store.inject(receiveQueue(alice, ab.aliceSide, evil).recipientId, confirmation.message.body, 'old confirmation', false);
    await evil.store.inject(receiveQueue(alice, fresh, evil).recipientId, confirmation.message.body, 'confirmation to a new invitation', false);
    await sync([alice, bob, carol]);
    await sync([alice, bob, carol]);
    assert.equal(evil.store.processed(), 7, 'every replay was delivered and taken');

    assert.deepEqual(texts(bob, ab.bobSide, 'received').map((m) => m.text), ['for bob only']);
    assert.deepEqual(texts(carol, ac.bobSide, 'received'), []);
    assert.deepEqual(texts(alice, ac.aliceSide, 'received').map((m) => m.text), ['from carol']);
    assert.deepEqual(texts(alice, ab.aliceSide, 'received'), []);
    assert.equal(bob.events.filter((e) => e.event === 'message').length, 1);
    assert.equal(carol.events.filter((e) => e.event === 'message').length, 0);
    assert.equal(alice.events.filter((e) => e.event === 'message').length, 1);
    assert.equal(rejections(carol, ac.bobSide).length, rejectedBefore.carol + 1, "carol rejects bob's message");
    assert.equal(rejections(alice, ac.aliceSide).length, rejectedBefore.alice + 1, "alice rejects bob's message on carol's connection");
    assert.ok(rejections(alice, fresh).length >= 1, 'a replayed confirmation is rejected by another invitation');
    assert.equal(status(alice, fresh), 'invited');
    assert.equal(status(alice, ab.aliceSide), 'connected');
    assert.equal(alice.agent.contacts().length, 2);
    // Nothing went back to bob because of the replayed confirmation: his history and connection are as they were.
    assert.equal(status(bob, ab.bobSide), 'connected');
    assert.equal(rejections(bob, ab.bobSide).length, rejectedBefore.bob);
  });

  it('injects: random bytes, a made-up ratchet message and a confirmation with its own keys are rejected and never shown', async (t) => {
    const { evil, alice, bob, aliceSide, bobSide } = await pairOnEvilRelay(t);
    alice.agent.send(aliceSide, 'genuine 1');
    await sync([alice, bob]);
    const bobQueue = receiveQueue(bob, bobSide, evil);
    const genuine = decodeQueueBody(evil.store.sends.filter(isFor(bobQueue)).at(-1)!.message.body);
    assert.equal(genuine.type, 'message');
    if (genuine.type !== 'message') return;

    // A well-formed body with a made-up header, and one that follows the genuine header (same ratchet key, next n).
    const madeUpHeader = concatBytes(crypto.x25519KeyPair().publicKey, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]));
    const nextHeader = genuine.header.slice();
    new DataView(nextHeader.buffer).setUint32(36, new DataView(genuine.header.buffer, genuine.header.byteOffset).getUint32(36) + 1);
    const forged = [
      crypto.randomBytes(300),
      crypto.randomBytes(2 + 40 + 272),
      encodeQueueBody({ type: 'message', header: madeUpHeader, ciphertext: crypto.randomBytes(40 + 256) }),
      encodeQueueBody({ type: 'message', header: nextHeader, ciphertext: crypto.randomBytes(40 + 512) }),
      encodeQueueBody({ type: 'message', header: genuine.header, ciphertext: crypto.randomBytes(40 + 256) }),
      // A batch of a replayed genuine message and a made-up one: neither is shown (again).
      encodeQueueBody({ type: 'batch', messages: [genuine, { header: nextHeader, ciphertext: crypto.randomBytes(40 + 256) }] }),
    ];
    for (const body of forged) await evil.store.inject(bobQueue.recipientId, body, 'forged');
    await sync([bob]);
    assert.equal(evil.store.processed('forged'), forged.length);
    assert.deepEqual(texts(bob, bobSide, 'received').map((m) => m.text), ['genuine 1']);
    // The one that repeats the genuine header names a used key: dropped as a duplicate; every other one is rejected.
    assert.equal(rejections(bob, bobSide).length, forged.length - 1);

    // The ratchet is unharmed: the next genuine message still arrives.
    alice.agent.send(aliceSide, 'genuine 2');
    await sync([alice, bob]);
    await sync([alice, bob]);
    assert.deepEqual(texts(bob, bobSide, 'received').map((m) => m.text), ['genuine 1', 'genuine 2']);
    assert.deepEqual(texts(alice, aliceSide, 'sent').map((m) => m.status), ['delivered', 'delivered']);

    // A confirmation made with the relay's own keys, to an invitation queue: it does not know the invitation.
    const { link, contactId: invited } = await alice.agent.createInvitation();
    const invitationQueue = receiveQueue(alice, invited, evil);
    const replyQueue = await evil.store.ownQueue();
    const guess = createInvitationKeys(crypto);
    const join = joinAgreement(crypto, guess.publicKeys);
    const ratchet = initSender(crypto, join.sharedKey, guess.publicKeys.dh);
    const signed = signEnvelope(crypto, join.secretKeys.sig.secretKey, {
      seq: 1,
      timestamp: Date.now(),
      prevSentHash: ZERO_HASH,
      lastReceivedHash: ZERO_HASH,
      content: {
        type: 'confirm',
        replyQueues: [{ relay: queueRelay(evil.address), senderId: replyQueue.senderId }],
        senderKeys: [crypto.ed25519KeyPair().publicKey],
        profile: { displayName: 'bob' },
      },
    });
    const encrypted = ratchetEncrypt(crypto, ratchet, padPlaintext(signed), join.associatedData);
    const confirmation = encodeQueueBody({ type: 'confirmation', keys: join.confirmation, header: encrypted.header, ciphertext: encrypted.ciphertext });
    await evil.store.inject(invitationQueue.recipientId, confirmation, 'confirmation', false);
    await sync([alice]);
    assert.equal(evil.store.processed('confirmation'), 1);
    assert.equal(rejections(alice, invited).length, 1);
    assert.equal(status(alice, invited), 'invited', 'the inviter did not connect to the relay');
    assert.equal(alice.store.getConnection(invited)!.peerProfile, null);
    assert.equal(evil.store.sends.filter((s) => toHex(s.queue.recipientId) === toHex(replyQueue.recipientId)).length, 0, 'no reply went to the relay');
    assert.equal(alice.store.listOutbox().length, 0);
    assert.deepEqual(alice.agent.contacts().map((c) => c.id), [aliceSide]);

    // The invitation is still good for the real joiner.
    const carol = makeAgent('carol', [evil.address]);
    const { contactId: carolSide } = await carol.agent.connect(link);
    for (let i = 0; i < 3 && status(carol, carolSide) !== 'connected'; i++) await sync([alice, carol]);
    await sync([alice, carol]);
    assert.equal(status(alice, invited), 'connected');
    assert.equal(status(carol, carolSide), 'connected');
    assert.equal(alice.agent.findContact(invited).name, 'carol');
    assert.equal(alice.agent.securityCode(invited), carol.agent.securityCode(carolSide));
  });
});

// ---- key substitution in the handshake (graph-chat §1.6, §1.8) ----
