/**
 * Issue 14: a malicious relay while a person links a device and the devices
 * work as one (devices.md). The relay drops, replays, alters and injects
 * every kind of body it carries: device link confirmations, the share,
 * introductions and the copies between devices. It cannot insert a device
 * or a pair, nor change or repeat a text: the link completes, every text
 * shows once on every device, in one order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent, MemoryStore, type AgentEvent } from '@graphchat/client';
import { concatBytes, encodeQueueBody } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { connectPair, makeAgent, webSocket, type TestAgent } from './agent-fixtures.js';
import { evilRelay, flipCiphertextBit, sync } from './malicious-relay.js';

function newDevice(): TestAgent {
  const store = new MemoryStore();
  const agent = new Agent({ store, crypto, webSocket, timeoutMs: 3000 });
  const events: AgentEvent[] = [];
  agent.onEvent = (event) => events.push(event);
  return { agent, store, events };
}

const texts = (side: TestAgent, contact: string): string[] => side.agent.history(contact).map((h) => `${h.direction}:${h.text}`);

describe('a malicious relay while devices are linked and used', () => {
  it('drops, replays, alters and injects: the device links, is introduced, and every text shows once, in one order, everywhere', async (t) => {
    const [evil, honest] = [await evilRelay(t), await evilRelay(t)];
    const relays = [evil.address, honest.address];
    const alice = makeAgent('alice', relays);
    const bob = makeAgent('bob', relays);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    bob.agent.send(bobSide, 'history 1');
    alice.agent.send(aliceSide, 'history 2');
    for (let i = 0; i < 6 && texts(alice, aliceSide).length < 2; i++) await sync([alice, bob]);

    let n = 0;
    evil.store.attack = (send) => {
      if (send.decoded === null) return null;
      const body = send.message.body;
      switch (n++ % 5) {
        case 0:
          return []; // dropped: the honest relay carries it
        case 1:
          return [body, body]; // replayed at once
        case 2:
          return [flipCiphertextBit(body), body]; // an altered copy first
        case 3:
          // A confirmation of the relay's own making (it never saw the link's keys), or a made-up ratchet message.
          return send.decoded.type === 'confirmation'
            ? [forgedConfirmation(body), body]
            : [encodeQueueBody({ type: 'message', header: crypto.randomBytes(40), ciphertext: crypto.randomBytes(40 + 256) }), body];
        default:
          return null;
      }
    };

    const { link } = await alice.agent.linkDevice({ history: true, name: 'phone' });
    const laptop = newDevice();
    await laptop.agent.joinDevice(link, { name: 'laptop' });
    const linked = (): boolean => laptop.agent.contacts().some((c) => c.id === aliceSide && c.status === 'connected' && !c.connecting);
    for (let i = 0; i < 20 && !linked(); i++) await sync([alice, laptop, bob]);
    assert.ok(linked(), 'the laptop linked and was introduced to bob');
    assert.ok(n > 10, `the relay attacked (${n} bodies)`);
    assert.equal(alice.agent.devices().length, 2, 'no device but the laptop');
    assert.equal(bob.agent.contacts()[0]!.pairs, 2, 'bob holds two pairs with alice, no more');

    for (let i = 0; i < 5; i++) {
      alice.agent.send(aliceSide, `phone ${i}`);
      laptop.agent.send(aliceSide, `laptop ${i}`);
      bob.agent.send(bobSide, `bob ${i}`);
    }
    const done = (): boolean => [texts(alice, aliceSide), texts(laptop, aliceSide), texts(bob, bobSide)].every((h) => h.length === 17);
    for (let i = 0; i < 20 && !done(); i++) await sync([alice, laptop, bob]);
    const order = (side: TestAgent, id: string): string[] => texts(side, id).map((t) => t.split(':')[1]!);
    assert.equal(new Set(order(bob, bobSide)).size, 17, 'each text once');
    assert.deepEqual(order(alice, aliceSide), order(bob, bobSide));
    assert.deepEqual(order(laptop, aliceSide), order(bob, bobSide));
    const laptopSent = texts(laptop, aliceSide).filter((t) => t.startsWith('sent:')).map((t) => t.slice(5));
    assert.deepEqual(laptopSent.sort(), ['history 2', ...[0, 1, 2, 3, 4].flatMap((i) => [`laptop ${i}`, `phone ${i}`])].sort());
  });
});

/** A confirmation body made by someone without the link's keys: the real one's version and tag, then random keys, header and ciphertext. */
function forgedConfirmation(real: Uint8Array): Uint8Array {
  return concatBytes(real.subarray(0, 2), crypto.randomBytes(real.length - 2));
}
