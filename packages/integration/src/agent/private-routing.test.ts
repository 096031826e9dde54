/**
 * Issue 12, part 5: who learns a client's network address. Each agent's
 * sockets leave from a loopback address of its own (127.0.0.2 for alice,
 * 127.0.0.3 for bob), and relays record the peer address of every
 * connection, while the relays' own sessions with one another leave from
 * 127.0.0.1. With private routing (the default: forward to relays that are
 * not the profile's own), a relay of one side never sees the other side's
 * address, and delivery, order and redundancy work as before; with 'never',
 * it does see it (so the test can fail).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Agent, MemoryStore, type AgentEvent, type WebSocketLike } from '@graphchat/client';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { killSpawnedRelays, startTestRelay } from 'graphchat-server/test-support';
import type { RunningRelay } from 'graphchat-server';
import { WebSocket } from 'ws';
import { connectPair, syncAll, type TestAgent } from './agent-fixtures.js';
import { RelayUnderTest } from './relay-processes.js';

const ALICE_ADDRESS = '127.0.0.2';
const BOB_ADDRESS = '127.0.0.3';

/** An agent whose sockets all leave from `localAddress`. */
function agentAt(name: string, localAddress: string, relays: readonly string[]): TestAgent {
  const webSocket = (url: string): WebSocketLike => new WebSocket(url, { localAddress }) as unknown as WebSocketLike;
  const store = new MemoryStore();
  const agent = new Agent({ store, crypto: sodiumCrypto, webSocket, timeoutMs: 3000 });
  const events: AgentEvent[] = [];
  agent.onEvent = (event) => events.push(event);
  agent.createProfile({ displayName: name, relays });
  return { agent, store, events };
}

/** A relay that records the peer address of every WebSocket connection it accepts. */
async function recordingRelay(): Promise<{ relay: RunningRelay; peers: Set<string> }> {
  const peers = new Set<string>();
  const relay = await startTestRelay({}, { onPeer: (address) => peers.add(address.replace(/^::ffff:/, '')) });
  return { relay, peers };
}

function shown(side: TestAgent, contact: string): string[] {
  return side.events.flatMap((e) => (e.event === 'message' && e.contact === contact ? [e.text] : []));
}

function undelivered(side: TestAgent, contact: string): string[] {
  return side.agent
    .history(contact)
    .filter((m) => m.direction === 'sent' && m.status !== 'delivered')
    .map((m) => m.text);
}

async function settle(a: TestAgent, b: TestAgent, done: () => boolean, rounds = 8): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await syncAll([a, b], 8000, 150);
}

describe('private message routing', () => {
  after(killSpawnedRelays);

  it('hides each side from the other side\'s relays, delivers in order with one of two relays stopped; "never" connects directly', async () => {
    const [a1, a2, b1, b2] = await Promise.all([recordingRelay(), recordingRelay(), recordingRelay(), recordingRelay()]);
    const alice = agentAt('alice', ALICE_ADDRESS, [a1.relay.address, a2.relay.address]);
    const bob = agentAt('bob', BOB_ADDRESS, [b1.relay.address, b2.relay.address]);
    try {
      const { aliceSide, bobSide } = await connectPair(alice, bob);
      assert.equal(alice.agent.findContact(aliceSide).status, 'connected');
      assert.equal(bob.agent.findContact(bobSide).status, 'connected');

      const fromAlice: string[] = [];
      const fromBob: string[] = [];
      for (let i = 0; i < 5; i++) {
        fromAlice.push(`alice ${i}`);
        alice.agent.send(aliceSide, `alice ${i}`);
        fromBob.push(`bob ${i}`);
        bob.agent.send(bobSide, `bob ${i}`);
      }
      await settle(alice, bob, () => shown(bob, bobSide).length === fromAlice.length && shown(alice, aliceSide).length === fromBob.length && undelivered(alice, aliceSide).length === 0);
      assert.deepEqual(shown(bob, bobSide), fromAlice);
      assert.deepEqual(shown(alice, aliceSide), fromBob);

      // Redundancy: one of bob's relays stops; alice's messages still reach bob through the other, in order.
      await b1.relay.close();
      for (let i = 5; i < 10; i++) {
        fromAlice.push(`alice ${i}`);
        alice.agent.send(aliceSide, `alice ${i}`);
      }
      await settle(alice, bob, () => shown(bob, bobSide).length === fromAlice.length);
      assert.deepEqual(shown(bob, bobSide), fromAlice, 'every message once, in order');

      for (const { peers } of [b1, b2]) assert.ok(!peers.has(ALICE_ADDRESS), `bob's relays never saw alice's address: ${[...peers].join(', ')}`);
      for (const { peers } of [a1, a2]) assert.ok(!peers.has(BOB_ADDRESS), `alice's relays never saw bob's address: ${[...peers].join(', ')}`);
      assert.ok(b2.peers.has(BOB_ADDRESS) && b2.peers.has('127.0.0.1'), 'bob\'s relay saw bob and a forwarding relay');

      // The setting 'never': alice now connects to bob's relay herself.
      alice.agent.setPrivateRouting(alice.agent.activeProfile().id, 'never');
      fromAlice.push('direct');
      alice.agent.send(aliceSide, 'direct');
      await settle(alice, bob, () => shown(bob, bobSide).length === fromAlice.length);
      assert.deepEqual(shown(bob, bobSide), fromAlice);
      assert.ok(b2.peers.has(ALICE_ADDRESS), 'with "never", bob\'s relay sees alice\'s address');
    } finally {
      await alice.agent.stop();
      await bob.agent.stop();
      await Promise.all([a1, a2, b2].map(({ relay }) => relay.close()));
    }
  });

  it('refuses what a malicious forwarding relay tampers with or replays: every message arrives once, in order', async () => {
    let tampered = 0;
    let replayed = 0;
    // alice's first relay flips a bit of every sealed forward; her second sends every forward twice.
    const a1 = await startTestRelay({}, {
      rewriteForward: (command) => {
        tampered++;
        const sealed = command.sealed.slice();
        sealed[100] = sealed[100]! ^ 1;
        return [{ ...command, sealed }];
      },
    });
    const a2 = await startTestRelay({}, {
      rewriteForward: (command) => {
        replayed++;
        return [command, command];
      },
    });
    const [b1, b2] = await Promise.all([recordingRelay(), recordingRelay()]);
    const alice = agentAt('alice', ALICE_ADDRESS, [a1.address, a2.address]);
    const bob = agentAt('bob', BOB_ADDRESS, [b1.relay.address, b2.relay.address]);
    try {
      const { aliceSide, bobSide } = await connectPair(alice, bob);
      const sent: string[] = [];
      for (let i = 0; i < 8; i++) {
        sent.push(`m ${i}`);
        alice.agent.send(aliceSide, `m ${i}`);
      }
      await settle(alice, bob, () => shown(bob, bobSide).length >= sent.length && undelivered(alice, aliceSide).length === 0);
      assert.deepEqual(shown(bob, bobSide), sent, 'every message once, in order');
      assert.deepEqual(undelivered(alice, aliceSide), []);
      assert.ok(tampered > 0 && replayed > 0, `both relays forwarded (tampered ${tampered}, replayed ${replayed})`);
      assert.deepEqual(bob.events.filter((e) => e.event === 'rejected'), [], 'bob refused nothing he was shown');
    } finally {
      await alice.agent.stop();
      await bob.agent.stop();
      await Promise.all([a1.close(), a2.close(), b1.relay.close(), b2.relay.close()]);
    }
  });

  it('loses nothing when a forwarding relay is killed mid-send: the next relay of the profile forwards', async () => {
    const own = [await RelayUnderTest.start(), await RelayUnderTest.start()];
    const [b1, b2] = await Promise.all([recordingRelay(), recordingRelay()]);
    const alice = agentAt('alice', ALICE_ADDRESS, own.map((r) => r.address));
    const bob = agentAt('bob', BOB_ADDRESS, [b1.relay.address, b2.relay.address]);
    try {
      const { aliceSide, bobSide } = await connectPair(alice, bob);
      const sent: string[] = [];
      const syncing = syncAll([alice, bob], 15_000, 400);
      for (let i = 0; i < 20; i++) {
        sent.push(`m ${i}`);
        alice.agent.send(aliceSide, `m ${i}`);
        if (i === 3) await own[0]!.kill();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await syncing;
      await settle(alice, bob, () => shown(bob, bobSide).length === sent.length);
      assert.deepEqual(shown(bob, bobSide), sent, 'every message once, in order');
      for (const { peers } of [b1, b2]) assert.ok(!peers.has(ALICE_ADDRESS), 'bob\'s relays never saw alice\'s address');
    } finally {
      await alice.agent.stop();
      await bob.agent.stop();
      await Promise.all([b1, b2].map(({ relay }) => relay.close()));
    }
  });
});
