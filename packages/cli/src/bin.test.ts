import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/graphchat.js', import.meta.url));
const HOLDER = fileURLToPath(new URL('./test-support/store-holder.js', import.meta.url));

function graphchat(args: string[], env: Record<string, string> = {}) {
  const { GRAPHCHAT_PASSPHRASE: _p, GRAPHCHAT_DIR: _d, ...inherited } = process.env;
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the graphchat command (process)', () => {
  it('--version exits 0', () => {
    const result = graphchat(['--version']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^graphchat \d+\.\d+\.\d+\n$/);
  });

  it('a usage error exits 2 with one line on stderr and the JSON error on stdout', () => {
    const result = graphchat(['--json', 'fly']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'graphchat: unknown command "fly" (see graphchat --help)\n');
    assert.deepEqual(JSON.parse(result.stdout), { error: 'USAGE', message: 'unknown command "fly" (see graphchat --help)' });
  });

  it('no database: exit 1, NOT_INITIALIZED, nothing created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-bin-'));
    try {
      const state = join(dir, 'state');
      const result = graphchat(['--json', '--dir', state, 'contacts'], { GRAPHCHAT_PASSPHRASE: 'pw' });
      assert.equal(result.status, 1);
      assert.equal((JSON.parse(result.stdout) as { error: string }).error, 'NOT_INITIALIZED');
      assert.equal(result.stderr.split('\n').length, 2);
      assert.match(result.stderr, /^graphchat: no database in .*state: run "graphchat init/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no passphrase without a terminal: exit 1, NO_PASSPHRASE', () => {
    const result = graphchat(['--json', '--dir', '/nonexistent', 'contacts']);
    assert.equal(result.status, 1);
    assert.equal((JSON.parse(result.stdout) as { error: string }).error, 'NO_PASSPHRASE');
  });

  it('a second process on the same directory: exit 1, IN_USE, until the first one ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-bin-'));
    const env = { GRAPHCHAT_PASSPHRASE: 'pw', GRAPHCHAT_KDF: 'fast' };
    try {
      const state = join(dir, 'state');
      assert.equal(graphchat(['--dir', state, 'init', '--name', 'a', '--server', `emp://${'A'.repeat(43)}@127.0.0.1:1`], env).status, 0);
      // Another process holding the store, as a running `graphchat sync` or `chat` would.
      const holder = spawn(process.execPath, [HOLDER, join(state, 'graphchat.db'), 'pw'], { stdio: ['pipe', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      try {
        await new Promise((resolve, reject) => {
          holder.stdout.once('data', resolve);
          holder.once('exit', reject);
        });
        const busy = graphchat(['--json', '--dir', state, 'contacts'], env);
        assert.equal(busy.status, 1);
        assert.deepEqual(JSON.parse(busy.stdout), {
          error: 'IN_USE',
          message: `another graphchat process is using ${state} (only one at a time: wait for it to finish)`,
        });
        assert.equal(busy.stderr, `graphchat: another graphchat process is using ${state} (only one at a time: wait for it to finish)\n`);
      } finally {
        holder.kill('SIGKILL');
        await exited;
      }
      assert.equal(graphchat(['--json', '--dir', state, 'contacts'], env).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
