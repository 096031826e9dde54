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
 * Three processes, as in real use: the relay, A (this process) and B (a
 * child process running this script with --peer), on this machine's two
 * cores. Store key derivation uses a cheap Argon2id setting, since it
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

function makePeer(dir: string, name: string, relay: string, queuesPerRelay: number): Peer {
  const store = openSqliteStore(join(dir, `${name}.db`), 'benchmark passphrase', { create: true, kdf: FAST_KDF });
  const agent = new Agent({ store, crypto: sodiumCrypto, webSocket: webSocketFrom(name === 'alice' ? '127.0.0.2' : '127.0.0.3') });
  agent.createProfile({ displayName: name, relays: [relay], queuesPerRelay });
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
type ToPeer = { readonly join: string } | { readonly expect: number; readonly contact: string };
type FromPeer = { readonly ready: true } | { readonly joined: string } | { readonly connected: true } | { readonly received: number; readonly stored: number };

/** B: joins the invitations A sends, and reports when the expected messages have all arrived. */
async function runPeer(dir: string, relay: string, queuesPerRelay: number): Promise<void> {
  const b = makePeer(dir, 'bob', relay, queuesPerRelay);
  await b.agent.start();
  const send = (message: FromPeer) => process.send!(message);
  let expected = 0;
  let contact = '';
  let received = 0;
  b.agent.onEvent = (event) => {
    if (event.event === 'connected') send({ connected: true });
    if (event.event === 'message' && ++received === expected) send({ received, stored: b.agent.history(contact).length });
  };
  process.on('message', (message: ToPeer) => {
    if ('join' in message) void b.agent.connect(message.join).then(({ contactId }) => send({ joined: contactId }));
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

async function main(): Promise<void> {
  if (process.argv[2] === '--peer') return runPeer(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  const values = parseBenchOptions(
    {
      setups: { type: 'string', default: '10' },
      'queues-per-relay': { type: 'string', default: '1' },
      messages: { type: 'string', default: '2000' },
      'body-size': { type: 'string', default: '256' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    import.meta.url,
  );
  const setups = positive('--setups', values.setups);
  const queuesPerRelay = positive('--queues-per-relay', values['queues-per-relay']);
  const messages = positive('--messages', values.messages);
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
    };
    process.stdout.write(
      '\n' +
        table([
          ['measure', 'result', 'target'],
          ['set-up, invitation to connected (median)', `${fmt(results.setup.medianMs, 1)} ms`, '< 150 ms'],
          ['set-up, worst of ' + setups, `${fmt(results.setup.worstMs, 1)} ms`, ''],
          [`messages/s, sent to stored by B (${queuesPerRelay} queue${queuesPerRelay > 1 ? 's' : ''} per relay)`, fmt(results.throughput.receivedPerSecond), '>= 1,000'],
          ['messages/s, sent to receipt stored by A', fmt(results.throughput.deliveredPerSecond), ''],
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
