// Issue 12, part 3: a stranger can fill a public relay. A real relay (a child
// process, so that it has a core of its own) on 127.0.0.1, flooded for
// GRAPHCHAT_FLOOD_SECONDS (default 5; the figure is 10) from
// 127.0.0.1 while an honest pair uses it from 127.0.0.2, as a stranger and
// a user have different addresses. Its limits are the defaults but for a
// 64 MiB store of which one address may fill 2 % (so that the flood
// certainly reaches its share within the test's time).
//
// The flooders run in a worker thread, so their own work does not delay the
// honest clients of the main thread.
//
// Timing is not what this test checks: `npm run bench:flood` measures the
// honest pair's latency against the 100 ms p99 target (README, Benchmarks).
// Here p99 is only bounded loosely, by GRAPHCHAT_FLOOD_P99_MS (default
// 1,500 ms), to catch a relay that stalls, on a shared machine that may be
// running other tests at once.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { floodInWorker, honestHttp, honestPair, percentile, replayHandshake } from './test-support/flood.js';
import { connect, httpBase, killHard, killSpawnedRelays, spawnRelay, tempDir } from './test-support/harness.js';

const SECONDS = Number(process.env.GRAPHCHAT_FLOOD_SECONDS ?? 5);
const P99_MS = Number(process.env.GRAPHCHAT_FLOOD_P99_MS ?? 1500);
const STORE_MB = 64;
/** A lively chat: 10 messages a second. */
const HONEST_INTERVAL_MS = 100;
const MIB = 1024 * 1024;

after(killSpawnedRelays);

const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

async function stillUp(address: string): Promise<void> {
  assert.equal((await fetch(`${httpBase(address)}health`)).status, 200);
  const client = await connect(address);
  assert.deepEqual(await client.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
  client.close();
}

describe(`a public relay flooded for ${SECONDS} s`, { timeout: (SECONDS * 2 + 60) * 1000 }, () => {
  it('by 50 sockets sending NEW and SEND from one address: the honest pair from another loses nothing, the store stays under its cap, the relay stays up', async () => {
    const dataDir = tempDir();
    const limits = ['--max-store-mb', String(STORE_MB), '--address-store-percent', '2'];
    const relay = await spawnRelay(dataDir, limits);
    try {
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const honest = honestPair(relay.address, stopped, HONEST_INTERVAL_MS);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the honest pair has its queue first
      const attack = await floodInWorker(relay.address, 50, SECONDS);
      stop();
      const pair = await honest;
      const p99 = percentile(pair.latencies, 99);
      const db = sizeOf(join(dataDir, 'relay.db'));
      const wal = sizeOf(join(dataDir, 'relay.db-wal'));
      console.log(
        `flood: ${attack.opened} sockets, ${JSON.stringify(Object.fromEntries(attack.tally))}; ` +
          `honest: ${pair.sent} sent, ${pair.accepted} accepted, ${pair.delivered} delivered, p50 ${percentile(pair.latencies, 50).toFixed(1)} ms, ` +
          `p99 ${p99.toFixed(1)} ms, max ${pair.latencies.at(-1)?.toFixed(1)} ms; relay.db ${(db / MIB).toFixed(2)} MiB, WAL ${(wal / MIB).toFixed(2)} MiB`,
      );
      assert.equal(attack.opened, 50);
      assert.ok((attack.tally.get('ERR RATE') ?? 0) > 0, 'the rate limits refused some NEW');
      assert.ok((attack.tally.get('ERR FULL') ?? 0) > 0, 'the flooding address filled its share of the store');
      assert.deepEqual(pair.errors, []);
      assert.ok(pair.sent >= (SECONDS * 1000) / HONEST_INTERVAL_MS / 4, `the honest sender sent ${pair.sent} messages`);
      assert.equal(pair.accepted, pair.sent, 'every honest SEND was accepted');
      assert.equal(pair.delivered, pair.accepted, 'every accepted honest message was delivered');
      assert.ok(p99 < P99_MS, `honest p99 ${p99.toFixed(1)} ms`);
      assert.ok(db + wal <= STORE_MB * MIB, `relay.db and its WAL take ${db + wal} bytes`);
      await stillUp(relay.address);
    } finally {
      await killHard(relay);
    }
  });

  /**
   * Replays one captured message 1 for SECONDS while an honest HTTP client
   * opens a session and PINGs every 200 ms: every replay gets a session (the
   * pool evicts unused ones, never answers 503), and so does every honest try.
   */
  async function replayAgainst(args: readonly string[], pool: number, forwardedFor: readonly string[] = []): Promise<void> {
    const relay = await spawnRelay(tempDir(), [...args]);
    try {
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const honest = honestHttp(relay.address, stopped);
      const replays = await replayHandshake(relay.address, SECONDS, 16, forwardedFor);
      stop();
      const client = await honest;
      console.log(`replay from ${Math.max(1, forwardedFor.length)} address(es): ${JSON.stringify(Object.fromEntries(replays))}; honest: ${client.ok} of ${client.attempts} sessions`);
      assert.ok((replays.get('200') ?? 0) > 2 * pool, 'the replays made sessions, twice as many as the pool holds (the relay evicted them)');
      assert.equal(replays.get('503'), undefined, 'sessions that never sent a frame never make the pool refuse');
      assert.deepEqual(client.errors, []);
      assert.ok(client.attempts >= SECONDS, `${client.attempts} honest attempts`);
      assert.equal(client.ok, client.attempts);
      await stillUp(relay.address);
    } finally {
      await killHard(relay);
    }
  }

  it('by replaying one captured handshake over HTTP: an honest HTTP client still gets a session every time', async () => {
    // A pool of 500 (and the default 100 per address) so that the replays overfill it, as the 10,050 did the default 10,000.
    await replayAgainst(['--max-http-sessions', '500'], 500);
  });

  it('by replaying one captured handshake over HTTP from several addresses, past the whole pool: an honest HTTP client still gets a session every time', async () => {
    // A pool of 50 behind a trusted proxy, replays naming 5 addresses: no address reaches its own limit (100), so
    // every session the replays make past 50 evicts by the pool-wide rule.
    await replayAgainst(['--max-http-sessions', '50', '--trust-proxy', '1'], 50, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
  });
});
