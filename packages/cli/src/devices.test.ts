// Several devices per person from the terminal client (issue 14,
// docs/protocol/devices.md), as processes over real relays: alice links a
// second device with `device link --history` while it joins with `device
// join`; the new device shows the earlier texts, receives while the first
// is off, and sends as alice; `device remove` cuts the first one off. Bob
// links a device for two profiles at once.
// Either device killed with SIGKILL at each step of the linking loses
// nothing: `graphchat sync` finishes it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { ContactInfo } from '@graphchat/client';
import { killSpawnedRelays, spawnRelay } from 'graphchat-server/test-support';
import { FAST_TEST_KDF, sessionOpener } from './runtime.js';
import { cliProcess, graphchat, type CliRun, type Json, type KillPlan } from './test-support/cli-process.js';

const PASSPHRASE = 'devices test passphrase';
const SYNC = ['sync', '--timeout', '10', '--idle', '0.3'];
const openSession = sessionOpener({ kdf: FAST_TEST_KDF });
const root = mkdtempSync(join(tmpdir(), 'graphchat-devices-'));
let servers: string[] = [];
/** Two pairs, connected side by side (quicker than one after the other): one for each part below. */
let pairs: Promise<[Pair, Pair]>;

before(async () => {
  const relays = [(await spawnRelay(join(root, 'r1'))).address, (await spawnRelay(join(root, 'r2'))).address];
  servers = relays.flatMap((relay) => ['--server', relay]);
  pairs = Promise.all([connectedPair(join(root, 'main')), connectedPair(join(root, 'kills'))]);
  await pairs;
});

after(() => {
  killSpawnedRelays();
  rmSync(root, { recursive: true, force: true });
});

const run = (dir: string, ...args: string[]): Json[] => graphchat(dir, PASSPHRASE, args);

async function sync(dir: string, plan?: KillPlan): Promise<CliRun> {
  const result = await cliProcess(dir, PASSPHRASE, SYNC, plan);
  assert.ok(result.killed || result.code === 0, `sync exited with ${result.code}: ${result.stderr}`);
  return result;
}

const syncAll = (dirs: readonly string[]): Promise<CliRun[]> => Promise.all(dirs.map((dir) => sync(dir)));

/** Syncs `dirs` together round after round until `done`. */
async function syncUntil(dirs: readonly string[], done: () => Promise<boolean>, what: string, rounds = 8): Promise<void> {
  for (let round = 0; round < rounds && !(await done()); round++) await syncAll(dirs);
  assert.ok(await done(), `${what}: not after ${rounds} sync rounds`);
}

/** What a device shows of a contact, read in-process (quicker than a process per command). */
async function shown(dir: string, contactId: string): Promise<{ profile: string; contact: ContactInfo | null; texts: string[] }> {
  const session = await openSession({ dir, passphrase: PASSPHRASE, create: false });
  try {
    const { agent } = session;
    const contact = agent.contacts().find((c) => c.id === contactId) ?? null;
    return {
      profile: agent.activeProfile().profile.displayName,
      contact,
      texts: contact === null ? [] : agent.history(contact.id).filter((h) => h.notice !== true).map((h) => `${h.direction}:${h.text}`),
    };
  } finally {
    session.close();
  }
}

/** The texts with a contact as `direction:text`, notices left out. */
const texts = async (dir: string, contact: string): Promise<string[]> => (await shown(dir, contact)).texts;

/** Connected, and this device's own pair with the contact made. */
const connectedHere = async (dir: string, contact: string): Promise<boolean> => {
  const c = (await shown(dir, contact)).contact;
  return c?.status === 'connected' && !c.connecting;
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
async function link(from: string, to: string, name: string, plans: { linker?: KillPlan; joiner?: KillPlan; linkerTimeout?: number; joinerTimeout?: number } = {}): Promise<Linking> {
  let gotLink: (link: string) => void = () => {};
  const linkPrinted = new Promise<string>((resolve) => (gotLink = resolve));
  const linker = cliProcess(from, PASSPHRASE, ['device', 'link', '--history', '--name', 'phone', '--timeout', String(plans.linkerTimeout ?? 30)], plans.linker, (line) => {
    if (typeof line.link === 'string') gotLink(line.link);
  });
  const first = await Promise.race([linkPrinted, linker.then(() => null)]);
  assert.notEqual(first, null, 'device link printed a link');
  const joining = cliProcess(to, PASSPHRASE, ['device', 'join', first!, '--name', name, '--timeout', String(plans.joinerTimeout ?? 20)], plans.joiner);
  return { linker: await linker, joiner: await joining };
}

interface Pair {
  readonly alice: string;
  readonly bob: string;
  /** Bob as alice's contact (on every one of her devices), and alice as bob's. */
  readonly alicesBob: string;
  readonly bobsAlice: string;
}

/** Alice and Bob in `dir`, connected, with a text each way. */
async function connectedPair(dir: string): Promise<Pair> {
  const alice = join(dir, 'alice');
  const bob = join(dir, 'bob');
  run(alice, 'init', '--name', 'Alice', ...servers);
  run(bob, 'init', '--name', 'Bob', ...servers);
  const bobsAlice = run(bob, 'connect', run(alice, 'invite')[0]!.link as string)[0]!.contact as string;
  await syncUntil([alice, bob], async () => (await connectedHere(bob, bobsAlice)) && run(alice, 'contacts')[0]?.status === 'connected', 'alice and bob connect');
  const alicesBob = run(alice, 'contacts')[0]!.contact as string;
  run(alice, 'send', alicesBob, 'hello bob');
  run(bob, 'send', bobsAlice, 'hello alice');
  await syncUntil([alice, bob], async () => (await texts(alice, alicesBob)).includes('received:hello alice') && (await texts(bob, bobsAlice)).includes('received:hello bob'), 'first texts');
  return { alice, bob, alicesBob, bobsAlice };
}

describe('several devices from the terminal client', () => {
  let alice = '';
  let bob = '';
  let alicesBob = '';
  let bobsAlice = '';
  const laptop = join(root, 'alice-laptop');

  before(async () => {
    ({ alice, bob, alicesBob, bobsAlice } = (await pairs)[0]);
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
    assert.deepEqual(joined, { device: linked[0]!.device, profile: joined.profile, linked: true, code: linked[0]!.code }, 'the same security code on both devices');
    assert.deepEqual(joiner.lines[0], { device: joined.device, profile: joined.profile, linked: false }, 'said at once, before the wait');
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
    assert.deepEqual(run(laptop, 'history', alicesBob).map((h) => `${h.direction as string}:${h.text as string}`), await texts(alice, alicesBob), 'history shows the phone\'s texts, in its order');
    assert.deepEqual((await texts(laptop, alicesBob)).sort(), ['received:hello alice', 'sent:hello bob']);
    assert.equal(run(bob, 'contacts').length, 1, 'bob sees one alice');

    // Bob writes while the phone is off: the laptop gets it.
    run(bob, 'send', bobsAlice, 'phone is off');
    await syncUntil([bob, laptop], async () => (await texts(laptop, alicesBob)).includes('received:phone is off'), 'the laptop receives');
    // The laptop writes: bob gets it, and the phone shows it as sent.
    run(laptop, 'send', alicesBob, 'from the laptop');
    await syncUntil(
      [bob, laptop, alice],
      async () => (await texts(bob, bobsAlice)).includes('received:from the laptop') && run(alice, 'history', alicesBob).some((h) => h.direction === 'sent' && h.text === 'from the laptop'),
      'the laptop sends',
    );
    assert.ok((await texts(alice, alicesBob)).includes('received:phone is off'), 'the phone catches up on sync');

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
    await syncUntil([bob, laptop, alice], async () => (await texts(laptop, alicesBob)).includes('received:after the removal'), 'the laptop receives after the removal');
    assert.ok(!(await texts(alice, alicesBob)).includes('received:after the removal'), 'the removed phone gets nothing new');
    t.diagnostic(`took ${Date.now() - started} ms`);
  });

  it('device link --profile A --profile B: one link each; device join takes both; the new device has both profiles', async () => {
    run(bob, 'profile', 'new', '--name', 'Bob at work');
    const links: string[] = [];
    let gotBoth: () => void = () => {};
    const both = new Promise<void>((resolve) => (gotBoth = resolve));
    const linking = cliProcess(bob, PASSPHRASE, ['device', 'link', '--profile', 'Bob', '--profile', 'Bob at work', '--name', 'desktop', '--timeout', '30'], undefined, (line) => {
      if (typeof line.link === 'string' && links.push(line.link) === 2) gotBoth();
    });
    await Promise.race([both, linking]);
    assert.equal(links.length, 2, 'one link per profile');
    const bobLaptop = join(root, 'bob-laptop');
    const joiner = await cliProcess(bobLaptop, PASSPHRASE, ['device', 'join', ...links, '--name', 'bob laptop', '--timeout', '20']);
    const linker = await linking;
    assert.equal(joiner.code, 0, joiner.stderr);
    assert.equal(linker.code, 0, linker.stderr);
    assert.deepEqual(linker.lines.filter((line) => 'linked' in line).map((line) => (line.linked as Json).name), ['bob laptop'], 'one device, linked for both');
    const done = joiner.lines.filter((line) => line.linked === true);
    assert.equal(done.length, 2);
    assert.deepEqual(run(bobLaptop, 'profiles').map((p) => p.name).sort(), ['Bob', 'Bob at work']);
    assert.deepEqual(new Set(run(bobLaptop, 'profiles').map((p) => p.profile)), new Set(done.map((line) => line.profile)));
  });
});

describe('device linking killed with SIGKILL at each step loses nothing', () => {
  let pair: Pair;
  /** The devices linked so far, each with its own texts to bob. */
  const linked: string[] = [];

  before(async () => {
    pair = (await pairs)[1];
  });

  /** Syncs alice, bob and the new device until it has the profile, bob connected (not connecting) and the phone's whole history. */
  async function finished(device: string, what: string): Promise<void> {
    const complete = async (): Promise<boolean> => {
      const [mine, phone] = [await shown(device, pair.alicesBob), await shown(pair.alice, pair.alicesBob)];
      return mine.profile === 'Alice' && mine.contact?.status === 'connected' && !mine.contact.connecting && JSON.stringify(mine.texts) === JSON.stringify(phone.texts);
    };
    for (let round = 0; round < 8 && !(await complete()); round++) await syncAll([pair.alice, pair.bob, device]);
    assert.ok(await complete(), `${what}: ${JSON.stringify(await shown(device, pair.alicesBob))}`);
    linked.push(device);
  }

  /** Links a new device with one side killed at `plans`, then finishes with `sync`. */
  async function killedAt(t: TestContext, what: string, name: string, plans: Parameters<typeof link>[3]): Promise<void> {
    const started = Date.now();
    const device = join(root, 'kills', name);
    const { linker, joiner } = await link(pair.alice, device, name, plans);
    assert.ok(linker.killed || joiner.killed, `${what}: the kill point was reached`);
    await finished(device, what);
    t.diagnostic(`${what}: ${Date.now() - started} ms`);
  }

  it('the linking device killed once it printed the link, before anyone joined', (t) =>
    killedAt(t, 'link printed', 'd1', { linker: { afterField: 'link' }, joinerTimeout: 1 }));

  it("the new device killed once the join's confirmation went out (it printed that it joined)", (t) =>
    killedAt(t, 'confirmation sent', 'd2', { joiner: { afterField: 'linked' }, linkerTimeout: 2 }));

  it('the linking device killed once it accepted the confirmation (the channel is up)', (t) =>
    killedAt(t, 'confirmation accepted', 'd3', { linker: { afterEvents: 1, event: 'device-linked' }, joinerTimeout: 2 }));

  it('the new device killed in the middle of the share: after the contact arrived', (t) =>
    killedAt(t, 'contact shared', 'd4', { joiner: { afterEvents: 1, event: 'device-contact' }, linkerTimeout: 5 }));

  it('the new device killed in the middle of the share: after the first text of the history', (t) =>
    killedAt(t, 'history shared', 'd5', { joiner: { afterEvents: 1, event: 'message' }, linkerTimeout: 5 }));

  it("the new device killed in the middle of the contact's introduction: once bob accepted it", async (t) => {
    const started = Date.now();
    const device = join(root, 'kills', 'd6');
    const { linker, joiner } = await link(pair.alice, device, 'd6');
    assert.equal(linker.code, 0, linker.stderr);
    assert.equal(joiner.code, 0, joiner.stderr);
    let killed = false;
    for (let round = 0; round < 6 && !killed; round++) {
      const [, , mine] = await Promise.all([sync(pair.alice), sync(pair.bob), sync(device, { afterEvents: 1, event: 'accepted' })]);
      killed = mine.killed;
    }
    assert.ok(killed, 'the new device printed "accepted" from bob');
    await finished(device, 'introduction accepted');
    t.diagnostic(`introduction accepted: ${Date.now() - started} ms`);
  });

  it("the linking device killed again and again while it introduces the new device to bob", async (t) => {
    const started = Date.now();
    const device = join(root, 'kills', 'd7');
    const { linker, joiner } = await link(pair.alice, device, 'd7', { linkerTimeout: 3 });
    assert.equal(joiner.code, 0, joiner.stderr);
    void linker;
    // The phone passes the new device's invitation on to bob (device-invite, then device-add): its syncs are killed
    // as soon as they have something to say, round after round, while bob and the new device run.
    let kills = 0;
    for (let round = 0; round < 3; round++) {
      const [phone] = await Promise.all([sync(pair.alice, { afterEvents: 1, event: 'relay-up' }), sync(pair.bob), sync(device)]);
      if (phone.killed) kills++;
    }
    assert.ok(kills > 0, 'the phone was killed');
    await finished(device, 'introducer killed');
    t.diagnostic(`introducer killed ${kills} times: ${Date.now() - started} ms`);
  });

  // Every two of alice's devices have a channel by now (devices.md §4, three devices and more): each shows what
  // every device sent.
  it("afterwards texts flow from every one of alice's devices to bob and back, each once, in bob's order", async () => {
    const devices = [pair.alice, ...linked];
    for (const [i, dir] of devices.entries()) run(dir, 'send', pair.alicesBob, `from device ${i}`);
    run(pair.bob, 'send', pair.bobsAlice, 'to every device');
    // Bob's view turned around: what alice's devices show.
    const turned = (list: readonly string[]): string[] => list.map((text) => (text.startsWith('received:') ? text.replace(/^received:/, 'sent:') : text.replace(/^sent:/, 'received:')));
    const everyDevice = devices.map((_, i) => `sent:from device ${i}`);
    const expected = (): string[] => [...everyDevice, 'received:to every device', 'received:hello alice', 'sent:hello bob'];
    const phoneExpects = everyDevice;
    const done = async (): Promise<boolean> => {
      const atBob = turned(await texts(pair.bob, pair.bobsAlice));
      if (!phoneExpects.every((text) => atBob.includes(text))) return false;
      const atPhone = await texts(pair.alice, pair.alicesBob);
      if (!phoneExpects.every((text) => atPhone.includes(text))) return false;
      for (const dir of devices) {
        const have = await texts(dir, pair.alicesBob);
        if (!expected().every((text) => have.includes(text))) return false;
      }
      return atPhone.length === atBob.length;
    };
    for (let round = 0; round < 8 && !(await done()); round++) await syncAll([pair.bob, ...devices]);
    const order = turned(await texts(pair.bob, pair.bobsAlice));
    if (!(await done())) {
      const missing: string[][] = [];
      for (const [i, dir] of devices.entries()) {
        const have = await texts(dir, pair.alicesBob);
        missing.push((i === 0 ? order : expected()).filter((text) => !have.includes(text)));
      }
      assert.fail(`texts missing on alice's devices: ${JSON.stringify(missing)}`);
    }
    assert.equal(new Set(order).size, order.length, 'bob shows no text twice');
    assert.deepEqual(await texts(pair.alice, pair.alicesBob), order, "the phone shows every device's texts in bob's order");
    for (const dir of linked) assert.deepEqual(await texts(dir, pair.alicesBob), order, `${dir}: every text once, in bob's order`);
  });
});
