// The encrypted SQLite store: the file (reopen, passphrase, existence and
// corruption errors, nothing readable at rest, crash and exclusive use), and
// the AgentStore contract.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EnvelopeSigningSecret } from '@graphchat/client';
import { connection, describeStoreContract, message, outboxItem, profile } from '@graphchat/client/test-support';
import { toBase64url, toHex } from '@graphchat/core';
import type { Argon2idParams } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import Database from 'better-sqlite3-multiple-ciphers';
import { openSqliteStore, StoreError } from './sqlite-store.js';
import type { StoreErrorCode } from './sqlite-store.js';
import { createStoreKey, DEFAULT_KDF_PARAMS, kdfPath } from './store-key.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'graphchat-sqlite-'));
  dirs.push(dir);
  return { dir, path: join(dir, 'store.db') };
}

const PASS = 'the right passphrase';

/** A cheap key derivation, so tests do not pay the production Argon2id cost. */
const FAST_KDF: Argon2idParams = { iterations: 1, memoryKiB: 8 };

const storeError = (code: StoreErrorCode) => (error: unknown) => {
  assert.ok(error instanceof StoreError, String(error));
  assert.equal(error.code, code, error.message);
  return true;
};

/** Every file of `dir` with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

describe('SqliteAgentStore file', () => {
  it('keeps everything across close and reopen, and continues outbox ids', () => {
    const { path } = tempPath();
    const store = openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF });
    store.transaction(() => {
      store.setMeta('k', 'v');
      store.putProfile(profile('p1'));
      store.putConnection(connection('c1', 'p1'));
      store.putMessage(message('m2', 'c1', { seq: 2 }));
      store.putMessage(message('m1', 'c1', { seq: 1 }));
      store.putHeld('c1', 9, new Uint8Array([9]));
    });
    const item = store.addOutbox(outboxItem('c1'));
    store.close();
    store.close();

    const again = openSqliteStore(path, PASS, { create: false });
    assert.equal(again.getMeta('k'), 'v');
    assert.deepEqual(again.listProfiles(), [profile('p1')]);
    assert.deepEqual(again.getConnection('c1'), connection('c1', 'p1'));
    assert.deepEqual(
      again.listMessages('c1').map((m) => m.id),
      ['m2', 'm1'],
    );
    assert.deepEqual(again.listOutbox(), [item]);
    assert.ok(again.addOutbox(outboxItem('c1')).id > item.id);
    assert.deepEqual(again.takeHeld('c1', 9), new Uint8Array([9]));
    again.close();
  });

  it('refuses a wrong passphrase with WRONG_PASSPHRASE and leaves every file unchanged', () => {
    const { dir, path } = tempPath();
    const store = openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF });
    store.putProfile(profile('p1'));
    store.close();
    const before = snapshot(dir);
    assert.throws(() => openSqliteStore(path, 'the wrong passphrase', { create: false }), storeError('WRONG_PASSPHRASE'));
    assert.throws(() => openSqliteStore(path, '', { create: false }), storeError('WRONG_PASSPHRASE'));
    assert.deepEqual(snapshot(dir), before);
    const again = openSqliteStore(path, PASS, { create: false });
    assert.deepEqual(again.listProfiles(), [profile('p1')]);
    again.close();
  });

  it('says NOT_INITIALIZED when there is no store, ALREADY_INITIALIZED when creating over one', () => {
    const { dir, path } = tempPath();
    assert.throws(() => openSqliteStore(path, PASS, { create: false }), storeError('NOT_INITIALIZED'));
    assert.deepEqual(readdirSync(dir), []);
    openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF }).close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(kdfPath(path)).mode & 0o777, 0o600);
    const before = snapshot(dir);
    assert.throws(() => openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF }), storeError('ALREADY_INITIALIZED'));
    assert.throws(() => openSqliteStore(path, 'other', { create: true, kdf: FAST_KDF }), storeError('ALREADY_INITIALIZED'));
    assert.deepEqual(snapshot(dir), before);
  });

  it('an init that loses a race (the key file appeared meanwhile) is ALREADY_INITIALIZED and leaves that key file alone', () => {
    const { dir, path } = tempPath();
    writeFileSync(kdfPath(path), 'the winner of the race\n');
    assert.throws(() => openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF }), storeError('ALREADY_INITIALIZED'));
    assert.equal(readFileSync(kdfPath(path), 'utf8'), 'the winner of the race\n');
    assert.deepEqual(readdirSync(dir), [basename(kdfPath(path))], 'no database, no temporary file');
  });

  it('says CORRUPT when the store cannot be written', () => {
    const { dir } = tempPath();
    assert.throws(() => openSqliteStore(join(dir, 'missing', 'store.db'), PASS, { create: true, kdf: FAST_KDF }), storeError('CORRUPT'));
  });

  it('says CORRUPT for a missing or foreign key file, or a damaged database', () => {
    const a = tempPath();
    const b = tempPath();
    openSqliteStore(a.path, PASS, { create: true, kdf: FAST_KDF }).close();
    openSqliteStore(b.path, PASS, { create: true, kdf: FAST_KDF }).close();

    // b's key file next to a's database: the passphrase is right for the key file, not for the database.
    const aKdf = readFileSync(kdfPath(a.path));
    writeFileSync(kdfPath(a.path), readFileSync(kdfPath(b.path)));
    assert.throws(() => openSqliteStore(a.path, PASS, { create: false }), storeError('CORRUPT'));
    rmSync(kdfPath(a.path));
    assert.throws(() => openSqliteStore(a.path, PASS, { create: false }), storeError('CORRUPT'));
    writeFileSync(kdfPath(a.path), '{"format":"something else"}');
    assert.throws(() => openSqliteStore(a.path, PASS, { create: false }), storeError('CORRUPT'));
    writeFileSync(kdfPath(a.path), aKdf);
    openSqliteStore(a.path, PASS, { create: false }).close();

    // Flip bytes of the first page (past the 16-byte plaintext salt): its authentication fails.
    const bytes = readFileSync(a.path);
    for (let i = 100; i < 200; i++) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(a.path, bytes);
    assert.throws(() => openSqliteStore(a.path, PASS, { create: false }), storeError('CORRUPT'));
  });

  it('keeps no plaintext in any file, open or closed', () => {
    const { dir, path } = tempPath();
    const secrets = ['Zebulon Quartermaine', 'rendezvous at the lighthouse 4471', 'p-zebulon', 'relay.example', 'SQLite format 3'];
    const keyBytes = new Uint8Array(64).fill(0xab);
    const store = openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF });
    store.putProfile(profile('p-zebulon', 'Zebulon Quartermaine'));
    store.putConnection(connection('c1', 'p-zebulon', { signingSecretKey: keyBytes as EnvelopeSigningSecret }));
    for (let i = 0; i < 50; i++) store.putMessage(message(`m${i}`, 'c1', { text: 'rendezvous at the lighthouse 4471' }));
    store.putHeld('c1', 3, keyBytes);

    const check = (when: string) => {
      const files = snapshot(dir);
      assert.ok(files.size >= 2, `${when}: ${[...files.keys()].join(', ')}`);
      for (const [name, bytes] of files) {
        if (name.endsWith('.kdf')) continue; // salt and parameters only, plain by design
        for (const secret of [...secrets, toBase64url(keyBytes)]) {
          assert.equal(bytes.indexOf(secret), -1, `${when}: ${name} contains "${secret}"`);
        }
        assert.equal(bytes.indexOf(Buffer.from(keyBytes)), -1, `${when}: ${name} contains the raw key bytes`);
      }
    };
    assert.ok(readdirSync(dir).includes('store.db-wal'));
    check('while open (with WAL)');
    store.close();
    check('after close');
    const kdf = readFileSync(kdfPath(path), 'utf8');
    for (const secret of secrets) assert.ok(!kdf.includes(secret));
  });

  it('derives the key with the default Argon2id cost unless told otherwise', () => {
    const { path } = tempPath();
    const started = performance.now();
    openSqliteStore(path, PASS, { create: true }).close();
    const elapsed = performance.now() - started;
    const kdf = JSON.parse(readFileSync(kdfPath(path), 'utf8')) as Record<string, unknown>;
    assert.equal(kdf.iterations, DEFAULT_KDF_PARAMS.iterations);
    assert.equal(kdf.memoryKiB, DEFAULT_KDF_PARAMS.memoryKiB);
    assert.equal(kdf.kdf, 'argon2id');
    assert.ok(elapsed < 10_000, `${elapsed} ms`);
    openSqliteStore(path, PASS, { create: false }).close();
  });

  it('rolls back a transaction whose function returns a promise', () => {
    const { path } = tempPath();
    const store = openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF });
    assert.throws(
      () =>
        store.transaction(() => {
          store.setMeta('k', 'v');
          return Promise.resolve();
        }),
      TypeError,
    );
    assert.equal(store.getMeta('k'), null);
    store.close();
  });

  it('survives kill -9 in a stream of transactions with a prefix of them', async () => {
    const { path } = tempPath();
    openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF }).close();
    const writer = fileURLToPath(new URL('../test-support/store-writer.js', import.meta.url));
    const child = spawn(process.execPath, [writer, path, PASS], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let reported = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writer reported only ${reported} within 20 s`)), 20_000);
      let buffered = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) reported = Math.max(reported, Number(line));
        if (reported >= 500) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`writer exited early after ${reported}`)));
    }).finally(() => child.kill('SIGKILL'));
    assert.equal(await exited, 'SIGKILL');

    const store = openSqliteStore(path, PASS, { create: false });
    const count = Number(store.getMeta('count'));
    const messages = store.listMessages('c1');
    assert.ok(count >= reported, `count ${count} < reported ${reported}: a reported commit was lost`);
    assert.equal(messages.length, count);
    assert.deepEqual(
      messages.map((m) => m.id),
      Array.from({ length: count }, (_, i) => `m${i + 1}`),
    );
    // The database is whole, and writable again.
    const db = store as unknown as { db: { pragma(sql: string, options: { simple: true }): unknown } };
    assert.equal(db.db.pragma('integrity_check', { simple: true }), 'ok');
    store.transaction(() => store.setMeta('count', String(count + 1)));
    store.close();
  });

  it('is used by one process at a time: IN_USE while another holds it, free again once it exits or is killed', async () => {
    const { path } = tempPath();
    openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF }).close();
    const holder = fileURLToPath(new URL('../test-support/store-holder.js', import.meta.url));
    const hold = async () => {
      const child = spawn(process.execPath, [holder, path, PASS], { stdio: ['pipe', 'pipe', 'inherit'] });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8');
        child.stdout.once('data', (chunk: string) => (chunk === 'open\n' ? resolve() : reject(new Error(chunk))));
        child.once('exit', (code) => reject(new Error(`holder exited (${code}) before opening the store`)));
      });
      return { child, exited };
    };

    // Ends on its own (closes the store).
    const first = await hold();
    const started = performance.now();
    assert.throws(() => openSqliteStore(path, PASS, { create: false }), (error: unknown) => {
      storeError('IN_USE')(error);
      assert.match((error as Error).message, /another graphchat process is using/);
      return true;
    });
    // It waited for the lock (busy timeout) before giving up, and not for long.
    const waited = performance.now() - started;
    assert.ok(waited >= 1000 && waited < 5000, `${waited} ms`);
    first.child.stdin.end();
    assert.deepEqual(await first.exited, { code: 0, signal: null });
    const store = openSqliteStore(path, PASS, { create: false });
    assert.equal(store.getMeta('holder'), String(first.child.pid));
    // And while this process has it, the next opener (here: in this process too) is refused.
    assert.throws(() => openSqliteStore(path, PASS, { create: false }), storeError('IN_USE'));
    store.close();

    // Killed: the OS drops the lock.
    const second = await hold();
    assert.throws(() => openSqliteStore(path, PASS, { create: false }), storeError('IN_USE'));
    second.child.kill('SIGKILL');
    assert.equal((await second.exited).signal, 'SIGKILL');
    const again = openSqliteStore(path, PASS, { create: false });
    assert.equal(again.getMeta('holder'), String(second.child.pid));
    again.close();
  });

  it('opens a store made before the cipher was recorded (ChaCha20-Poly1305, key file without "cipher")', () => {
    const { path } = tempPath();
    // The old way: the key file as it was written then, the database keyed with 'chacha20'.
    const key = createStoreKey(sodiumCrypto, path, PASS, FAST_KDF);
    const { cipher, ...oldKdf } = JSON.parse(readFileSync(kdfPath(path), 'utf8')) as Record<string, unknown>;
    assert.equal(cipher, 'aegis-256');
    writeFileSync(kdfPath(path), `${JSON.stringify(oldKdf, null, 2)}\n`);
    const old = new Database(path);
    old.pragma(`cipher = 'chacha20'`);
    old.pragma(`key = 'raw:${toHex(key)}'`);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('k', 'old');`);
    old.close();

    const store = openSqliteStore(path, PASS, { create: false });
    assert.equal(store.getMeta('k'), 'old');
    store.putProfile(profile('p1'));
    store.close();
    const again = openSqliteStore(path, PASS, { create: false });
    assert.deepEqual(again.listProfiles(), [profile('p1')]);
    again.close();
    // Still ChaCha20: the key file is unchanged, and the database does not open as AEGIS-256.
    assert.equal(JSON.parse(readFileSync(kdfPath(path), 'utf8')).cipher, undefined);
    writeFileSync(kdfPath(path), JSON.stringify({ ...oldKdf, cipher: 'aegis-256' }));
    assert.throws(() => openSqliteStore(path, PASS, { create: false }), storeError('CORRUPT'));
  });

  it('records the cipher in the key file of a new store, and refuses one it does not know', () => {
    const { path } = tempPath();
    openSqliteStore(path, PASS, { create: true, kdf: FAST_KDF }).close();
    const kdf = JSON.parse(readFileSync(kdfPath(path), 'utf8')) as Record<string, unknown>;
    assert.equal(kdf.cipher, 'aegis-256');
    writeFileSync(kdfPath(path), JSON.stringify({ ...kdf, cipher: 'rot13' }));
    assert.throws(() => openSqliteStore(path, PASS, { create: false }), storeError('CORRUPT'));
  });
});

// The AgentStore contract; each store in a file of its own, reopened from that file.
let contractPath = '';
describeStoreContract('SqliteAgentStore', {
  open: () => {
    contractPath = tempPath().path;
    return openSqliteStore(contractPath, 'contract passphrase', { create: true, kdf: FAST_KDF });
  },
  reopen: () => openSqliteStore(contractPath, 'contract passphrase', { create: false }),
});
