// A burst of messages waiting for one queue leaves in batches (graph-chat §3
// tag 3, §8.1), and a message sent alone leaves alone, at once. The relay's
// store records every body it is given, decrypted as the recipient would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeQueueBody, limits, toHex, type QueueBody } from '@graphchat/core';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, observingStore, syncAll } from './agent-fixtures.js';

interface Stored {
  readonly recipientId: string;
  readonly size: number;
  readonly body: QueueBody;
  readonly at: number;
}

describe('batching', () => {
  it('a burst leaves in batches of at most 16,000 bytes and arrives once, in order; a lone message leaves alone', async (t) => {
    const stored: Stored[] = [];
    const relay = await startTestRelay({}, { wrapStore: observingStore((recipientId, body) => stored.push({ recipientId: toHex(recipientId), size: body.length, body: decodeQueueBody(body), at: Date.now() })) });
    t.after(() => relay.close());
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);

    stored.length = 0;
    const texts = Array.from({ length: 60 }, (_, i) => `burst ${i} ${'x'.repeat(200)}`);
    for (const text of texts) alice.agent.send(aliceSide, text);
    await syncAll([alice, bob]);
    await syncAll([alice, bob]);

    const toBob = toHex(bob.store.getConnection(bobSide)!.receiveQueues[0]!.recipientId);
    const burst = stored.filter((s) => s.recipientId === toBob);
    assert.deepEqual(bob.agent.history(bobSide).map((m) => m.text), texts);
    assert.equal(bob.events.filter((e) => e.event === 'message').length, texts.length, 'each shown once');
    assert.deepEqual(alice.agent.history(aliceSide).map((m) => m.status), texts.map(() => 'delivered'));
    const batches = burst.filter((s) => s.body.type === 'batch');
    const inBatches = batches.reduce((sum, s) => sum + (s.body.type === 'batch' ? s.body.messages.length : 0), 0);
    t.diagnostic(`${burst.length} bodies stored for bob, ${batches.length} batches holding ${inBatches} messages`);
    assert.ok(batches.length >= 2, 'the burst needs several batches');
    assert.equal(inBatches, texts.length, 'every text travelled in a batch');
    assert.ok(burst.length < texts.length / 4, 'far fewer SENDs than messages');
    assert.ok(stored.every((s) => s.size <= limits.MAX_MESSAGE_BODY));
    assert.ok(batches.some((s) => s.size > limits.MAX_MESSAGE_BODY - 600), 'batches are filled up');

    // A lone message leaves alone and at once: stored by the relay within moments of send().
    stored.length = 0;
    await alice.agent.start();
    const sentAt = Date.now();
    alice.agent.send(aliceSide, 'alone');
    const deadline = sentAt + 2000;
    while (!stored.some((s) => s.recipientId === toBob) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    await alice.agent.stop();
    const lone = stored.filter((s) => s.recipientId === toBob);
    assert.equal(lone.length, 1, 'one SEND for one message');
    assert.equal(lone[0]!.body.type, 'message', 'a lone message is not batched');
    t.diagnostic(`a lone message reached the relay ${lone[0]!.at - sentAt} ms after send()`);
    assert.ok(lone[0]!.at - sentAt < 1000, 'and is not held back for company');
    await syncAll([alice, bob]);
    assert.equal(bob.agent.history(bobSide).at(-1)!.text, 'alone');
  });
});
