// A store that writes behind (the browser's IndexedDB store) commits in
// memory and is durable only once its flush resolves. The agent must not
// tell a relay about a transaction before then: no ACK of a message whose
// storing could still be lost, no SEND of a message whose sealing could
// still be lost (it would be sealed again with the same ratchet key). Here
// the store's flush is held by the test, and the relay counts ACKs and
// stored messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStore } from '@graphchat/client';
import type { QueueStore } from 'graphchat-server';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll } from './agent-fixtures.js';

/** A MemoryStore whose flush resolves at once, waits until released, or fails, as the test says. */
class WriteBehindStore extends MemoryStore {
  flushes = 0;
  private state: 'durable' | 'held' | 'failing' = 'durable';
  private readonly released = new Set<() => void>();

  flush(): Promise<void> {
    this.flushes++;
    if (this.state === 'failing') return Promise.reject(new Error('the write failed'));
    if (this.state === 'durable') return Promise.resolve();
    return new Promise((resolve) => this.released.add(resolve));
  }

  hold(): void {
    this.state = 'held';
  }
  fail(): void {
    this.state = 'failing';
  }
  release(): void {
    this.state = 'durable';
    for (const resolve of this.released) resolve();
    this.released.clear();
  }
}

interface RelayCounts {
  acks: number;
  stored: number;
}

function countingStore(counts: RelayCounts): (inner: QueueStore) => QueueStore {
  return (inner) => ({
    ...inner,
    ackMessage(recipientId, msgId) {
      counts.acks++;
      return inner.ackMessage(recipientId, msgId);
    },
    addMessage(recipientId, message, quota, origin) {
      counts.stored++;
      return inner.addMessage(recipientId, message, quota, origin);
    },
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

/** Two connected agents on one counting relay, `store` under the one named in `side`, with nothing left in flight. */
async function setUp(t: { after: (fn: () => Promise<void>) => void }, side: 'alice' | 'bob') {
  const counts: RelayCounts = { acks: 0, stored: 0 };
  const relay = await startTestRelay({}, { wrapStore: countingStore(counts) });
  t.after(() => relay.close());
  const store = new WriteBehindStore();
  const alice = makeAgent('alice', [relay.address], side === 'alice' ? store : new MemoryStore());
  const bob = makeAgent('bob', [relay.address], side === 'bob' ? store : new MemoryStore());
  const { aliceSide, bobSide } = await connectPair(alice, bob);
  await syncAll([alice, bob]);
  await syncAll([alice, bob]);
  return { counts, store, alice, bob, aliceSide, bobSide };
}

describe('a store that writes behind', () => {
  it('a received message is acknowledged only once the store has flushed it', async (t) => {
    const { counts, store, alice, bob, aliceSide, bobSide } = await setUp(t, 'bob');
    store.hold();
    alice.agent.send(aliceSide, 'hold this');
    await syncAll([alice]);
    const acks = counts.acks;
    const flushes = store.flushes;
    await bob.agent.start();
    t.after(() => bob.agent.stop());
    await until(() => bob.agent.history(bobSide).some((m) => m.text === 'hold this'), 'bob has stored the message');
    await sleep(300);
    assert.ok(store.flushes > flushes, 'the agent asked for a flush');
    assert.equal(counts.acks, acks, 'no ACK while the flush is pending');
    store.release();
    await until(() => counts.acks > acks, 'bob acknowledges the message');
  });

  it('a sealed message is sent only once the store has flushed its sealing', async (t) => {
    const { counts, store, alice, bob, aliceSide, bobSide } = await setUp(t, 'alice');
    store.hold();
    const stored = counts.stored;
    alice.agent.send(aliceSide, 'sealed, not yet sent');
    await alice.agent.start();
    t.after(() => alice.agent.stop());
    await until(() => alice.agent.history(aliceSide).some((m) => m.seq > 0 && m.text === 'sealed, not yet sent'), 'alice has sealed the message');
    await sleep(300);
    assert.equal(counts.stored, stored, 'no SEND while the flush is pending');
    assert.equal(alice.agent.history(aliceSide).at(-1)?.status, 'queued');
    store.release();
    await until(() => counts.stored > stored, 'alice sends the message');
    await syncAll([bob]);
    assert.deepEqual(
      bob.agent.history(bobSide).map((m) => m.text),
      ['sealed, not yet sent'],
    );
  });

  it('when the flush fails, the message is not acknowledged, and the relay delivers it again', async (t) => {
    const { counts, store, alice, bob, aliceSide, bobSide } = await setUp(t, 'bob');
    store.fail();
    alice.agent.send(aliceSide, 'deliver me twice');
    await syncAll([alice]);
    const acks = counts.acks;
    await bob.agent.start();
    await until(() => bob.agent.history(bobSide).length === 1, 'bob has stored the message');
    await sleep(300);
    await bob.agent.stop();
    assert.equal(counts.acks, acks, 'no ACK after a failed flush');

    // A new agent on the same store (the message kept in it) gets the message again: a copy, dropped and acknowledged.
    store.release();
    const again = makeAgent('bob', [], store);
    await syncAll([again]);
    assert.ok(counts.acks > acks, 'acknowledged on redelivery');
    assert.deepEqual(
      again.agent.history(bobSide).map((m) => m.text),
      ['deliver me twice'],
    );
    assert.equal(again.events.filter((e) => e.event === 'message').length, 0, 'not shown again');
  });
});
