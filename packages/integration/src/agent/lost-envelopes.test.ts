// Envelopes lost on the way (graph-chat §8.7): a relay takes two messages
// and never delivers them, then the sender's third arrives and nothing more
// is sent. The receiver holds the third; a minute on, with nothing else
// arriving, its work loop asks for what it lacks, and all three are shown,
// once and in order, with no one told of a restore.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent, MemoryStore, type AgentEvent } from '@graphchat/client';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, webSocket, type TestAgent } from './agent-fixtures.js';
import { evilRelay, isFor, receiveQueue, sync, texts } from './malicious-relay.js';

describe('envelopes a relay lost', () => {
  it('are asked for once a gap has stayed open a minute with nothing after it', async (t) => {
    const evil = await evilRelay(t);
    let skew = 0;
    const alice = makeAgent('alice', [evil.address]);
    const store = new MemoryStore();
    const events: AgentEvent[] = [];
    const agent = new Agent({ store, crypto: sodiumCrypto, webSocket, timeoutMs: 3000, now: () => Date.now() + skew });
    agent.onEvent = (event) => events.push(event);
    agent.createProfile({ displayName: 'bob', relays: [evil.address] });
    const bob: TestAgent = { agent, store, events };
    const { aliceSide, bobSide } = await connectPair(alice, bob);

    const toBob = isFor(receiveQueue(bob, bobSide, evil));
    let lost = 0;
    evil.store.attack = (send) => (toBob(send) && send.decoded?.type === 'message' && lost < 2 ? (lost++, []) : null);
    alice.agent.send(aliceSide, 'one');
    alice.agent.send(aliceSide, 'two');
    await sync([alice]);
    alice.agent.send(aliceSide, 'three');
    await sync([alice, bob]);
    assert.equal(lost, 2);
    assert.deepEqual(texts(bob, bobSide, 'received'), [], "'three' is held: the gap may still be a delay");

    skew = 61_000; // a minute on, and nothing else arrived
    await sync([bob]);
    await sync([alice, bob]);
    await sync([alice, bob]);
    assert.deepEqual(
      texts(bob, bobSide, 'received').map((m) => m.text),
      ['one', 'two', 'three'],
    );
    assert.deepEqual([...alice.events, ...bob.events].filter((e) => e.event === 'restored'), [], 'no one is told of a restore');
    await alice.agent.stop();
    await bob.agent.stop();
  });
});
