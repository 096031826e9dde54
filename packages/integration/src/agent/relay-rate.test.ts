// A relay that refuses SENDs with RATE (EMP §9.1: the client address's SEND
// bytes are spent) slows the agent down, and loses nothing: the refused
// messages wait, the user is told so (a `waiting` event, not `rejected`), and
// they are delivered once the relay's bucket has refilled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll } from './agent-fixtures.js';

describe('a relay answering RATE', () => {
  it('a burst past the address SEND budget waits and is delivered after the bucket refills, in order', async (t) => {
    // About two full batches at once, then one every second: a burst of 60 messages of 600 bytes (three or four
    // SENDs) is refused in part. Every agent here is on 127.0.0.1, so all share the bucket.
    const relay = await startTestRelay({ addressSendRate: { burst: 32_000, perMinute: 16_000 * 60 } });
    t.after(() => relay.close());
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(bob.agent.findContact(bobSide).status, 'connected');

    const texts = Array.from({ length: 60 }, (_, i) => `burst ${i} ${'x'.repeat(600)}`);
    for (const text of texts) alice.agent.send(aliceSide, text);
    for (let i = 0; i < 10 && bob.agent.history(bobSide).length < texts.length; i++) await syncAll([alice, bob], 10_000, 1500);

    const waiting = alice.events.filter((e) => e.event === 'waiting');
    t.diagnostic(`waiting events: ${JSON.stringify(waiting)}`);
    assert.ok(waiting.length > 0 && waiting.every((e) => e.event === 'waiting' && /RATE/.test(e.reason)), 'the user was told messages wait for the relay');
    assert.deepEqual(alice.events.filter((e) => e.event === 'rejected' || e.event === 'failed'), [], 'nothing failed');
    assert.deepEqual(bob.agent.history(bobSide).map((m) => m.text), texts, 'all delivered, in order');
  });
});

describe('a relay answering RATE to NEW', () => {
  it('the agent asks again after a second, so a second invitation in a row still gets its queue', async (t) => {
    // One queue per session at once, then one a second.
    const relay = await startTestRelay({ sessionQueueRate: { burst: 1, perMinute: 60 } });
    t.after(() => relay.close());
    const alice = makeAgent('alice', [relay.address]);
    await alice.agent.createInvitation();
    const started = Date.now();
    const second = await alice.agent.createInvitation();
    t.diagnostic(`the second invitation took ${Date.now() - started} ms`);
    assert.match(second.link, /./);
    await alice.agent.stop();
  });
});
