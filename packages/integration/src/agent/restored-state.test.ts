// A client's state restored from an older copy (issue 12, graph-chat §8.7),
// over two real relays that record every body stored: copy Bob's store,
// send, restore the copy, send again. No two ciphertexts on the relays share
// a message key and nonce, both users are told, nothing written is lost or
// shown twice, and later messages flow both ways.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeQueueBody, MESSAGE_NONCE_LENGTH, toHex } from '@graphchat/core';
import type { AgentEvent, MemoryStore } from '@graphchat/client';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, observingStore, syncAll, type TestAgent } from './agent-fixtures.js';

/** The restored notices and events a side reported. */
const restored = (a: TestAgent): string[] => a.events.flatMap((e: AgentEvent) => (e.event === 'restored' ? [e.device] : []));
const texts = (a: TestAgent, contact: string, direction: 'sent' | 'received'): string[] =>
  a.agent
    .history(contact)
    .filter((item) => item.direction === direction && item.notice !== true)
    .map((item) => item.text);

async function settle(agents: readonly TestAgent[], done: () => boolean): Promise<void> {
  for (let round = 0; round < 8 && !done(); round++) await syncAll(agents, 10_000, 300);
}

describe('a state restored from an older copy, over real relays', () => {
  it('copy, send, restore, send again: no repeated key and nonce, both told, nothing lost, later messages flow', async (t) => {
    // Every ratchet message stored on a relay, by its header (which names its message key): the ciphertexts seen.
    const byKey = new Map<string, Set<string>>();
    const record = (_: Uint8Array, body: Uint8Array): void => {
      const decoded = decodeQueueBody(body);
      const messages = decoded.type === 'batch' ? decoded.messages : decoded.type === 'message' ? [decoded] : [];
      for (const m of messages) {
        const key = toHex(m.header);
        byKey.set(key, (byKey.get(key) ?? new Set()).add(toHex(m.ciphertext)));
      }
    };
    const relays = await Promise.all([0, 1].map(() => startTestRelay({}, { wrapStore: observingStore(record) })));
    t.after(async () => {
      for (const relay of relays) await relay.close();
    });
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('Alice', addresses);
    let bob = makeAgent('Bob', addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);

    const backup = (bob.store as MemoryStore).snapshot();
    bob.agent.send(bobSide, 'first');
    await settle([alice, bob], () => texts(alice, aliceSide, 'received').includes('first'));
    assert.deepEqual(texts(alice, aliceSide, 'received'), ['first']);
    await bob.agent.stop();

    // Bob's device goes back to the copy: it no longer knows it sent 'first'.
    bob = makeAgent('Bob', addresses, backup);
    bob.agent.send(bobSide, 'second');
    await syncAll([alice, bob]);
    // Later messages, both ways: the first of them shows the fork, and the resync recovers the connection.
    alice.agent.send(aliceSide, 'from alice, later');
    bob.agent.send(bobSide, 'from bob, later');
    await settle([alice, bob], () => texts(alice, aliceSide, 'received').length >= 3 && texts(bob, bobSide, 'received').length >= 1);

    assert.deepEqual(restored(bob), ['this'], 'Bob is told his device went back to an older copy');
    assert.deepEqual(restored(alice), ['contact'], "Alice is told Bob's device did");
    assert.deepEqual(texts(alice, aliceSide, 'received'), ['first', 'second', 'from bob, later'], 'nothing lost, nothing twice, in order');
    assert.deepEqual(texts(bob, bobSide, 'received'), ['from alice, later']);
    assert.ok(bob.agent.history(bobSide).some((item) => item.notice === true), "a notice stays in Bob's history");
    assert.ok(alice.agent.history(aliceSide).some((item) => item.notice === true), "and in Alice's");
    assert.deepEqual(
      [...alice.events, ...bob.events].filter((e) => e.event === 'failed'),
      [],
    );

    // The restored state sealed 'second' under the message key of 'first': with another nonce, never the same keystream.
    let reused = 0;
    for (const ciphertexts of byKey.values()) {
      if (ciphertexts.size > 1) reused++;
      const nonces = new Set([...ciphertexts].map((c) => c.slice(0, 2 * MESSAGE_NONCE_LENGTH)));
      assert.equal(nonces.size, ciphertexts.size, 'two ciphertexts under one message key share a nonce');
    }
    assert.equal(reused, 1, 'the relays saw exactly one message key used twice: the one the restore reused');

    // Later still, both ways, on the new ratchet.
    alice.agent.send(aliceSide, 'all good now?');
    bob.agent.send(bobSide, 'all good');
    await settle([alice, bob], () => texts(alice, aliceSide, 'received').length >= 4 && texts(bob, bobSide, 'received').length >= 2);
    assert.deepEqual(texts(alice, aliceSide, 'received').slice(3), ['all good']);
    assert.deepEqual(texts(bob, bobSide, 'received').slice(1), ['all good now?']);
    await alice.agent.stop();
    await bob.agent.stop();
  });
});
