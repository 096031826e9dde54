// Several devices per person from the terminal client (issue 14,
// docs/protocol/devices.md), as processes over real relays: alice links a
// second device with `device link --history` while it joins with `device
// join`; the new device shows the earlier texts, receives while the first
// is off, and sends as alice; `device remove` cuts the first one off.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { killSpawnedRelays, spawnRelay } from 'graphchat-server/test-support';
import { cliProcess, graphchat, type CliRun, type Json, type KillPlan } from './test-support/cli-process.js';

const PASSPHRASE = 'devices test passphrase';
const SYNC = ['sync', '--timeout', '10', '--idle', '0.3'];

const run = (dir: string, ...args: string[]): Json[] => graphchat(dir, PASSPHRASE, args);

async function sync(dir: string, plan?: KillPlan): Promise<CliRun> {
  const result = await cliProcess(dir, PASSPHRASE, SYNC, plan);
  assert.ok(result.killed || result.code === 0, `sync exited with ${result.code}: ${result.stderr}`);
  return result;
}

const syncAll = (dirs: readonly string[]): Promise<CliRun[]> => Promise.all(dirs.map((dir) => sync(dir)));

/** Syncs `dirs` together round after round until `done`. */
async function syncUntil(dirs: readonly string[], done: () => boolean, what: string, rounds = 8): Promise<void> {
  for (let round = 0; round < rounds && !done(); round++) await syncAll(dirs);
  assert.ok(done(), `${what}: not after ${rounds} sync rounds`);
}

/** The texts with a contact as `direction:text`, notices left out. */
const texts = (dir: string, contact: string): string[] =>
  run(dir, 'history', contact)
    .filter((item) => item.notice !== true)
    .map((item) => `${item.direction as string}:${item.text as string}`);

const contactOf = (dir: string, contact: string): Json | undefined => run(dir, 'contacts').find((c) => c.contact === contact);
const connectedHere = (dir: string, contact: string): boolean => {
  const c = contactOf(dir, contact);
  return c?.status === 'connected' && c.connecting !== true;
};

interface Linking {
  /** The `device link` process (exit, lines). */
  readonly linker: CliRun;
  /** The `device join` process. */
  readonly joiner: CliRun;
}

/**
 * `device link ARGS` on `from` and, once it printed the link, `device join
 * LINK --name NAME` on `to`, each killed at its plan if given.
 */
async function link(from: string, to: string, name: string, plans: { linker?: KillPlan; joiner?: KillPlan; linkArgs?: string[] } = {}): Promise<Linking> {
  let joining: Promise<CliRun> | null = null;
  let gotLink: (link: string) => void = () => {};
  const linkPrinted = new Promise<string>((resolve) => (gotLink = resolve));
  const linker = cliProcess(from, PASSPHRASE, ['device', 'link', '--history', '--name', 'phone', '--timeout', '30', ...(plans.linkArgs ?? [])], plans.linker, (line) => {
    if (typeof line.link === 'string') gotLink(line.link);
  });
  const first = await Promise.race([linkPrinted, linker.then(() => null)]);
  assert.notEqual(first, null, 'device link printed a link');
  joining = cliProcess(to, PASSPHRASE, ['device', 'join', first!, '--name', name, '--timeout', '20'], plans.joiner);
  return { linker: await linker, joiner: await joining };
}

describe('several devices from the terminal client', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphchat-devices-'));
  const alice = join(root, 'alice');
  const laptop = join(root, 'alice-laptop');
  const bob = join(root, 'bob');
  let alicesBob = '';
  let bobsAlice = '';

  before(async () => {
    const relays = [(await spawnRelay(join(root, 'r1'))).address, (await spawnRelay(join(root, 'r2'))).address];
    const servers = relays.flatMap((relay) => ['--server', relay]);
    run(alice, 'init', '--name', 'Alice', ...servers);
    run(bob, 'init', '--name', 'Bob', ...servers);
    bobsAlice = run(bob, 'connect', run(alice, 'invite')[0]!.link as string)[0]!.contact as string;
    await syncUntil([alice, bob], () => connectedHere(bob, bobsAlice) && run(alice, 'contacts')[0]?.status === 'connected', 'alice and bob connect');
    alicesBob = run(alice, 'contacts')[0]!.contact as string;
    run(alice, 'send', alicesBob, 'hello bob');
    run(bob, 'send', bobsAlice, 'hello alice');
    await syncUntil([alice, bob], () => texts(alice, alicesBob).includes('received:hello alice') && texts(bob, bobsAlice).includes('received:hello bob'), 'first texts');
  });

  after(() => {
    killSpawnedRelays();
    rmSync(root, { recursive: true, force: true });
  });

  it('device link --history and device join: the laptop gets the profile, the contact and the history; it receives, sends, and removes the phone', async (t: TestContext) => {
    const started = Date.now();
    const { linker, joiner } = await link(alice, laptop, 'laptop');
    assert.equal(linker.code, 0, `device link: ${linker.stderr}`);
    assert.equal(joiner.code, 0, `device join: ${joiner.stderr}`);
    const made = linker.lines[0]!;
    assert.deepEqual(Object.keys(made).sort(), ['expires', 'link', 'profile']);
    assert.match(made.link as string, /^graphchat:\/device#/);
    const linked = linker.lines.filter((line) => 'linked' in line).map((line) => line.linked as Json);
    assert.equal(linked.length, 1);
    assert.equal(linked[0]!.name, 'laptop');
    const joined = joiner.lines.at(-1)!;
    assert.deepEqual(joined, { device: linked[0]!.device, profile: joined.profile, linked: true });
    assert.ok(joiner.lines.some((line) => line.event === 'device-linked' && line.name === 'phone'));
    assert.ok(joiner.lines.some((line) => line.event === 'device-profile' && line.name === 'Alice'));

    // Both devices show the same code for their channel, and list each other.
    const phoneId = run(alice, 'devices').find((d) => d.this === true)!.device as string;
    assert.equal(run(laptop, 'device', 'code', 'phone')[0]!.code, linked[0]!.code);
    assert.deepEqual(run(laptop, 'devices').map((d) => [d.name, d.this === true, d.removed]), [['laptop', true, false], ['phone', false, false]]);
    assert.deepEqual(run(alice, 'devices').map((d) => [d.name, d.this === true, d.removed]), [['phone', true, false], ['laptop', false, false]]);
    assert.deepEqual(run(laptop, 'profiles').map((p) => [p.profile, p.name, p.active]), [[joined.profile, 'Alice', true]]);

    // The history arrived, and the contact connects to the laptop once bob syncs.
    await syncUntil([alice, bob, laptop], () => connectedHere(laptop, alicesBob), 'bob connected to the laptop');
    assert.deepEqual(texts(laptop, alicesBob), texts(alice, alicesBob));
    assert.deepEqual(texts(laptop, alicesBob), ['sent:hello bob', 'received:hello alice']);
    assert.equal(run(bob, 'contacts').length, 1, 'bob sees one alice');

    // Bob writes while the phone is off: the laptop gets it.
    run(bob, 'send', bobsAlice, 'phone is off');
    await syncUntil([bob, laptop], () => texts(laptop, alicesBob).includes('received:phone is off'), 'the laptop receives');
    // The laptop writes: bob gets it, and the phone shows it as sent.
    run(laptop, 'send', alicesBob, 'from the laptop');
    await syncUntil([bob, laptop, alice], () => texts(bob, bobsAlice).includes('received:from the laptop') && texts(alice, alicesBob).includes('sent:from the laptop'), 'the laptop sends');
    assert.ok(texts(alice, alicesBob).includes('received:phone is off'), 'the phone catches up on sync');

    // The laptop removes the phone: its next sync says so, and bob's texts after that reach only the laptop.
    const removed = run(laptop, 'device', 'remove', 'phone')[0]!;
    assert.deepEqual([removed.device, removed.removed], [phoneId, true]);
    let told = false;
    for (let round = 0; round < 6 && !told; round++) {
      const [, , phone] = await syncAll([laptop, bob, alice]);
      told = phone!.lines.some((line) => line.event === 'device-removed' && line.self === true);
    }
    assert.ok(told, "the phone's sync reports its removal");
    run(bob, 'send', bobsAlice, 'after the removal');
    await syncUntil([bob, laptop, alice], () => texts(laptop, alicesBob).includes('received:after the removal'), 'the laptop receives after the removal');
    assert.ok(!texts(alice, alicesBob).includes('received:after the removal'), 'the removed phone gets nothing new');
    t.diagnostic(`took ${Date.now() - started} ms`);
  });
});
