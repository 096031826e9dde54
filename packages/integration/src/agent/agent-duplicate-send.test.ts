// An agent sends each outbox item once per queue: a relay's OK is final
// (EMP §7.3 SEND), so the same body must not be stored twice by one sender.
//
// Agent.received() calls dispatchOutbox() directly, without recordAccepted()
// first: items a relay has already answered OK to, still waiting in
// `accepted` (no longer in flight, not yet deleted from the outbox), are
// then sent again. The receiver drops the copy as a duplicate, but each one
// costs a SEND, a stored message and a delivery.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import type { QueueStore } from 'graphchat-server';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, observingStore, syncAll } from './agent-fixtures.js';

/** Counts, per queue, how often each body was stored. */
function countingStore(counts: Map<string, number>): (inner: QueueStore) => QueueStore {
  return observingStore((recipientId, body) => {
    const key = `${toHex(recipientId)} ${toHex(crypto.sha256(body))}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
}

describe('sending', () => {
  it('stores each body once per queue while messages flow both ways', async (t) => {
    const counts = new Map<string, number>();
    const relays = await Promise.all([0, 1].map(() => startTestRelay({}, { wrapStore: countingStore(counts) })));
    t.after(() => Promise.all(relays.map((r) => r.close())));
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    for (let i = 0; i < 8; i++) {
      alice.agent.send(aliceSide, `a${i}`);
      bob.agent.send(bobSide, `b${i}`);
    }
    await syncAll([alice, bob], 10_000, 200);
    await syncAll([alice, bob], 10_000, 200);
    assert.equal(bob.agent.history(bobSide).filter((m) => m.direction === 'received').length, 8);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    assert.equal(twice, 0, `${twice} of ${counts.size} bodies were sent twice to the same queue`);
  });
});
