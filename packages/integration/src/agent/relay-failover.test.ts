/**
 * Issue 3: with two relays per direction, a relay that is down, killed
 * mid-conversation and restarted, or hung, neither stops nor reorders the
 * conversation, and loses or duplicates nothing. Real relay processes, two
 * agents with both relays.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killSpawnedRelays } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';
import { RelayUnderTest } from './relay-processes.js';

const N = 20;
/** Sync time-out and idle time: loopback relays answer in milliseconds. */
const SYNC_MS = 8000;
const IDLE_MS = 120;

interface Pair {
  readonly relays: RelayUnderTest[];
  readonly alice: TestAgent;
  readonly bob: TestAgent;
  readonly aliceSide: string;
  readonly bobSide: string;
  /** Texts each side sent, in sending order. */
  readonly fromAlice: string[];
  readonly fromBob: string[];
}

async function connectedPair(): Promise<Pair> {
  const relays = [await RelayUnderTest.start(), await RelayUnderTest.start()];
  const addresses = relays.map((r) => r.address);
  const alice = makeAgent('alice', addresses);
  const bob = makeAgent('bob', addresses);
  const { aliceSide, bobSide } = await connectPair(alice, bob);
  assert.equal(alice.agent.findContact(aliceSide).status, 'connected');
  assert.equal(bob.agent.findContact(bobSide).status, 'connected');
  return { relays, alice, bob, aliceSide, bobSide, fromAlice: [], fromBob: [] };
}

function aliceSends(pair: Pair, text: string): void {
  pair.alice.agent.send(pair.aliceSide, text);
  pair.fromAlice.push(text);
}

function bobSends(pair: Pair, text: string): void {
  pair.bob.agent.send(pair.bobSide, text);
  pair.fromBob.push(text);
}

const sync = (pair: Pair, timeoutMs = SYNC_MS): Promise<void> => syncAll([pair.alice, pair.bob], timeoutMs, IDLE_MS);

/** Texts the agent showed as new messages from the contact, in the order it showed them. */
function shown(side: TestAgent, contact: string): string[] {
  return side.events.flatMap((e) => (e.event === 'message' && e.contact === contact ? [e.text] : []));
}

function rejections(side: TestAgent): string[] {
  return side.events.flatMap((e) => (e.event === 'rejected' ? [e.reason] : []));
}

function sentNotDelivered(side: TestAgent, contact: string): string[] {
  return side.agent
    .history(contact)
    .filter((m) => m.direction === 'sent' && m.status !== 'delivered')
    .map((m) => `${m.text} (${m.status})`);
}

function everythingArrived(pair: Pair): boolean {
  const { alice, bob, aliceSide, bobSide } = pair;
  return (
    shown(bob, bobSide).length >= pair.fromAlice.length &&
    shown(alice, aliceSide).length >= pair.fromBob.length &&
    sentNotDelivered(alice, aliceSide).length === 0 &&
    sentNotDelivered(bob, bobSide).length === 0
  );
}

/** Syncs until every message arrived and every receipt came back (or `rounds` syncs); returns the syncs it took. */
async function settle(pair: Pair, rounds = 6, done: () => boolean = () => everythingArrived(pair)): Promise<number> {
  for (let round = 1; round <= rounds; round++) {
    await sync(pair);
    if (done()) return round;
  }
  return rounds;
}

/** One side's view: its sent texts, its received texts, each in history order. */
function view(side: TestAgent, contact: string): { sent: string[]; received: string[] } {
  const history = side.agent.history(contact);
  return {
    sent: history.filter((m) => m.direction === 'sent').map((m) => m.text),
    received: history.filter((m) => m.direction === 'received').map((m) => m.text),
  };
}

/**
 * Both histories hold exactly the sent sequences, in order, once each; every
 * sent message is delivered (its receipt came back); each received text was
 * shown exactly once; nothing was rejected.
 */
function assertExactConversation(pair: Pair, options: { allowRejected?: boolean } = {}): void {
  const { alice, bob, aliceSide, bobSide, fromAlice, fromBob } = pair;
  assert.deepEqual(view(alice, aliceSide), { sent: fromAlice, received: fromBob }, "alice's history");
  assert.deepEqual(view(bob, bobSide), { sent: fromBob, received: fromAlice }, "bob's history");
  assert.deepEqual(shown(bob, bobSide), fromAlice, "bob's message events");
  assert.deepEqual(shown(alice, aliceSide), fromBob, "alice's message events");
  assert.deepEqual(sentNotDelivered(alice, aliceSide), [], 'alice: every message delivered');
  assert.deepEqual(sentNotDelivered(bob, bobSide), [], 'bob: every message delivered');
  for (const [side, contact] of [
    [alice, aliceSide],
    [bob, bobSide],
  ] as const) {
    const seqs = side.agent
      .history(contact)
      .filter((m) => m.direction === 'received')
      .map((m) => m.seq);
    assert.ok(
      seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!),
      `received in envelope order: ${seqs.join(',')}`,
    );
  }
  if (options.allowRejected === true) return;
  assert.deepEqual(rejections(alice), [], 'alice: nothing rejected');
  assert.deepEqual(rejections(bob), [], 'bob: nothing rejected');
}

/** N messages each way: N/2 alternating turns (a sync after each pair), then a burst from each side. */
async function converse(pair: Pair, tag: string): Promise<void> {
  const turns = N / 2;
  for (let i = 0; i < turns; i++) {
    aliceSends(pair, `${tag} alice ${i}`);
    await sync(pair);
    bobSends(pair, `${tag} bob ${i}`);
    await sync(pair);
  }
  for (let i = turns; i < N; i++) aliceSends(pair, `${tag} alice ${i}`);
  for (let i = turns; i < N; i++) bobSends(pair, `${tag} bob ${i}`);
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Sends N messages each way while both agents sync: bob's at once, alice's
 * a couple of milliseconds apart, since a burst sent at once leaves in one
 * batch (graph-chat §8.1) and arrives whole. Once bob has shown two of
 * alice's first ones, `interrupt` runs (it kills or pauses a relay), and
 * the rest of alice's follow. Returns how many bob had shown then, and the
 * sync, still running.
 */
async function burstInterrupted(
  pair: Pair,
  syncTimeoutMs: number,
  interrupt: () => Promise<void> | void,
): Promise<{ atInterrupt: number; syncing: Promise<void> }> {
  const shownBefore = shown(pair.bob, pair.bobSide).length;
  const syncing = sync(pair, syncTimeoutMs);
  for (let i = 0; i < N; i++) bobSends(pair, `burst bob ${i}`);
  const HEAD = 3;
  for (let i = 0; i < HEAD; i++) {
    aliceSends(pair, `burst alice ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await waitUntil(() => shown(pair.bob, pair.bobSide).length >= shownBefore + 2, 5000, 'the start of the burst');
  const atInterrupt = shown(pair.bob, pair.bobSide).length - shownBefore;
  await interrupt();
  // The rest of alice's burst is sent after the interruption, so it lands mid-burst on any machine.
  for (let i = HEAD; i < N; i++) {
    aliceSends(pair, `burst alice ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { atInterrupt, syncing };
}

describe('agent with one of two relays down, killed, restarted or hung', () => {
  after(killSpawnedRelays);

  for (const down of [0, 1]) {
    it(`delivers every message exactly once, in order, with receipts, while relay ${down + 1} of 2 is down`, async (t) => {
      const pair = await connectedPair();
      await pair.relays[down]!.kill();

      await converse(pair, 'down');
      const rounds = await settle(pair);
      t.diagnostic(`settled in ${rounds} more syncs`);

      assert.equal(pair.relays[down]!.running, false, 'the relay is still down');
      assertExactConversation(pair);
      // The copies for the dead relay wait in the outbox; nothing else does.
      for (const side of [pair.alice, pair.bob]) {
        const waiting = side.store.listOutbox();
        assert.ok(
          waiting.every((item) => item.relay === pair.relays[down]!.address),
          'only copies for the dead relay are left',
        );
      }
    });
  }

  it('a relay killed mid-burst and restarted later: no loss, no duplicate, and the outboxes drain', async (t) => {
    const pair = await connectedPair();
    const [relay1] = pair.relays as [RelayUnderTest, RelayUnderTest];
    for (let i = 0; i < 3; i++) {
      aliceSends(pair, `before alice ${i}`);
      bobSends(pair, `before bob ${i}`);
    }
    await settle(pair);
    assertExactConversation(pair);

    // A burst both ways; relay 1 dies while it is being delivered.
    const { atInterrupt: atKill, syncing } = await burstInterrupted(pair, SYNC_MS, () => relay1.kill());
    await syncing;
    t.diagnostic(`relay 1 killed after bob had shown ${atKill} of ${N} burst messages`);
    assert.ok(atKill < N, 'the relay died mid-burst');

    // The conversation goes on through relay 2.
    await converse(pair, 'meanwhile');
    await settle(pair);
    assertExactConversation(pair);
    // Copies for the dead relay wait, unless the peer's later envelopes showed it had them (then they are dropped).
    const waiting = [pair.alice, pair.bob].map((s) => s.store.listOutbox());
    t.diagnostic(`outbox items waiting for relay 1 (alice, bob): ${waiting.map((w) => w.length).join(', ')}`);
    assert.ok(waiting.flat().every((item) => item.relay === relay1.address), 'only copies for relay 1 wait');

    // Relay 1 returns with what it had stored; the waiting copies go to it, and the receivers drop them unseen.
    await relay1.restart();
    const outboxesEmpty = (): boolean => pair.alice.store.listOutbox().length === 0 && pair.bob.store.listOutbox().length === 0;
    const rounds = await settle(pair, 6, outboxesEmpty);
    t.diagnostic(`outboxes drained in ${rounds} syncs after the restart`);
    await sync(pair); // One more: anything relay 1 still held comes through now.
    assert.deepEqual(pair.alice.store.listOutbox(), [], "alice's outbox drained");
    assert.deepEqual(pair.bob.store.listOutbox(), [], "bob's outbox drained");
    assertExactConversation(pair);

    // And relay 1 carries new messages again.
    aliceSends(pair, 'after restart alice');
    bobSends(pair, 'after restart bob');
    await settle(pair);
    assertExactConversation(pair);
  });

  describe('a relay down for a long conversation, then restarted', () => {
    // Every turn moves both ratchets to new chains, so the copies waiting for relay 1 come from
    // chains the receiver retired long before the relay returns (more than MAX_RETIRED_CHAINS = 16).
    let pair: Pair | null = null;

    it('delivers everything once, in order, and the late copies are not shown', async (t) => {
      const p = (pair = await connectedPair());
      const [relay1] = p.relays as [RelayUnderTest, RelayUnderTest];
      await relay1.kill();
      for (let i = 0; i < 24; i++) {
        aliceSends(p, `turn alice ${i}`);
        await sync(p);
      }
      bobSends(p, 'turn bob');
      await settle(p);
      assertExactConversation(p);

      await relay1.restart();
      const outboxesEmpty = (): boolean => p.alice.store.listOutbox().length === 0 && p.bob.store.listOutbox().length === 0;
      const rounds = await settle(p, 6, outboxesEmpty);
      t.diagnostic(`outboxes drained in ${rounds} syncs after the restart`);
      await sync(p);
      assert.deepEqual(p.alice.store.listOutbox(), []);
      assert.deepEqual(p.bob.store.listOutbox(), []);
      assertExactConversation(p, { allowRejected: true });
      t.diagnostic(`rejected events: alice ${rejections(p.alice).length}, bob ${rejections(p.bob).length}`);
    });

    it(
      'reports none of the late copies as rejected',
      () => {
        assert.ok(pair !== null, 'the conversation above ran');
        assert.deepEqual(rejections(pair.alice), [], 'alice: nothing rejected');
        assert.deepEqual(rejections(pair.bob), [], 'bob: nothing rejected');
      },
    );
  });

  it('messages sent while both relays are down go once one relay is back', async (t) => {
    const pair = await connectedPair();
    aliceSends(pair, 'hello');
    await settle(pair);
    const [relay1, relay2] = pair.relays as [RelayUnderTest, RelayUnderTest];
    await relay1.kill();
    await relay2.kill();

    for (let i = 0; i < 5; i++) {
      aliceSends(pair, `offline alice ${i}`);
      bobSends(pair, `offline bob ${i}`);
    }
    const started = Date.now();
    await sync(pair);
    t.diagnostic(`a sync with both relays down took ${Date.now() - started} ms`);
    assert.deepEqual(shown(pair.bob, pair.bobSide), ['hello'], 'nothing new can arrive');
    assert.ok(
      pair.alice.agent
        .history(pair.aliceSide)
        .filter((m) => m.text.startsWith('offline'))
        .every((m) => m.status === 'queued'),
      'no relay took them',
    );

    await relay2.restart();
    const rounds = await settle(pair);
    t.diagnostic(`delivered in ${rounds} syncs once relay 2 was back`);
    assertExactConversation(pair);

    await relay1.restart();
    await settle(pair, 6, () => pair.alice.store.listOutbox().length === 0 && pair.bob.store.listOutbox().length === 0);
    await sync(pair);
    assert.deepEqual(pair.alice.store.listOutbox(), []);
    assert.deepEqual(pair.bob.store.listOutbox(), []);
    assertExactConversation(pair);
  });

  it('a hung relay (SIGSTOP mid-burst, then SIGCONT) neither stops nor reorders the conversation', async (t) => {
    const pair = await connectedPair();
    const [relay1] = pair.relays as [RelayUnderTest, RelayUnderTest];
    aliceSends(pair, 'hello');
    bobSends(pair, 'hi');
    await settle(pair);

    const shownBefore = shown(pair.bob, pair.bobSide).length;
    const syncStarted = Date.now();
    try {
      const { atInterrupt, syncing } = await burstInterrupted(pair, 4000, () => relay1.pause());
      t.diagnostic(`relay 1 hung after bob had shown ${atInterrupt} of ${N} burst messages`);
      assert.ok(atInterrupt < N, 'the relay hung mid-burst');
      // While relay 1 hangs, messages still go through relay 2, and quickly.
      await waitUntil(() => shown(pair.bob, pair.bobSide).length === shownBefore + N, 2500, 'the rest of the burst through relay 2');
      await syncing;
      t.diagnostic(`the sync during which relay 1 hung took ${Date.now() - syncStarted} ms (its time-out: 4000 ms)`);
      const started = Date.now();
      bobSends(pair, 'while hung bob');
      const syncingAgain = sync(pair);
      await waitUntil(() => shown(pair.alice, pair.aliceSide).includes('while hung bob'), 2500, "bob's message through relay 2");
      t.diagnostic(`a message while relay 1 hangs arrived in ${Date.now() - started} ms`);
      await syncingAgain;
      t.diagnostic(`that sync took ${Date.now() - started} ms (relay handshake time-out is 3000 ms)`);
      assert.deepEqual(sentNotDelivered(pair.alice, pair.aliceSide), [], 'receipts came back through relay 2');
    } finally {
      relay1.resume();
    }

    const outboxesEmpty = (): boolean => pair.alice.store.listOutbox().length === 0 && pair.bob.store.listOutbox().length === 0;
    await settle(pair, 6, () => everythingArrived(pair) && outboxesEmpty());
    await sync(pair);
    assert.deepEqual(pair.alice.store.listOutbox(), []);
    assert.deepEqual(pair.bob.store.listOutbox(), []);
    assertExactConversation(pair);
  });
});
