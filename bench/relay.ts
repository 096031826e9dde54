/**
 * Relay benchmark: throughput, latency, the raw WebSocket ceiling, and memory
 * per idle queue, against a relay running as a child process (so the relay
 * and the clients get a core each), all over loopback (127.0.0.1).
 *
 *   node bench/dist/relay.js [--pairs N] [--messages M] [--queues Q] [--window W]
 *                            [--max-seconds S] [--paced-seconds S] [--echo-seconds S]
 *                            [--only throughput,echo,memory] [--profile DIR] [--json]
 *                            [--relay-node-args="--flag ..."] [--time-limit S]
 *
 * 1. Throughput: N sender and N recipient connections, one secured queue per
 *    pair; each pair keeps W messages in flight (sent, not yet acknowledged).
 *    A queue pushes one message at a time until it is ACKed, so throughput is
 *    bounded by ACK round trips, as in the real system. Counted: messages
 *    delivered, decrypted by the recipient and whose ACK the relay confirmed.
 *    Latency: SEND issued -> MSG decrypted by the recipient.
 * 2. Latency at half the measured peak: open-loop pacing (sends are not held
 *    back by responses), round-robin over the pairs.
 * 3. Ceiling: a plain `ws` echo server (bench/echo-server.ts) in a child
 *    process, 2N sockets, 16,384-byte frames, W frames in flight per socket.
 * 4. Memory per idle queue: a fresh relay, RSS before and after creating Q
 *    queues with pipelined NEW commands; on-disk size of relay.db(+wal) per queue.
 *
 * The report goes to stdout and to bench/results/relay-<date>.json; --json
 * also prints the JSON as the last line of stdout. --profile DIR runs the
 * throughput relay under `node --cpu-prof` and writes its profile to DIR.
 * The whole run stops (children killed) after --time-limit seconds (175).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import {
  type CommandRequest,
  createQueue,
  type KeyPair,
  openMessage,
  type Push,
  type RecipientQueue,
  RelayClient,
  secureQueue,
  subscribeQueue,
  type WebSocketLike,
} from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { fmt, machineBusy, parseBenchOptions, positive, progress, runMain, saveResults, table, usageError } from './support.js';

const crypto = sodiumCrypto;
const BLOCK_SIZE = 16384;
const BODY_SIZE = 256;
const HOST = '127.0.0.1';
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every mainstream Linux). */
const CLK_TCK = 100;

const HERE = dirname(fileURLToPath(import.meta.url)); // bench/dist
const ROOT = resolve(HERE, '..', '..');
const RELAY_BIN = join(ROOT, 'packages', 'server', 'dist', 'bin.js');
const ECHO_BIN = join(HERE, 'echo-server.js');

const TARGETS = { ceilingRatio: 0.4, pacedP99Ms: 20, bytesPerQueue: 1024 } as const;

// ---------------------------------------------------------------------------
// Options

const OPTIONS = {
  pairs: { type: 'string', default: '8' },
  messages: { type: 'string', default: '20000' },
  queues: { type: 'string', default: '100000' },
  window: { type: 'string', default: '16' },
  'max-seconds': { type: 'string', default: '30' },
  'paced-seconds': { type: 'string', default: '8' },
  'echo-seconds': { type: 'string', default: '5' },
  only: { type: 'string', default: 'throughput,echo,memory' },
  profile: { type: 'string' },
  'relay-node-args': { type: 'string', default: '' },
  'time-limit': { type: 'string', default: '175' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const args = parseBenchOptions(OPTIONS, import.meta.url);


const options = {
  pairs: positive('pairs', args.pairs),
  messages: positive('messages', args.messages),
  queues: positive('queues', args.queues),
  window: positive('window', args.window),
  maxSeconds: positive('max-seconds', args['max-seconds']),
  pacedSeconds: positive('paced-seconds', args['paced-seconds']),
  echoSeconds: positive('echo-seconds', args['echo-seconds']),
  timeLimitSeconds: positive('time-limit', args['time-limit']),
};
const only = new Set(args.only.split(',').map((s) => s.trim()));
for (const phase of only) if (!['throughput', 'echo', 'memory'].includes(phase)) usageError(`--only: unknown phase "${phase}"`);

// ---------------------------------------------------------------------------
// Child processes: started with process.execPath, killed on every way out.

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`bench: ${error.stack ?? String(error)}\n`);
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  process.stderr.write(`bench: unhandled rejection: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
setTimeout(() => {
  process.stderr.write(`bench: time limit of ${options.timeLimitSeconds} s exceeded, stopping\n`);
  process.exit(1);
}, options.timeLimitSeconds * 1000).unref();
for (const file of [RELAY_BIN, ECHO_BIN]) {
  if (!existsSync(file)) usageError(`${file} is missing: build first (npx tsc -b packages/core packages/client packages/server bench)`);
}

interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** The first line it printed: the address to connect to. */
  readonly address: string;
  stderr(): string;
}

async function startChild(name: string, script: string, scriptArgs: string[], nodeArgs: string[], scheme: string): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...scriptArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout! });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no address within 10 s\n${stderr}`)), 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      if (line.startsWith(scheme)) resolve(line.trim());
      else reject(new Error(`${name} printed "${line}", not an address starting with ${scheme}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before printing its address\n${stderr}`));
    });
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') process.stderr.write(`bench: ${name} exited (${code ?? signal})\n${stderr}\n`);
  });
  if (child.pid === undefined) throw new Error(`${name}: no pid`);
  return { process: child, pid: child.pid, address, stderr: () => stderr };
}

/** SIGTERM (the relay closes its store and, under --cpu-prof, writes the profile), SIGKILL after 5 s. */
async function stopChild(child: Child): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'graphchat-bench-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * The relay's limits on strangers off: the memory phase creates 100,000
 * queues over 4 connections from one address, far past the default NEW
 * limits (EMP §10), which would otherwise answer LIMIT and RATE.
 */
const NO_QUEUE_LIMITS = ['--max-queues-per-session', '0', '--session-queue-burst', '0', '--address-queue-burst', '0', '--max-store-mb', '0'];

function startRelayChild(dataDir: string, nodeArgs: string[] = [], relayFlags: string[] = []): Promise<Child> {
  const flags = ['--port', '0', '--bind', HOST, '--host', HOST, '--data-dir', dataDir, '--log-level', 'warn', ...relayFlags];
  const extra = args['relay-node-args'].split(/\s+/).filter((arg) => arg !== '');
  return startChild('relay', RELAY_BIN, flags, [...extra, ...nodeArgs], 'emp://');
}

// ---------------------------------------------------------------------------
// Measurements

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

function cpuSplit(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK }; // utime (14), stime (15)
}



function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]! };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// ---------------------------------------------------------------------------
// Relay clients over real WebSockets, counting frames in each direction.

const frames = { up: 0, down: 0 };

/**
 * Each connection comes from its own loopback address (all of 127/8 is
 * loopback on Linux), as different users' connections do: the relay runs
 * one block at a time per client address (EMP §5.3), so sixteen
 * connections from one address would measure one user's share, not the relay.
 */
let nextLocal = 0;
function localAddress(): string {
  const n = nextLocal++ % 250;
  return `127.0.${1 + Math.floor(n / 250)}.${2 + n}`;
}

function webSocket(url: string): WebSocketLike {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: localAddress() });
  const send = ws.send.bind(ws);
  (ws as unknown as { send(data: Uint8Array): void }).send = (data) => {
    frames.up++;
    send(data);
  };
  ws.on('message', () => frames.down++);
  return ws as unknown as WebSocketLike;
}

function connect(address: string): Promise<RelayClient> {
  return RelayClient.connect(address, { crypto, webSocket, timeoutMs: 30_000 });
}

interface Pair {
  readonly index: number;
  readonly sender: RelayClient;
  readonly recipient: RelayClient;
  readonly queue: RecipientQueue;
  readonly senderKey: KeyPair;
  /** Sent and not yet acknowledged. */
  inFlight: number;
}

async function setUpPair(address: string, index: number): Promise<Pair> {
  const [sender, recipient] = await Promise.all([connect(address), connect(address)]);
  const queue = await createQueue(recipient, crypto);
  const senderKey = crypto.ed25519KeyPair();
  await secureQueue(recipient, queue, senderKey.publicKey);
  await subscribeQueue(recipient, queue);
  return { index, sender, recipient, queue, senderKey, inFlight: 0 };
}

interface Recording {
  readonly startedAt: number;
  readonly relayCpuStart: { user: number; system: number };
  readonly clientCpuStart: number;
  readonly framesStart: { up: number; down: number };
  readonly latencies: number[];
  /** Paced runs: how late each send was against its schedule. */
  readonly lags: number[];
  acknowledged: number;
  readonly target: number;
  done: () => void;
}

interface PhaseResult {
  readonly seconds: number;
  readonly acknowledged: number;
  readonly messagesPerSecond: number;
  readonly latencyMs: Percentiles;
  readonly relayCpuPercent: number;
  /** The part of relayCpuPercent spent in the kernel (loopback TCP, syscalls). */
  readonly relaySystemCpuPercent: number;
  /** Relay CPU time (user + system) per acknowledged message. */
  readonly relayCpuMicrosPerMessage: number;
  readonly clientCpuPercent: number;
  readonly framesPerMessage: number;
}

/** Sends and receives on all pairs; `mode` says whether sends are driven by ACKs (closed) or by a clock (paced). */
class Traffic {
  mode: 'closed' | 'paced' | 'stopped' = 'stopped';
  private recording: Recording | null = null;
  private drained: (() => void) | null = null;
  readonly errors = new Map<string, number>();
  private readonly fill = crypto.randomBytes(BODY_SIZE);
  /** Rejects when the run can't go on (a connection closed, a response makes no sense). */
  readonly failed: Promise<never>;
  failure: Error | null = null;
  private reject: (error: Error) => void = () => {};
  /** Set before closing the connections on purpose. */
  closing = false;

  constructor(
    readonly pairs: readonly Pair[],
    readonly window: number,
    private readonly relayPid: number,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.reject = reject));
    this.failed.catch(() => {});
    for (const pair of pairs) {
      pair.recipient.onPush = (push) => {
        try {
          this.received(pair, push);
        } catch (error) {
          this.fail(error as Error);
        }
      };
      for (const client of [pair.sender, pair.recipient]) {
        client.onClose = (code, reason) => {
          if (!this.closing) this.fail(new Error(`relay closed a connection of pair ${pair.index} (${code} ${reason})`));
        };
      }
    }
  }

  fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.mode = 'stopped';
    this.reject(error);
  }

  close(): void {
    this.closing = true;
    for (const pair of this.pairs) {
      pair.sender.close();
      pair.recipient.close();
    }
  }

  get inFlight(): number {
    return this.pairs.reduce((sum, pair) => sum + pair.inFlight, 0);
  }

  private error(what: string): void {
    this.errors.set(what, (this.errors.get(what) ?? 0) + 1);
  }

  send(pair: Pair): void {
    pair.inFlight++;
    const body = this.fill.slice();
    new DataView(body.buffer).setFloat64(0, performance.now());
    pair.sender.command(pair.queue.senderId, { type: 'SEND', body }, pair.senderKey.secretKey).then(
      (response) => {
        if (response.type === 'OK') return;
        // Not stored, so no MSG will come: count it, and don't refill the window (a persistent
        // error would otherwise spin).
        this.error(`SEND ${response.type === 'ERR' ? response.code : response.type}`);
        this.settled(pair, false);
      },
      (error: Error) => this.fail(new Error(`SEND failed: ${error.message}`)),
    );
  }

  /** Keeps `window` messages in flight on a pair. */
  pump(pair: Pair): void {
    while (this.mode === 'closed' && pair.inFlight < this.window) this.send(pair);
  }

  private received(pair: Pair, push: Push): void {
    if (push.response.type !== 'MSG') {
      this.error(`push ${push.response.type}`);
      return;
    }
    const now = performance.now();
    const { msgId, encryptedBody } = push.response;
    const message = openMessage(crypto, pair.queue, msgId, encryptedBody);
    const sentAt = new DataView(message.body.buffer, message.body.byteOffset, message.body.byteLength).getFloat64(0);
    this.recording?.latencies.push(now - sentAt);
    // Unsigned, as real clients send it: the session's signed SUB authorizes it.
    pair.recipient.command(pair.queue.recipientId, { type: 'ACK', msgId }, null).then(
      (response) => {
        if (response.type !== 'OK') {
          // The queue would stay blocked on this message.
          this.fail(new Error(`ACK answered ${response.type === 'ERR' ? `ERR ${response.code}` : response.type}`));
          return;
        }
        const recording = this.recording;
        if (recording !== null && ++recording.acknowledged === recording.target) recording.done();
        this.settled(pair, true);
      },
      (error: Error) => this.fail(new Error(`ACK failed: ${error.message}`)),
    );
  }

  private settled(pair: Pair, refill: boolean): void {
    pair.inFlight--;
    if (this.mode === 'closed') {
      if (refill) this.pump(pair);
    }
    else if (this.drained !== null && this.inFlight === 0) this.drained();
  }

  /** Starts counting; resolves when `target` messages were acknowledged (never, for Infinity). */
  record(target: number): Promise<void> {
    return new Promise((resolve) => {
      this.recording = {
        startedAt: performance.now(),
        relayCpuStart: cpuSplit(this.relayPid),
        clientCpuStart: ownCpuSeconds(),
        framesStart: { ...frames },
        latencies: [],
        lags: [],
        acknowledged: 0,
        target,
        done: resolve,
      };
    });
  }

  recordLag(lag: number): void {
    this.recording?.lags.push(lag);
  }

  stopRecording(): PhaseResult & { lags: number[] } {
    const r = this.recording;
    if (r === null) throw new Error('not recording');
    this.recording = null;
    const seconds = (performance.now() - r.startedAt) / 1000;
    const cpu = cpuSplit(this.relayPid);
    const relayCpu = cpu.user - r.relayCpuStart.user + cpu.system - r.relayCpuStart.system;
    return {
      seconds,
      acknowledged: r.acknowledged,
      messagesPerSecond: r.acknowledged / seconds,
      latencyMs: percentiles(r.latencies),
      relayCpuPercent: (100 * relayCpu) / seconds,
      relaySystemCpuPercent: (100 * (cpu.system - r.relayCpuStart.system)) / seconds,
      relayCpuMicrosPerMessage: (1e6 * relayCpu) / Math.max(1, r.acknowledged),
      clientCpuPercent: (100 * (ownCpuSeconds() - r.clientCpuStart)) / seconds,
      framesPerMessage: (frames.up - r.framesStart.up + frames.down - r.framesStart.down) / Math.max(1, r.acknowledged),
      lags: r.lags,
    };
  }

  /** Stops sending and waits until everything sent has been acknowledged. */
  async stop(timeoutMs: number): Promise<void> {
    this.mode = 'stopped';
    if (this.inFlight === 0) return;
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.race([drained, sleep(timeoutMs), this.failed]);
    this.drained = null;
    if (this.inFlight !== 0) throw new Error(`${this.inFlight} messages still in flight ${timeoutMs} ms after the senders stopped`);
  }
}

async function closedLoop(traffic: Traffic, warmUpMs: number, messages: number, maxMs: number): Promise<PhaseResult> {
  traffic.mode = 'closed';
  for (const pair of traffic.pairs) traffic.pump(pair);
  await sleep(warmUpMs);
  const done = traffic.record(messages);
  await Promise.race([done, sleep(maxMs), traffic.failed]);
  const { lags: _, ...result } = traffic.stopRecording();
  await traffic.stop(10_000);
  return result;
}

/** Open loop: message i goes out at start + i / rate whatever the responses; pairs take turns. */
async function pacedRun(traffic: Traffic, rate: number, warmUpMs: number, durationMs: number): Promise<PhaseResult & { lagMs: Percentiles }> {
  traffic.mode = 'paced';
  const pairs = traffic.pairs;
  const interval = 1000 / rate;
  const start = performance.now();
  const recordFrom = start + warmUpMs;
  const end = recordFrom + durationMs;
  let recording = false;
  let result: (PhaseResult & { lags: number[] }) | null = null;
  let sent = 0;
  const loop = new Promise<void>((resolve) => {
    const tick = () => {
      if (traffic.failure !== null) return;
      const now = performance.now();
      if (!recording && now >= recordFrom) {
        recording = true;
        void traffic.record(Infinity);
      }
      if (now >= end) {
        result = traffic.stopRecording();
        resolve();
        return;
      }
      for (let due = start + sent * interval; due <= now; due = start + sent * interval) {
        if (recording) traffic.recordLag(now - due);
        traffic.send(pairs[sent % pairs.length]!);
        sent++;
      }
      // Timers have millisecond resolution: messages due within the same millisecond go out together
      // (the send lag is reported). Polling with setImmediate would be finer but would burn the
      // bench's core, which on a 2-core machine competes with the relay.
      setTimeout(tick, Math.max(0, Math.floor(start + sent * interval - performance.now())));
    };
    tick();
  });
  await Promise.race([loop, traffic.failed]);
  await traffic.stop(10_000);
  const { lags, ...r } = result as unknown as PhaseResult & { lags: number[] };
  return { ...r, lagMs: percentiles(lags) };
}

// ---------------------------------------------------------------------------
// Phase 1 and 2: relay throughput and latency

interface ThroughputReport {
  readonly peak: PhaseResult;
  readonly paced: PhaseResult & { readonly rate: number; readonly lagMs: Percentiles };
  readonly errors: Record<string, number>;
}

async function throughputPhase(): Promise<ThroughputReport> {
  const nodeArgs = args.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(args.profile)];
  const relay = await startRelayChild(tempDir(), nodeArgs);
  try {
    const pairs = await Promise.all(range(options.pairs).map((i) => setUpPair(relay.address, i)));
    const traffic = new Traffic(pairs, options.window, relay.pid);
    progress(`throughput: ${options.pairs} pairs, window ${options.window}, ${options.messages.toLocaleString('en-US')} messages`);
    const peak = await closedLoop(traffic, 3000, options.messages, options.maxSeconds * 1000);
    progress(`  ${fmt(peak.messagesPerSecond)} msg/s, p50 ${ms(peak.latencyMs.p50)}, p99 ${ms(peak.latencyMs.p99)}`);
    const rate = Math.max(1, peak.messagesPerSecond / 2);
    progress(`paced: ${fmt(rate)} msg/s for ${options.pacedSeconds} s`);
    const paced = await pacedRun(traffic, rate, 1000, options.pacedSeconds * 1000);
    progress(`  p50 ${ms(paced.latencyMs.p50)}, p99 ${ms(paced.latencyMs.p99)}`);
    traffic.close();
    return { peak, paced: { ...paced, rate }, errors: Object.fromEntries(traffic.errors) };
  } finally {
    await stopChild(relay);
  }
}

// ---------------------------------------------------------------------------
// Phase 3: the echo ceiling

interface EchoReport {
  readonly sockets: number;
  readonly seconds: number;
  readonly roundTripsPerSecond: number;
  readonly latencyMs: Percentiles;
  readonly serverCpuPercent: number;
  readonly serverCpuMicrosPerRoundTrip: number;
  readonly clientCpuPercent: number;
}

async function echoPhase(sockets: number, window: number, durationMs: number): Promise<EchoReport> {
  const server = await startChild('echo server', ECHO_BIN, ['0'], [], 'ws://');
  try {
    const frame = crypto.randomBytes(BLOCK_SIZE);
    let running = true;
    let recording = false;
    let roundTrips = 0;
    const latencies: number[] = [];
    let inFlight = 0;
    let drained: (() => void) | null = null;
    let fail: (error: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => {});
    const conns = await Promise.all(
      range(sockets).map(
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(server.address, { perMessageDeflate: false });
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
          }),
      ),
    );
    for (const ws of conns) {
      const sentAt: number[] = []; // the server echoes in order
      const send = () => {
        inFlight++;
        sentAt.push(performance.now());
        ws.send(frame, { binary: true });
      };
      ws.on('close', (code) => {
        if (running) fail(new Error(`echo server closed a connection (${code})`));
      });
      ws.on('message', (data: Buffer) => {
        const now = performance.now();
        inFlight--;
        if (data.length !== BLOCK_SIZE) throw new Error(`echo: got ${data.length} bytes`);
        const t0 = sentAt.shift()!;
        if (recording) {
          roundTrips++;
          latencies.push(now - t0);
        }
        if (running) send();
        else if (inFlight === 0) drained?.();
      });
      for (let i = 0; i < window; i++) send();
    }
    await Promise.race([sleep(1000), failed]);
    recording = true;
    const start = performance.now();
    const cpu0 = cpuSeconds(server.pid);
    const own0 = ownCpuSeconds();
    await Promise.race([sleep(durationMs), failed]);
    recording = false;
    const seconds = (performance.now() - start) / 1000;
    const serverCpuPercent = (100 * (cpuSeconds(server.pid) - cpu0)) / seconds;
    const clientCpuPercent = (100 * (ownCpuSeconds() - own0)) / seconds;
    running = false;
    if (inFlight > 0) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), sleep(5000)]);
    for (const ws of conns) ws.close();
    return {
      sockets,
      seconds,
      roundTripsPerSecond: roundTrips / seconds,
      latencyMs: percentiles(latencies),
      serverCpuPercent,
      serverCpuMicrosPerRoundTrip: (1e4 * serverCpuPercent * seconds) / Math.max(1, roundTrips),
      clientCpuPercent,
    };
  } finally {
    await stopChild(server);
  }
}

// ---------------------------------------------------------------------------
// Phase 4: memory and disk per idle queue

interface MemoryReport {
  readonly queues: number;
  readonly seconds: number;
  readonly queuesPerSecond: number;
  readonly rssBefore: number;
  readonly rssAfter: number;
  readonly rssPeak: number;
  /** RSS 10 s after the last NEW. */
  readonly rssSettled: number;
  readonly bytesPerQueue: number;
  readonly settledBytesPerQueue: number;
  readonly diskBytes: number;
  readonly diskBytesPerQueue: number;
}

const EMPTY = new Uint8Array(0);

/** Creates `count` queues over `clients`, `perClient` batches of `batch` NEW commands in flight on each. */
async function createQueues(clients: readonly RelayClient[], count: number, batch = 200, perClient = 4): Promise<void> {
  let remaining = count;
  const worker = async (client: RelayClient) => {
    while (remaining > 0) {
      const n = Math.min(batch, remaining);
      remaining -= n;
      const requests: CommandRequest[] = [];
      for (let i = 0; i < n; i++) {
        const key = crypto.ed25519KeyPair();
        const dh = crypto.x25519KeyPair();
        requests.push({ entityId: EMPTY, command: { type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: dh.publicKey, password: '' }, signingKey: key.secretKey });
      }
      for (const response of await client.commands(requests)) {
        if (response.type !== 'IDS') throw new Error(`NEW answered ${response.type === 'ERR' ? `ERR ${response.code}` : response.type}`);
      }
    }
  };
  await Promise.all(clients.flatMap((client) => range(perClient).map(() => worker(client))));
}

async function memoryPhase(queues: number): Promise<MemoryReport> {
  const dataDir = tempDir();
  const relay = await startRelayChild(dataDir, [], NO_QUEUE_LIMITS);
  try {
    const clients = await Promise.all(range(4).map(() => connect(relay.address)));
    const warmUp = 2000;
    await createQueues(clients, warmUp);
    await sleep(1500);
    const rssBefore = procStatus(relay.pid, 'VmRSS');
    progress(`memory: creating ${queues.toLocaleString('en-US')} queues (relay RSS ${mib(rssBefore)} after ${warmUp} warm-up queues)`);
    const start = performance.now();
    await createQueues(clients, queues);
    const seconds = (performance.now() - start) / 1000;
    await sleep(2500);
    const rssAfter = procStatus(relay.pid, 'VmRSS');
    const rssPeak = procStatus(relay.pid, 'VmHWM');
    // V8 shrinks its heap only once the allocation rate has stayed low for a while (its memory reducer),
    // so a later reading tells garbage and allocator slack from memory the queues really hold.
    await sleep(7500);
    const rssSettled = procStatus(relay.pid, 'VmRSS');
    const db = join(dataDir, 'relay.db');
    const diskBytes = fileSize(db) + fileSize(`${db}-wal`);
    progress(`  ${fmt(queues / seconds)} queues/s, RSS ${mib(rssAfter)} (peak ${mib(rssPeak)}, ${mib(rssSettled)} 10 s later), disk ${mib(diskBytes)}`);
    for (const client of clients) client.close();
    return {
      queues,
      seconds,
      queuesPerSecond: queues / seconds,
      rssBefore,
      rssAfter,
      rssPeak,
      rssSettled,
      bytesPerQueue: (rssAfter - rssBefore) / queues,
      settledBytesPerQueue: (rssSettled - rssBefore) / queues,
      diskBytes,
      diskBytesPerQueue: diskBytes / (queues + warmUp + 0),
    };
  } finally {
    await stopChild(relay);
  }
}

// ---------------------------------------------------------------------------
// Report

const ms = (n: number) => `${fmt(n, n < 10 ? 2 : 1)} ms`;
const mib = (n: number) => `${fmt(n / 1048576, 1)} MiB`;


async function main(): Promise<void> {
  const started = performance.now();
  const results: {
    date: string;
    node: string;
    cpus: number;
    /** CPU in use on the machine (all cores, %) in the second before the run: other work skews every figure. */
    busyBefore: number;
    options: typeof options;
    throughput?: ThroughputReport;
    echo?: EchoReport;
    memory?: MemoryReport;
    ratio?: number;
    /** Like ratio, counting 16 KiB frames instead of messages and round trips. */
    frameRatio?: number;
    pass?: Record<string, boolean>;
    seconds?: number;
  } = { date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), busyBefore: await machineBusy(1000), options };
  if (results.busyBefore > 10) progress(`note: ${fmt(results.busyBefore)} % of the machine's CPU was busy before the run; other processes will skew the figures`);

  if (only.has('throughput')) results.throughput = await throughputPhase();
  if (only.has('echo')) {
    progress(`echo ceiling: ${2 * options.pairs} sockets, window ${options.window}, ${BLOCK_SIZE}-byte frames`);
    results.echo = await echoPhase(2 * options.pairs, options.window, options.echoSeconds * 1000);
    progress(`  ${fmt(results.echo.roundTripsPerSecond)} round trips/s`);
  }
  if (only.has('memory')) results.memory = await memoryPhase(options.queues);
  results.seconds = (performance.now() - started) / 1000;

  const { throughput: t, echo: e, memory: m } = results;
  const pass: Record<string, boolean> = {};
  const verdict = (name: string, ok: boolean) => {
    pass[name] = ok;
    return ok ? 'PASS' : 'FAIL';
  };
  const rows: string[][] = [['metric', 'measured', 'target', '']];
  if (t) {
    const p = t.peak;
    rows.push(['relay throughput (delivered + ACKed)', `${fmt(p.messagesPerSecond)} msg/s`, '', '']);
    rows.push([`  latency p50 / p99 (closed loop, ${options.window} queued)`, `${ms(p.latencyMs.p50)} / ${ms(p.latencyMs.p99)}`, '', '']);
    rows.push(['  relay CPU (of it kernel) / bench CPU', `${fmt(p.relayCpuPercent)} % (${fmt(p.relaySystemCpuPercent)} %) / ${fmt(p.clientCpuPercent)} %`, '', '']);
    rows.push(['  relay CPU per message', `${fmt(p.relayCpuMicrosPerMessage)} us`, '', '']);
    rows.push(['  16 KiB frames per message (up + down)', fmt(p.framesPerMessage, 2), '', '']);
  }
  if (e) {
    rows.push([`echo ceiling (${e.sockets} sockets, 16 KiB frames)`, `${fmt(e.roundTripsPerSecond)} rt/s`, '', '']);
    rows.push(['  echo server CPU / bench CPU', `${fmt(e.serverCpuPercent)} % / ${fmt(e.clientCpuPercent)} %`, '', '']);
    rows.push(['  echo server CPU per round trip', `${fmt(e.serverCpuMicrosPerRoundTrip)} us`, '', '']);
  }
  if (t && e) {
    results.ratio = t.peak.messagesPerSecond / e.roundTripsPerSecond;
    rows.push(['relay / echo', `${fmt(100 * results.ratio, 1)} %`, `>= ${100 * TARGETS.ceilingRatio} %`, verdict('ceilingRatio', results.ratio >= TARGETS.ceilingRatio)]);
    // A relayed message costs SEND, OK, MSG, ACK, OK: 5 frames against an echo round trip's 2.
    results.frameRatio = (t.peak.messagesPerSecond * t.peak.framesPerMessage) / (2 * e.roundTripsPerSecond);
    rows.push(['  frames/s relay / echo', `${fmt(100 * results.frameRatio, 1)} %`, '', '']);
  }
  if (t) {
    const p = t.paced;
    rows.push([`latency p50 / p99 paced at ${fmt(p.rate)} msg/s`, `${ms(p.latencyMs.p50)} / ${ms(p.latencyMs.p99)}`, `p99 < ${TARGETS.pacedP99Ms} ms`, verdict('pacedP99', p.latencyMs.p99 < TARGETS.pacedP99Ms)]);
    rows.push(['  achieved rate / send lag p99', `${fmt(p.messagesPerSecond)} msg/s / ${ms(p.lagMs.p99)}`, '', '']);
  }
  if (m) {
    rows.push([`memory per idle queue (${fmt(m.queues)} queues)`, `${fmt(m.bytesPerQueue)} B`, `< ${TARGETS.bytesPerQueue} B`, verdict('bytesPerQueue', m.bytesPerQueue < TARGETS.bytesPerQueue)]);
    rows.push(['  relay RSS before / after / peak', `${mib(m.rssBefore)} / ${mib(m.rssAfter)} / ${mib(m.rssPeak)}`, '', '']);
    rows.push(['  same, RSS 10 s after the last NEW', `${fmt(m.settledBytesPerQueue)} B (${mib(m.rssSettled)})`, '', '']);
    rows.push(['  disk per queue (relay.db + wal)', `${fmt(m.diskBytesPerQueue)} B`, '', '']);
    rows.push(['  queue creation rate (pipelined NEW)', `${fmt(m.queuesPerSecond)} queues/s`, '', '']);
  }
  if (t && Object.keys(t.errors).length > 0) rows.push(['errors', JSON.stringify(t.errors), '', '']);
  results.pass = pass;

  const header = `graphchat relay benchmark: ${options.pairs} pairs, window ${options.window}, ${BODY_SIZE}-byte bodies, ${results.cpus} CPUs, node ${process.version}, CPU busy before ${fmt(results.busyBefore)} %, ${fmt(results.seconds, 1)} s`;
  process.stdout.write(`\n${header}\n${table(rows)}\n`);

  saveResults(ROOT, 'relay', results, args.json);
}

runMain(main);
