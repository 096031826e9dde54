// A terminal client's state directory restored from a copy (issue 12,
// graph-chat §8.7), as processes over two real relays: copy Bob's
// directory, send, put the copy back, send again. Both users are told, in
// `sync` and in their history; nothing written is lost or shown twice;
// later messages flow; and a `sync` killed with SIGKILL while the
// connection resyncs changes none of that.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killSpawnedRelays, spawnRelay } from 'graphchat-server/test-support';
import { cliProcess, graphchat, type CliRun, type Json } from './test-support/cli-process.js';

const PASSPHRASE = 'restore test passphrase';

describe('a state directory restored from a copy', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphchat-restore-'));
  const alice = join(root, 'alice');
  const bob = join(root, 'bob');
  const run = (dir: string, ...args: string[]): Json[] => graphchat(dir, PASSPHRASE, args);
  const sync = (dir: string, plan?: Parameters<typeof cliProcess>[3]): Promise<CliRun> => cliProcess(dir, PASSPHRASE, ['sync', '--idle', '0.5', '--timeout', '15'], plan);
  const texts = (dir: string, contact: string, direction: string): string[] =>
    run(dir, 'history', contact)
      .filter((m) => m.direction === direction && m.notice !== true)
      .map((m) => m.text as string);
  const notices = (dir: string, contact: string): Json[] => run(dir, 'history', contact).filter((m) => m.notice === true);
  const runs: CliRun[] = [];

  before(async () => {
    const servers = [await spawnRelay(join(root, 'relay1')), await spawnRelay(join(root, 'relay2'))].flatMap((relay) => ['--server', relay.address]);
    run(alice, 'init', '--name', 'Alice', ...servers);
    run(bob, 'init', '--name', 'Bob', ...servers);
    run(bob, 'connect', run(alice, 'invite')[0]!.link as string);
    for (const dir of [alice, bob, alice]) run(dir, 'sync', '--idle', '0.5');
  });
  after(() => {
    killSpawnedRelays();
    rmSync(root, { recursive: true, force: true });
  });

  it('copy, send, restore, send again: both told, nothing lost or doubled, later messages flow, kill -9 or not', async () => {
    const copy = join(root, 'bob-copy');
    cpSync(bob, copy, { recursive: true });
    run(bob, 'send', 'Alice', 'first');
    for (let round = 0; round < 4 && !texts(alice, 'Bob', 'received').includes('first'); round++) await Promise.all([sync(alice), sync(bob)]);
    assert.deepEqual(texts(alice, 'Bob', 'received'), ['first']);

    // Bob's directory goes back to the copy, which does not know it sent 'first'.
    rmSync(bob, { recursive: true });
    cpSync(copy, bob, { recursive: true });
    run(bob, 'send', 'Alice', 'second');
    runs.push(await sync(bob));
    run(alice, 'send', 'Bob', 'are you there?');
    run(bob, 'send', 'Alice', 'yes');
    // The first rounds kill Bob's sync with SIGKILL part way, while the two resync.
    for (let round = 0; round < 10; round++) {
      const plan = round < 3 ? { afterMs: 300 + 250 * round } : undefined;
      runs.push(...(await Promise.all([sync(alice), sync(bob, plan)])));
      if (texts(alice, 'Bob', 'received').length >= 3 && texts(bob, 'Alice', 'received').length >= 1 && round >= 3) break;
    }
    assert.ok(runs.some((r) => r.killed), 'a sync was killed part way');
    const restored = runs.flatMap((r) => r.lines.filter((line) => line.event === 'restored'));
    assert.ok(restored.some((e) => e.device === 'this'), 'Bob was told in sync');
    assert.ok(restored.some((e) => e.device === 'contact'), 'Alice was told in sync');
    assert.ok(notices(bob, 'Alice').length >= 1, "and it stays in Bob's history");
    assert.ok(notices(alice, 'Bob').length >= 1, "and in Alice's");
    assert.deepEqual(texts(alice, 'Bob', 'received'), ['first', 'second', 'yes'], 'each once, in order');
    assert.deepEqual(texts(bob, 'Alice', 'received'), ['are you there?']);

    run(alice, 'send', 'Bob', 'good');
    run(bob, 'send', 'Alice', 'good');
    for (let round = 0; round < 4 && (texts(alice, 'Bob', 'received').length < 4 || texts(bob, 'Alice', 'received').length < 2); round++) {
      await Promise.all([sync(alice), sync(bob)]);
    }
    assert.deepEqual(texts(alice, 'Bob', 'received'), ['first', 'second', 'yes', 'good']);
    assert.deepEqual(texts(bob, 'Alice', 'received'), ['are you there?', 'good']);
  });
});
