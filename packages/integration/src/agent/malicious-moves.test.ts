/**
 * Issue 13: a malicious relay during a move of queues (graph-chat §8.6).
 * The relay drops, replays, alters and injects while two users move their
 * queues through it, then replays every body it saw into the new queues.
 * It cannot redirect the connection: each side sends only to queues the
 * other created, nothing is shown twice, nothing lost.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeQueueBody, toHex } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, type TestAgent } from './agent-fixtures.js';
import { evilRelay, flipCiphertextBit, sync } from './malicious-relay.js';

function shown(side: TestAgent, contact: string): string[] {
  return side.events.flatMap((e) => (e.event === 'message' && e.contact === contact ? [e.text] : []));
}

function settled(side: TestAgent, contact: string): boolean {
  const info = side.agent.findContact(contact);
  return info.move === null && info.queues.every((q) => q.state === undefined) && info.peerQueues.every((q) => q.state === undefined);
}

/** The sender ids `from` sends to must all be receive queues `to` created. */
function sendsOnlyToOwnQueues(from: TestAgent, fromSide: string, to: TestAgent, toSide: string): void {
  const created = new Set(to.store.getConnection(toSide)!.receiveQueues.map((q) => toHex(q.senderId)));
  const targets = from.store.getConnection(fromSide)!.sendQueues.map((q) => toHex(q.senderId));
  const outbox = from.store.listOutbox().filter((item) => item.connectionId === fromSide).map((item) => toHex(item.senderId));
  for (const id of [...targets, ...outbox]) assert.ok(created.has(id), `sends to ${id}, a queue the contact did not create`);
}

describe('a malicious relay during a move of queues', () => {
  it('drops, replays, alters and injects: the move completes, every text once in order, no queue but the contact\'s own', async (t) => {
    const [evil, honest, honest2] = [await evilRelay(t), await evilRelay(t), await evilRelay(t)];
    const alice = makeAgent('alice', [evil.address, honest.address]);
    const bob = makeAgent('bob', [evil.address, honest.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    const own = await evil.store.ownQueue();
    let n = 0;
    evil.store.attack = (send) => {
      if (send.decoded === null || !send.message.authorized) return null;
      const body = send.message.body;
      switch (n++ % 4) {
        case 0:
          return []; // dropped
        case 1:
          return [body, body]; // replayed at once
        case 2:
          return [flipCiphertextBit(body), body]; // an altered copy first
        default:
          // A made-up ratchet message with the relay's own queue in mind: it has no ratchet key to seal one.
          return [body, encodeQueueBody({ type: 'message', header: crypto.randomBytes(40), ciphertext: crypto.randomBytes(40 + 256) })];
      }
    };
    const fromAlice: string[] = [];
    const fromBob: string[] = [];
    const talk = (round: number): void => {
      fromAlice.push(`a${round}`);
      alice.agent.send(aliceSide, `a${round}`);
      fromBob.push(`b${round}`);
      bob.agent.send(bobSide, `b${round}`);
    };
    talk(0);
    alice.agent.updateRelays(alice.agent.activeProfile().id, [evil.address, honest2.address]);
    bob.agent.rotate(bobSide);
    for (let round = 1; round < 12 && !(settled(alice, aliceSide) && settled(bob, bobSide) && shown(bob, bobSide).length === fromAlice.length); round++) {
      if (round < 4) talk(round);
      await sync([alice, bob]);
    }
    assert.ok(settled(alice, aliceSide) && settled(bob, bobSide), 'both moves completed');
    assert.ok(n > 8, `the relay attacked (${n} sends)`);
    assert.ok(alice.events.some((e) => e.event === 'move' && e.step === 'done'));
    assert.ok(bob.events.some((e) => e.event === 'move' && e.step === 'done'));
    assert.deepEqual(shown(bob, bobSide), fromAlice);
    assert.deepEqual(shown(alice, aliceSide), fromBob);
    sendsOnlyToOwnQueues(alice, aliceSide, bob, bobSide);
    sendsOnlyToOwnQueues(bob, bobSide, alice, aliceSide);
    for (const side of [alice, bob]) {
      for (const c of side.store.listConnections()) for (const q of c.sendQueues) assert.notEqual(toHex(q.senderId), toHex(own.senderId));
    }

    // Every body the relay ever saw, stored again in the new queues it holds: nothing changes, nothing shows.
    evil.store.attack = null;
    const before = { alice: alice.store.getConnection(aliceSide)!, bob: bob.store.getConnection(bobSide)! };
    const bodies = evil.store.sends.filter((s) => s.decoded !== null && s.message.authorized).map((s) => s.message.body);
    const targets = [...before.alice.receiveQueues, ...before.bob.receiveQueues].filter((q) => q.relay === evil.address);
    assert.ok(targets.length >= 1);
    for (const queue of targets) for (const body of bodies.slice(-40)) await evil.store.inject(queue.recipientId, body, 'replay');
    await sync([alice, bob]);
    assert.ok(evil.store.processed('replay') > 0, 'the replays were delivered and taken');
    for (const [side, id, was] of [[alice, aliceSide, before.alice], [bob, bobSide, before.bob]] as const) {
      const now = side.store.getConnection(id)!;
      assert.deepEqual(now.sendQueues.map((q) => toHex(q.senderId)), was.sendQueues.map((q) => toHex(q.senderId)));
      assert.deepEqual(now.receiveQueues.map((q) => toHex(q.recipientId)), was.receiveQueues.map((q) => toHex(q.recipientId)));
      assert.equal(now.move ?? null, null);
    }
    assert.deepEqual(shown(bob, bobSide), fromAlice, 'nothing shown twice');
    assert.deepEqual(shown(alice, aliceSide), fromBob);
  });
});
