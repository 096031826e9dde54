// Moving connections between relays from the terminal client (issue 13,
// graph-chat §8.6), as processes over real relays: `relays add` and
// `relays remove` move alice and bob from A and B to C and D while texts
// flow; A and B then die and delivery goes on. `graphchat sync` killed
// with SIGKILL right after each step of a move, on either side, loses
// nothing and shows nothing twice; a contact offline during a move's start
// catches up later; `rekey` changes the security code on both sides; and
// `profile rotation` moves the queues on schedule.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { killHard, killSpawnedRelays, spawnRelay, type RelayProcess } from 'graphchat-server/test-support';
import { FAST_TEST_KDF, sessionOpener } from './runtime.js';
import { cliProcess, graphchat, type CliRun, type Json, type KillPlan } from './test-support/cli-process.js';

const PASSPHRASE = 'moves test passphrase';
const SYNC = ['sync', '--timeout', '10', '--idle', '0.3'];
const openSession = sessionOpener({ kdf: FAST_TEST_KDF });

interface Queue {
  readonly relay: string;
  readonly state?: string;
}

const relaysOf = (queues: readonly Queue[]): string[] => [...new Set(queues.map((q) => q.relay))].sort();

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => seen.has(value) || (seen.add(value), false));
}

describe('moving connections between relays from the terminal client', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphchat-moves-'));
  const alice = join(root, 'alice');
  const bob = join(root, 'bob');
  const relay: Record<'A' | 'B' | 'C' | 'D', RelayProcess> = {} as never;
  let alicesBob = '';
  let bobsAlice = '';
  /** Every text each side queued, in order. */
  const fromAlice: string[] = [];
  const fromBob: string[] = [];
  const runs: CliRun[] = [];

  const run = (dir: string, ...args: string[]): Json[] => graphchat(dir, PASSPHRASE, args);
  const contactOf = (dir: string, contact: string): Json => run(dir, 'contact', contact)[0]!;
  const sync = async (dir: string, plan?: KillPlan): Promise<CliRun> => {
    const result = await cliProcess(dir, PASSPHRASE, SYNC, plan);
    runs.push(result);
    assert.ok(result.killed || result.code === 0, `sync exited with ${result.code}: ${result.stderr}`);
    return result;
  };
  const syncBoth = (plans: { alice?: KillPlan; bob?: KillPlan } = {}): Promise<[CliRun, CliRun]> => Promise.all([sync(alice, plans.alice), sync(bob, plans.bob)]);
  const key = (r: RelayProcess): string => r.address;
  const addresses = (...names: (keyof typeof relay)[]): string[] => names.map((n) => key(relay[n])).sort();

  /** Texts queued in-process (the client is not running), as `graphchat send` would, both ways. */
  async function talk(tag: string): Promise<void> {
    for (const [dir, contact, list, who] of [
      [alice, alicesBob, fromAlice, 'alice'],
      [bob, bobsAlice, fromBob, 'bob'],
    ] as const) {
      const session = await openSession({ dir, passphrase: PASSPHRASE, create: false });
      try {
        for (let i = 0; i < 2; i++) {
          const text = `${who} ${tag}.${i}`;
          session.agent.send(contact, text);
          list.push(text);
        }
      } finally {
        session.close();
      }
    }
  }

  /** What one side received, read in-process: the database opens, and the texts are there. */
  async function received(dir: string, contact: string): Promise<string[]> {
    const session = await openSession({ dir, passphrase: PASSPHRASE, create: false });
    try {
      return session.agent
        .history(contact)
        .filter((item) => item.direction === 'received' && item.notice !== true)
        .map((item) => item.text);
    } finally {
      session.close();
    }
  }

  /** Each side received every text of the other once, in order (a prefix while `partial`). */
  async function checkTexts(what: string, partial = false): Promise<boolean> {
    const atBob = await received(bob, bobsAlice);
    const atAlice = await received(alice, alicesBob);
    assert.deepEqual(duplicates(atBob), [], `${what}: bob shows no text twice`);
    assert.deepEqual(duplicates(atAlice), [], `${what}: alice shows no text twice`);
    assert.deepEqual(atBob, fromAlice.slice(0, atBob.length), `${what}: bob's texts are alice's, in order`);
    assert.deepEqual(atAlice, fromBob.slice(0, atAlice.length), `${what}: alice's texts are bob's, in order`);
    const complete = atBob.length === fromAlice.length && atAlice.length === fromBob.length;
    if (!partial) assert.ok(complete, `${what}: bob has ${atBob.length} of ${fromAlice.length}, alice ${atAlice.length} of ${fromBob.length}`);
    return complete;
  }

  /** No move under way on either side: every queue in use, none new, retiring or being deleted (read in-process: quicker than `contact`). */
  async function settled(): Promise<boolean> {
    for (const [dir, contact] of [
      [alice, alicesBob],
      [bob, bobsAlice],
    ] as const) {
      const session = await openSession({ dir, passphrase: PASSPHRASE, create: false });
      try {
        const c = session.agent.findContact(contact);
        if (c.move !== null || [...c.queues, ...c.peerQueues].some((q) => q.state !== undefined)) return false;
      } finally {
        session.close();
      }
    }
    return true;
  }

  /** Syncs both (texts flowing) until no move is under way and every text arrived. */
  async function syncUntilSettled(what: string, rounds = 8): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      await syncBoth();
      if ((await settled()) && (await checkTexts(what, true))) return;
    }
    assert.fail(`${what}: not settled after ${rounds} sync rounds: ${JSON.stringify([contactOf(alice, alicesBob), contactOf(bob, bobsAlice)])}`);
  }

  /** Where each side receives, and sends to the other. */
  function assertOn(expected: { alice: string[]; bob: string[] }, what: string): void {
    const a = contactOf(alice, alicesBob);
    const b = contactOf(bob, bobsAlice);
    assert.deepEqual(relaysOf(a.queues as Queue[]), expected.alice, `${what}: alice receives on her relays`);
    assert.deepEqual(relaysOf(b.peerQueues as Queue[]), expected.alice, `${what}: bob sends to alice's relays`);
    assert.deepEqual(relaysOf(b.queues as Queue[]), expected.bob, `${what}: bob receives on his relays`);
    assert.deepEqual(relaysOf(a.peerQueues as Queue[]), expected.bob, `${what}: alice sends to bob's relays`);
  }

  const moveEvents = (list: readonly CliRun[]): Json[] => list.flatMap((r) => r.lines.filter((line) => line.event === 'move'));

  before(async () => {
    for (const name of ['A', 'B', 'C', 'D'] as const) relay[name] = await spawnRelay(join(root, name));
    const servers = [relay.A, relay.B].flatMap((r) => ['--server', r.address]);
    run(alice, 'init', '--name', 'Alice', ...servers);
    run(bob, 'init', '--name', 'Bob', ...servers);
    bobsAlice = run(bob, 'connect', run(alice, 'invite')[0]!.link as string)[0]!.contact as string;
    for (let round = 0; round < 6 && alicesBob === ''; round++) {
      await syncBoth();
      const [a] = run(alice, 'contacts');
      const [b] = run(bob, 'contacts');
      if (a?.status === 'connected' && b?.status === 'connected') alicesBob = a.contact as string;
    }
    assert.notEqual(alicesBob, '', 'alice and bob connected');
    const info = contactOf(alice, alicesBob);
    assert.equal(info.version, 4);
    assert.deepEqual(relaysOf(info.queues as Queue[]), addresses('A', 'B'), "alice's queues on A and B");
    assert.deepEqual(relaysOf(info.peerQueues as Queue[]), addresses('A', 'B'), "bob's queues on A and B");
    assert.equal(typeof info.rotateAt, 'number', 'a rotation is planned (default 7 days)');
  });

  after(() => {
    killSpawnedRelays();
    rmSync(root, { recursive: true, force: true });
  });

  it('relays add C, add D, remove A, remove B on both: both move while texts flow; A and B then die and nothing is lost', async (t: TestContext) => {
    const started = Date.now();
    await talk('b0');
    for (const dir of [alice, bob]) {
      run(dir, 'relays', 'add', relay.C.address);
      run(dir, 'relays', 'add', relay.D.address);
      run(dir, 'relays', 'remove', relay.A.address);
      const listed = run(dir, 'relays', 'remove', relay.B.address);
      // The new list, and A and B still holding the queues in use until the connection moves.
      assert.deepEqual(
        listed.filter((row) => row.listed === true).map((row) => row.relay),
        [relay.C.address, relay.D.address],
      );
      assert.deepEqual(listed.filter((row) => row.listed === false).map((row) => row.relay).sort(), addresses('A', 'B'));
      assert.ok(listed.filter((row) => 'relay' in row).every((row) => row.reachable === true));
      assert.deepEqual(listed.filter((row) => 'move' in row).map((row) => [row.move, row.contact]), [[dir === alice ? 'wanted' : 'wanted', dir === alice ? alicesBob : bobsAlice]]);
      await talk(`b-${dir === alice ? 'a' : 'b'}`);
    }
    for (let round = 1; round < 10 && !(await settled()); round++) {
      await talk(`b${round}`);
      await syncBoth();
    }
    await syncUntilSettled('after the move');
    assertOn({ alice: addresses('C', 'D'), bob: addresses('C', 'D') }, 'after the move');
    // The old queues are deleted on A and B: `relays` shows them no more, and no move under way.
    for (let round = 0; round < 4 && [alice, bob].some((dir) => run(dir, 'relays').some((row) => row.listed === false)); round++) await syncBoth();
    for (const dir of [alice, bob]) {
      assert.deepEqual(
        run(dir, 'relays').map((row) => [row.relay ?? row.move, row.listed, row.reachable, row.connections, row.leaving]),
        [
          [relay.C.address, true, true, 1, 0],
          [relay.D.address, true, true, 1, 0],
        ],
        'only C and D, each with the connection, nothing leaving, no move under way',
      );
    }
    const steps = moveEvents(runs).map((e) => e.step);
    for (const step of ['added', 'keyed', 'using', 'done', 'peer-added', 'peer-switched', 'deleted']) assert.ok(steps.includes(step), `sync printed move step ${step}`);
    assert.deepEqual(
      runs.flatMap((r) => r.lines.filter((line) => line.event === 'rejected')),
      [],
      'nothing rejected',
    );

    await Promise.all([killHard(relay.A), killHard(relay.B)]);
    await talk('after A and B died');
    await syncUntilSettled('A and B dead');
    await checkTexts('A and B dead');
    t.diagnostic(`took ${Date.now() - started} ms`);
  });

  /** A move started by `start`, with one side's sync killed right after it printed `step`; then synced to the end. */
  async function killedAt(t: TestContext, side: 'alice' | 'bob', step: string, start: () => void, expected: { alice: string[]; bob: string[] }): Promise<void> {
    const started = Date.now();
    await talk(`before ${step}`);
    start();
    await talk(`started ${step}`);
    const plan: KillPlan = { afterEvents: 1, event: 'move', step };
    let killed: CliRun | null = null;
    for (let round = 0; round < 5 && killed === null; round++) {
      const [a, b] = await syncBoth({ [side]: plan });
      const mine = side === 'alice' ? a : b;
      if (mine.killed) killed = mine;
      else assert.ok(!mine.lines.some((line) => line.event === 'move' && line.step === step), `${step} printed but not killed`);
      await checkTexts(`kill at ${step}, round ${round}`, true);
      if (killed === null) await talk(`during ${step} ${round}`);
    }
    assert.ok(killed !== null, `${side}'s sync was killed right after move step ${step}`);
    // The kill follows the event as soon as the test reads it (lines printed in the same moment may come with it).
    assert.ok(killed.lines.some((line) => line.event === 'move' && line.step === step));
    // The database opens after the kill, and the move goes on from where it stopped.
    await checkTexts(`right after the kill at ${step}`, true);
    await talk(`after kill at ${step}`);
    await syncUntilSettled(`after the kill at ${step}`);
    await checkTexts(`kill at ${step}`);
    assertOn(expected, `kill at ${step}`);
    t.diagnostic(`kill at ${side}'s ${step}: ${Date.now() - started} ms`);
  }

  it("kill -9 of alice's sync right after each step of her move, and of bob's after each of his; nothing lost or shown twice", async (t: TestContext) => {
    const cd = addresses('C', 'D');
    const onlyC = addresses('C');
    // The first move by changing alice's relays (she leaves D), the others by rotating on the same relays.
    await killedAt(t, 'alice', 'added', () => run(alice, 'relays', 'remove', relay.D.address), { alice: onlyC, bob: cd });
    const rotate = (): void => void run(alice, 'rotate', alicesBob);
    await killedAt(t, 'alice', 'keyed', rotate, { alice: onlyC, bob: cd });
    await killedAt(t, 'alice', 'using', rotate, { alice: onlyC, bob: cd });
    await killedAt(t, 'alice', 'done', rotate, { alice: onlyC, bob: cd });
    await killedAt(t, 'bob', 'peer-added', rotate, { alice: onlyC, bob: cd });
    await killedAt(t, 'bob', 'peer-switched', rotate, { alice: onlyC, bob: cd });
    for (const [dir, contact] of [
      [alice, alicesBob],
      [bob, bobsAlice],
    ] as const) {
      assert.deepEqual(run(dir, 'contacts').map((c) => [c.contact, c.status]), [[contact, 'connected']], 'the database opens, the contact connected');
    }
  });

  it("bob offline while alice's move starts: it waits at 'added', and completes once bob comes back", async (t: TestContext) => {
    const started = Date.now();
    await talk('offline 0');
    const listed = run(alice, 'relays', 'add', relay.D.address);
    assert.deepEqual(listed.filter((row) => row.listed === true).map((row) => row.relay), [relay.C.address, relay.D.address]);
    const alone: CliRun[] = [];
    for (let round = 0; round < 2; round++) {
      alone.push(await sync(alice));
      await talk(`offline ${round + 1}`);
    }
    assert.deepEqual(moveEvents(alone).map((e) => [e.step, [...(e.relays as string[])].sort()]), [['added', addresses('C', 'D')]], 'alice announced the new queues, and waits');
    const waiting = contactOf(alice, alicesBob);
    assert.equal((waiting.move as Json).step, 'added');
    assert.deepEqual(relaysOf((waiting.queues as Queue[]).filter((q) => q.state === 'new')), addresses('C', 'D'));
    assert.deepEqual(
      run(alice, 'relays').filter((row) => 'move' in row).map((row) => row.move),
      ['added'],
      '`relays` shows the move under way',
    );
    // Bob comes back (later).
    const back = await sync(bob);
    assert.ok(back.lines.some((line) => line.event === 'move' && line.step === 'peer-added'), 'bob sent his keys');
    await syncUntilSettled('bob back');
    await checkTexts('bob back');
    assertOn({ alice: addresses('C', 'D'), bob: addresses('C', 'D') }, 'bob back');
    assert.deepEqual(run(alice, 'relays').filter((row) => 'move' in row), [], 'no move under way');
    t.diagnostic(`took ${Date.now() - started} ms`);
  });

  it('rekey: the security code changes on both sides, equal between them, the contact unverified; messages flow', async () => {
    const before = run(alice, 'code', alicesBob)[0]!.code as string;
    assert.equal(run(bob, 'code', bobsAlice)[0]!.code, before);
    run(alice, 'verify', alicesBob, before);
    run(bob, 'verify', bobsAlice, before);
    assert.equal(contactOf(alice, alicesBob).verified, true);
    const rekeyed = run(alice, 'rekey', alicesBob);
    assert.deepEqual(rekeyed, [{ contact: alicesBob, rekey: 'offered' }]);
    await talk('rekey');
    const seen = { alice: false, bob: false };
    for (let round = 0; round < 5 && !(seen.alice && seen.bob); round++) {
      const [a, b] = await syncBoth();
      seen.alice ||= a.lines.some((line) => line.event === 'rekeyed' && line.by === 'this');
      seen.bob ||= b.lines.some((line) => line.event === 'rekeyed' && line.by === 'contact');
    }
    assert.deepEqual(seen, { alice: true, bob: true }, 'both syncs printed the rekey');
    const afterAlice = run(alice, 'code', alicesBob)[0]!.code as string;
    const afterBob = run(bob, 'code', bobsAlice)[0]!.code as string;
    assert.notEqual(afterAlice, before, 'the code changed');
    assert.equal(afterAlice, afterBob, 'and both sides see the same one');
    assert.equal(contactOf(alice, alicesBob).verified, false, 'alice: bob is unverified');
    assert.equal(contactOf(bob, bobsAlice).verified, false, 'bob: alice is unverified');
    for (const [dir, contact, by] of [
      [alice, alicesBob, 'You asked'],
      [bob, bobsAlice, 'The contact asked'],
    ] as const) {
      const notices = run(dir, 'history', contact).filter((item) => item.notice === true);
      assert.ok(notices.some((item) => (item.text as string).startsWith(`${by} for new keys`)), 'the history keeps the rekey notice');
    }
    await talk('after rekey');
    await syncUntilSettled('after rekey');
    await checkTexts('after rekey');
  });

  it('profile rotation 2s: the connection moves to new queues on schedule, on the same relays', async () => {
    assert.deepEqual(run(alice, 'profile', 'rotation'), [{ profile: run(alice, 'profile')[0]!.profile, rotation: '7d', rotationMs: 7 * 24 * 3600 * 1000 }]);
    const plannedBefore = contactOf(alice, alicesBob).rotateAt as number;
    assert.ok(plannedBefore > Date.now() + 5 * 24 * 3600 * 1000, 'the next rotation is days away');
    assert.equal(run(alice, 'profile', 'rotation', '2s')[0]!.rotationMs, 2000);
    const scheduled: CliRun[] = [];
    const both: CliRun[] = [];
    const deadline = Date.now() + 14_000;
    // A rotation that falls due during a sync is carried out in it: a sync ends once idle, well before its timeout.
    const short = ['sync', '--timeout', '10', '--idle', '0.3'];
    while (Date.now() < deadline && moveEvents(scheduled).filter((e) => e.step === 'done').length === 0) {
      const [a, b] = await Promise.all([cliProcess(alice, PASSPHRASE, short), cliProcess(bob, PASSPHRASE, short)]);
      for (const r of [a, b]) assert.equal(r.code, 0, r.stderr);
      scheduled.push(a);
      both.push(a, b);
    }
    const done = moveEvents(scheduled).filter((e) => e.step === 'done');
    const seen = both.map((r) => r.lines.filter((line) => line.event === 'move' || line.event === 'rejected'));
    assert.ok(done.length >= 1, `alice rotated on schedule, without "graphchat rotate": ${JSON.stringify(seen)} ${JSON.stringify(contactOf(alice, alicesBob))}`);
    assert.deepEqual([...(done[0]!.relays as string[])].sort(), addresses('C', 'D'), 'on the same relays');
    run(alice, 'profile', 'rotation', 'off');
    await syncUntilSettled('after scheduled rotation');
    const info = contactOf(alice, alicesBob);
    assert.equal(info.rotateAt, null, 'rotation off: none planned');
    assertOn({ alice: addresses('C', 'D'), bob: addresses('C', 'D') }, 'after scheduled rotation');
    await checkTexts('after scheduled rotation');
  });
});
