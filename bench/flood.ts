/**
 * Flood benchmark (issue 12, part 3): can a stranger slow down or fill a
 * public relay? A relay runs as a child process at its default limits, but
 * for the store cap (--store-mb, 64 MiB). From 127.0.0.1, 50 WebSockets
 * flood it for --seconds (10) with blocks of 50 NEW and 15,000-byte SENDs
 * into the queues they got, 4 blocks in flight each (in a worker thread).
 * Meanwhile an honest pair from 127.0.0.2 (another address, as a real user
 * has; all of 127/8 is loopback on Linux) sends a message every
 * --interval-ms (100) over a subscribed queue and acknowledges each one.
 *
 *   node bench/dist/flood.js [--seconds S] [--sockets N] [--store-mb M]
 *                            [--interval-ms I] [--relay-args="--flag ..."] [--json]
 *
 * Printed: the honest pair's latency (SEND issued -> MSG decrypted by the
 * recipient) p50 / p99 / max against the 100 ms p99 target, honest messages
 * lost (sent and not delivered), the relay's disk use (relay.db + WAL)
 * against the cap, whether the relay still answers, and the flood's
 * responses by code. The report also goes to bench/results/flood-<date>.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, httpBase, killHard, spawnRelay } from 'graphchat-server/test-support';
import { floodInWorker, honestPair, percentile } from 'graphchat-server/test-support/flood';
import { fmt, machineBusy, parseBenchOptions, positive, progress, runMain, saveResults, table } from './support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET_P99_MS = 100;
const MIB = 1024 * 1024;

const options = parseBenchOptions(
  {
    seconds: { type: 'string', default: '10' },
    sockets: { type: 'string', default: '50' },
    'store-mb': { type: 'string', default: '64' },
    'interval-ms': { type: 'string', default: '100' },
    'relay-args': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  import.meta.url,
);
const seconds = positive('seconds', options.seconds);
const sockets = positive('sockets', options.sockets);
const storeMb = positive('store-mb', options['store-mb']);
const intervalMs = positive('interval-ms', options['interval-ms']);

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** Whether the relay still answers /health and a PING on a new WebSocket. */
async function answers(address: string): Promise<boolean> {
  try {
    if ((await fetch(`${httpBase(address)}health`)).status !== 200) return false;
    const client = await connect(address);
    const pong = await client.command(new Uint8Array(0), { type: 'PING' }, null);
    client.close();
    return pong.type === 'PONG';
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'graphchat-bench-flood-'));
  const relayArgs = options['relay-args'].split(' ').filter((arg) => arg !== '');
  const relay = await spawnRelay(dataDir, ['--max-store-mb', String(storeMb), ...relayArgs]);
  try {
    const busy = await machineBusy(500);
    progress(`machine ${fmt(busy)} % busy before the run; flooding for ${seconds} s with ${sockets} sockets`);
    let stop!: () => void;
    const stopped = new Promise<void>((done) => (stop = done));
    const honest = honestPair(relay.address, stopped, intervalMs);
    await new Promise((done) => setTimeout(done, 300)); // the honest pair has its queue first
    const attack = await floodInWorker(relay.address, sockets, seconds);
    stop();
    const pair = await honest;
    const db = sizeOf(join(dataDir, 'relay.db'));
    const wal = sizeOf(join(dataDir, 'relay.db-wal'));
    const up = await answers(relay.address);
    const p = (n: number) => percentile(pair.latencies, n);
    const lost = pair.sent - pair.delivered;
    const met = p(99) < TARGET_P99_MS && lost === 0;
    const results = {
      date: new Date().toISOString(),
      machineBusyBefore: busy,
      seconds,
      sockets: { asked: sockets, opened: attack.opened },
      flood: Object.fromEntries([...attack.tally].sort()),
      honest: { sent: pair.sent, accepted: pair.accepted, delivered: pair.delivered, lost, errors: pair.errors, p50: p(50), p99: p(99), max: pair.latencies.at(-1) ?? Number.NaN },
      disk: { db, wal, cap: storeMb * MIB },
      relayUp: up,
      target: { p99Ms: TARGET_P99_MS, met },
    };
    const ms = (n: number) => `${fmt(n, 1)} ms`;
    process.stdout.write(
      table([
        ['metric', 'measured', 'target'],
        ['honest latency p50 / p99', `${ms(p(50))} / ${ms(p(99))}`, `p99 < ${TARGET_P99_MS} ms: ${p(99) < TARGET_P99_MS ? 'met' : 'NOT MET'}`],
        ['honest latency max', ms(results.honest.max), ''],
        ['honest messages sent / delivered / lost', `${pair.sent} / ${pair.delivered} / ${lost}`, `0 lost: ${lost === 0 ? 'met' : 'NOT MET'}`],
        ['relay disk (relay.db + WAL) / cap', `${fmt((db + wal) / MIB, 2)} / ${storeMb} MiB`, `under the cap: ${db + wal <= storeMb * MIB ? 'met' : 'NOT MET'}`],
        ['relay answers after the flood', up ? 'yes' : 'NO', ''],
        ['flooding sockets opened', `${attack.opened} of ${sockets}`, ''],
      ]) + '\n',
    );
    process.stdout.write(`\nflood responses: ${[...attack.tally].sort().map(([code, n]) => `${code} ${fmt(n)}`).join(', ')}\n`);
    if (pair.errors.length > 0) process.stdout.write(`honest errors: ${pair.errors.slice(0, 5).join('; ')}\n`);
    saveResults(ROOT, 'flood', results, options.json);
  } finally {
    await killHard(relay);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runMain(main);
