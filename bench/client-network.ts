/**
 * Client benchmark, part 2: two agents talking through a real relay on
 * loopback, each with its own encrypted SQLite store (the terminal client's).
 *
 *   node bench/dist/client-network.js [--setups N] [--messages N] [--body-size B]
 *                                     [--queues-per-relay Q] [--json]
 *
 * - set-up: from createInvitation() on A to both A and B reporting the
 *   contact connected, with both agents running (subscribed). This covers
 *   queue creation on the relay, the hybrid key agreement, the confirmation,
 *   the reply, both KEYs and the hello: the whole handshake of graph-chat §7.
 *   Repeated --setups (10) times; median and worst are printed.
 * - throughput: A queues --messages (2,000) text messages at once; timed until
 *   B has stored every one ("received") and until A has stored B's signed
 *   receipt for every one ("delivered"). Every message and receipt is
 *   ratchet-encrypted, signed, stored in both databases, sent through the
 *   relay and acknowledged.
 *
 * - devices (docs/protocol/devices.md): A links a second device A2 (in this
 *   process, its own store), which is introduced to B; then A writes
 *   --device-messages (50) texts one at a time, each timed until B has
 *   stored it and until A2 shows it as sent by me (A's device-message copy
 *   through the relay); median and worst of both are printed.
 *
 * Three processes, as in real use: the relay, A (this process, with A2 in
 * the devices phase) and B (a child process running this script with
 * --peer), on this machine's two cores. Store key derivation uses a cheap Argon2id setting, since it
 * happens once per database open, not per message.
 * Targets on this machine (issue 3): set-up < 150 ms; >= 1,000 messages/s.
 *
 * --queues-per-relay (1, the default) is the profiles' setting: with 2, each
 * direction has two queues on the relay and messages alternate between
 * them, so two are in flight at once (graph-chat §8.1).
 *
 * Profile A with `node --cpu-prof bench/dist/client-network.js`, the relay by
 * setting RELAY_CPU_PROF=DIR (its profile is written there when it stops).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, type AgentEvent, type WebSocketLike } from '@graphchat/client';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { openSqliteStore } from '@graphchat/cli';
import { WebSocket } from 'ws';
import { fmt, parseBenchOptions, positive, progress, runMain, saveResults, table } from './support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RELAY_BIN = join(ROOT, 'packages', 'server', 'dist', 'bin.js');
const FAST_KDF = { iterations: 1, memoryKiB: 8 };

/**
 * A's and B's sockets come from addresses of their own, as two users' do:
 * the relay runs one block at a time per client address (EMP §5.3).
 */
const webSocketFrom =
  (localAddress: string) =>
  (url: string): WebSocketLike =>
    new WebSocket(url, { localAddress }) as unknown as WebSocketLike;

function startRelay(dataDir: string): Promise<{ address: string; stop: () => void }> {
  const profile = process.env.RELAY_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.RELAY_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, RELAY_BIN, '--port', '0', '--bind', '127.0.0.1', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'error'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolvePromise, reject) => {
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (address) => resolvePromise({ address, stop: () => child.kill(profile.length > 0 ? 'SIGINT' : 'SIGKILL') }));
  });
}

interface Peer {
  readonly agent: Agent;
  /** Resolves when `predicate` matches an event from now on. */
  waitFor(predicate: (event: AgentEvent) => boolean): Promise<void>;
}

const LOCAL_ADDRESSES: Readonly<Record<string, string>> = { alice: '127.0.0.2', bob: '127.0.0.3', 'alice-2': '127.0.0.4' };

/** A peer with its own store; `relay` null: no profile (a device to be linked). */
function makePeer(dir: string, name: string, relay: string | null, queuesPerRelay: number): Peer {
  const store = openSqliteStore(join(dir, `${name}.db`), 'benchmark passphrase', { create: true, kdf: FAST_KDF });
  const agent = new Agent({ store, crypto: sodiumCrypto, webSocket: webSocketFrom(LOCAL_ADDRESSES[name]!) });
  if (relay !== null) agent.createProfile({ displayName: name, relays: [relay], queuesPerRelay });
  let waiters: { predicate: (event: AgentEvent) => boolean; resolve: () => void }[] = [];
  agent.onEvent = (event) => {
    waiters = waiters.filter((waiter) => {
      if (!waiter.predicate(event)) return true;
      waiter.resolve();
      return false;
    });
  };
  return {
    agent,
    waitFor: (predicate) => new Promise((resolvePromise) => waiters.push({ predicate, resolve: resolvePromise })),
  };
}

/** What A asks of B, and what B answers (over the child process's IPC channel). */
type ToPeer = { readonly join: string } | { readonly expect: number; readonly contact: string } | { readonly report: true };
type FromPeer =
  | { readonly ready: true }
  | { readonly joined: string }
  | { readonly connected: true }
  | { readonly received: number; readonly stored: number }
  /** With `report`: each text as it arrives, and when (ms since the epoch, sub-millisecond). */
  | { readonly text: string; readonly at: number };

/** A clock both processes share to the microsecond: the epoch time of performance.now(). */
const epochNow = (): number => performance.timeOrigin + performance.now();

/** B: joins the invitations A sends, and reports when the expected messages have all arrived. */
async function runPeer(dir: string, relay: string, queuesPerRelay: number): Promise<void> {
  const b = makePeer(dir, 'bob', relay, queuesPerRelay);
  await b.agent.start();
  const send = (message: FromPeer) => process.send!(message);
  let expected = 0;
  let contact = '';
  let received = 0;
  let report = false;
  b.agent.onEvent = (event) => {
    if (event.event === 'connected') send({ connected: true });
    if (event.event === 'message' && report) send({ text: event.text, at: epochNow() });
    else if (event.event === 'message' && ++received === expected) send({ received, stored: b.agent.history(contact).length });
  };
  process.on('message', (message: ToPeer) => {
    if ('join' in message) void b.agent.connect(message.join).then(({ contactId }) => send({ joined: contactId }));
    else if ('report' in message) report = true;
    else ({ expect: expected, contact } = message);
  });
  send({ ready: true });
  // Runs until A disconnects.
  await new Promise((resolvePromise) => process.once('disconnect', resolvePromise));
  await b.agent.stop();
}

function nextFrom(child: ChildProcess, predicate: (message: FromPeer) => boolean): Promise<FromPeer> {
  return new Promise((resolvePromise) => {
    const listener = (message: FromPeer) => {
      if (!predicate(message)) return;
      child.off('message', listener);
      resolvePromise(message);
    };
    child.on('message', listener);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Links a second device A2 to A, waits until A2's own pair with B is
 * connected, then times texts A writes one at a time: to B's store, and to
 * A2 showing it as sent (devices.md §7).
 */
async function measureDevices(dir: string, a: Peer, b: ChildProcess, contact: string, count: number): Promise<{ linkMs: number; toContact: { medianMs: number; worstMs: number }; toOtherDevice: { medianMs: number; worstMs: number } }> {
  const a2 = makePeer(dir, 'alice-2', null, 1);
  const linkStarted = performance.now();
  const { link } = await a.agent.linkDevice({ name: 'first' });
  await a2.agent.joinDevice(link, { name: 'second' });
  await a2.agent.start();
  while (!a2.agent.contacts().some((c) => c.id === contact && c.status === 'connected' && !c.connecting)) await new Promise((resolvePromise) => setTimeout(resolvePromise, 20));
  const linkMs = performance.now() - linkStarted;
  b.send({ report: true } satisfies ToPeer);
  const toContact: number[] = [];
  const toOtherDevice: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const text = `device bench ${i}`;
      const atB = nextFrom(b, (m) => 'text' in m && m.text === text);
      const atA2 = new Promise<number>((resolvePromise) => void a2.waitFor((e) => e.event === 'device-sent' && e.text === text).then(() => resolvePromise(epochNow())));
      const started = epochNow();
      a.agent.send(contact, text);
      const [bAt, a2At] = await Promise.all([atB.then((m) => (m as { at: number }).at), atA2]);
      toContact.push(bAt - started);
      toOtherDevice.push(a2At - started);
    }
  } finally {
    await a2.agent.stop();
  }
  return {
    linkMs,
    toContact: { medianMs: median(toContact), worstMs: Math.max(...toContact) },
    toOtherDevice: { medianMs: median(toOtherDevice), worstMs: Math.max(...toOtherDevice) },
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--peer') return runPeer(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  const values = parseBenchOptions(
    {
      setups: { type: 'string', default: '10' },
      'queues-per-relay': { type: 'string', default: '1' },
      messages: { type: 'string', default: '2000' },
      'device-messages': { type: 'string', default: '50' },
      'body-size': { type: 'string', default: '256' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    import.meta.url,
  );
  const setups = positive('--setups', values.setups);
  const queuesPerRelay = positive('--queues-per-relay', values['queues-per-relay']);
  const messages = positive('--messages', values.messages);
  const deviceMessages = positive('--device-messages', values['device-messages']);
  const body = 'x'.repeat(positive('--body-size', values['body-size']));

  const dir = mkdtempSync(join(tmpdir(), 'graphchat-bench-'));
  const relay = await startRelay(join(dir, 'relay'));
  const a = makePeer(dir, 'alice', relay.address, queuesPerRelay);
  const b = fork(fileURLToPath(import.meta.url), ['--peer', dir, relay.address, String(queuesPerRelay)]);
  try {
    await Promise.all([a.agent.start(), nextFrom(b, (m) => 'ready' in m)]);

    progress(`set-up: ${setups} connections`);
    const setupMs: number[] = [];
    let contact = { a: '', b: '' };
    for (let i = 0; i < setups; i++) {
      const started = performance.now();
      const connected = Promise.all([a.waitFor((e) => e.event === 'connected'), nextFrom(b, (m) => 'connected' in m)]);
      const { link, contactId } = await a.agent.createInvitation();
      const joined = nextFrom(b, (m) => 'joined' in m);
      b.send({ join: link } satisfies ToPeer);
      const bSide = ((await joined) as { joined: string }).joined;
      await connected;
      setupMs.push(performance.now() - started);
      contact = { a: contactId, b: bSide };
    }

    progress(`throughput: ${messages} messages of ${body.length} bytes`);
    let delivered = 0;
    b.send({ expect: messages, contact: contact.b } satisfies ToPeer);
    const allReceived = nextFrom(b, (m) => 'received' in m);
    const allDelivered = a.waitFor((e) => e.event === 'receipt' && ++delivered === messages);
    const started = performance.now();
    for (let i = 0; i < messages; i++) a.agent.send(contact.a, body);
    const report = (await allReceived) as { stored: number };
    const receivedMs = performance.now() - started;
    await allDelivered;
    const deliveredMs = performance.now() - started;
    if (report.stored !== messages) throw new Error(`bob stored ${report.stored} messages, expected ${messages}`);

    progress(`devices: a second device, then ${deviceMessages} texts one at a time`);
    const devices = await measureDevices(dir, a, b, contact.a, deviceMessages);

    const results = {
      date: new Date().toISOString(),
      setup: { count: setups, medianMs: median(setupMs), worstMs: Math.max(...setupMs) },
      throughput: {
        queuesPerRelay,
        messages,
        bodyBytes: body.length,
        receivedPerSecond: messages / (receivedMs / 1000),
        deliveredPerSecond: messages / (deliveredMs / 1000),
      },
      devices,
    };
    process.stdout.write(
      '\n' +
        table([
          ['measure', 'result', 'target'],
          ['set-up, invitation to connected (median)', `${fmt(results.setup.medianMs, 1)} ms`, '< 150 ms'],
          ['set-up, worst of ' + setups, `${fmt(results.setup.worstMs, 1)} ms`, ''],
          [`messages/s, sent to stored by B (${queuesPerRelay} queue${queuesPerRelay > 1 ? 's' : ''} per relay)`, fmt(results.throughput.receivedPerSecond), '>= 1,000'],
          ['messages/s, sent to receipt stored by A', fmt(results.throughput.deliveredPerSecond), ''],
          ['second device: link to introduced to B', `${fmt(devices.linkMs, 0)} ms`, ''],
          [`a text from A to B, A2 linked (median / worst of ${deviceMessages})`, `${fmt(devices.toContact.medianMs, 1)} / ${fmt(devices.toContact.worstMs, 1)} ms`, ''],
          [`the same text from A to A2, shown as sent (median / worst)`, `${fmt(devices.toOtherDevice.medianMs, 1)} / ${fmt(devices.toOtherDevice.worstMs, 1)} ms`, ''],
        ]) +
        '\n',
    );
    saveResults(ROOT, 'client-network', results, values.json);
  } finally {
    const exited = new Promise((resolvePromise) => b.once('exit', resolvePromise));
    b.disconnect();
    await Promise.all([a.agent.stop(), exited]);
    relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runMain(main);
