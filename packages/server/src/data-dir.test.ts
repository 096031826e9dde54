// Issue 12, part 4: the relay's secrets on disk. relay.db holds every queue's
// DH secret and relay-identity.key the relay's static secret, unencrypted, so
// they are 0600 whatever the umask and however the data directory was made.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createQueue, utf8 } from '@graphchat/core';
import { ConfigError } from './config.js';
import { IDENTITY_FILE } from './identity.js';
import type { Logger } from './log.js';
import { connect, crypto, startTestRelay, tempDir } from './test-support/harness.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const FILES = [IDENTITY_FILE, 'relay.db', 'relay.db-wal', 'relay.db-shm'];

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  return { warnings, error: ignore, warn: (m) => warnings.push(m), info: ignore, debug: ignore };
}

/** A data directory made with mkdir under `mode` before the relay first starts, as a mounted volume is. */
function existingDir(mode: number): string {
  const dir = join(tempDir(), 'data');
  mkdirSync(dir);
  chmodSync(dir, mode);
  return dir;
}

describe('data directory and file modes', () => {
  let umask: number;
  before(() => {
    umask = process.umask(0o022);
  });
  after(() => {
    process.umask(umask);
  });

  it('with umask 022 in an existing 0755 directory, the key and the store files are 0600, and the relay warns', async () => {
    const dataDir = existingDir(0o755);
    const log = recordingLog();
    const relay = await startTestRelay({ dataDir }, { log });
    try {
      // A queue and a message, so the WAL and its index exist and hold data.
      const client = await connect(relay.address);
      const q = await createQueue(client, crypto);
      assert.deepEqual(await client.command(q.senderId, { type: 'SEND', body: utf8('hi') }, null), { type: 'OK' });
      client.close();
      for (const name of FILES) assert.equal(modeOf(join(dataDir, name)).toString(8), '600', name);
      assert.equal(modeOf(dataDir).toString(8), '755', 'the directory itself is left as the operator made it');
      assert.equal(log.warnings.length, 1, log.warnings.join('\n'));
      assert.match(log.warnings[0]!, /mode 0755.*chmod 700/);
    } finally {
      await relay.close();
    }
  });

  it('a directory the relay creates is 0700, and nothing is logged', async () => {
    const dataDir = join(tempDir(), 'new', 'data');
    const log = recordingLog();
    const relay = await startTestRelay({ dataDir }, { log });
    await relay.close();
    assert.equal(modeOf(dataDir).toString(8), '700');
    assert.deepEqual(log.warnings, []);
  });

  it('refuses a directory that group or others can write, unless allowOpenDataDir; then warns and keeps the files 0600', async () => {
    const dataDir = existingDir(0o777);
    await assert.rejects(startTestRelay({ dataDir }, { log: recordingLog() }), (e: Error) => e instanceof ConfigError && /allow-open-data-dir/.test(e.message));
    const log = recordingLog();
    const relay = await startTestRelay({ dataDir, allowOpenDataDir: true }, { log });
    await relay.close();
    assert.match(log.warnings.join('\n'), /mode 0777.*replace them/);
    for (const name of [IDENTITY_FILE, 'relay.db']) assert.equal(modeOf(join(dataDir, name)).toString(8), '600', name);
  });

  it('files an older relay left 0644 become 0600 at start', async () => {
    const dataDir = existingDir(0o700);
    const first = await startTestRelay({ dataDir }, { log: recordingLog() });
    await first.close();
    for (const name of [IDENTITY_FILE, 'relay.db']) chmodSync(join(dataDir, name), 0o644);
    writeFileSync(join(dataDir, 'unrelated.txt'), 'left alone');
    const relay = await startTestRelay({ dataDir }, { log: recordingLog() });
    try {
      for (const name of FILES) assert.equal(modeOf(join(dataDir, name)).toString(8), '600', name);
      assert.equal(modeOf(join(dataDir, 'unrelated.txt')).toString(8), '644');
    } finally {
      await relay.close();
    }
  });
});
