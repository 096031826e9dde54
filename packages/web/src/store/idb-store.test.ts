// The encrypted IndexedDB store (over fake-indexeddb): create, reopen,
// passphrase and existence errors, rollback, write failures, nothing
// readable at rest, and the AgentStore contract.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EnvelopeSigningSecret } from '@graphchat/client';
import { connection, describeStoreContract, message, outboxItem, profile, queued, snapshot } from '@graphchat/client/test-support';
import { nobleCrypto, toBase64url, utf8 } from '@graphchat/core';
import type { Argon2idParams } from '@graphchat/core';
import { IDBDatabase as FakeIDBDatabase, IDBFactory } from 'fake-indexeddb';
import { browserStoreExists, BrowserStore, BrowserStoreError, openBrowserStore } from './idb-store.js';

const FAST_KDF: Argon2idParams = { iterations: 1, memoryKiB: 8 };
const PASSPHRASE = 'correct horse battery staple';
const NAME = 'graphchat';

function open(indexedDB: IDBFactory, create: boolean, passphrase = PASSPHRASE): Promise<BrowserStore> {
  return openBrowserStore({ name: NAME, passphrase, create, crypto: nobleCrypto, kdf: FAST_KDF, indexedDB });
}

// ---- what IndexedDB holds ----

/** Every key and value in the database, through a connection of its own. */
async function rawRecords(indexedDB: IDBFactory): Promise<{ keys: string[]; values: unknown[] }> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(NAME);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const store = db.transaction('records').objectStore('records');
  const keys = store.getAllKeys();
  const values = store.getAll();
  await new Promise((resolve) => (store.transaction.oncomplete = resolve));
  db.close();
  return { keys: keys.result.map(String), values: values.result };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** A stored value as bytes: sealed records are bytes already; the plain header is shown as JSON, its salt as numbers. */
function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return utf8(JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
}

const storageCode = (code: string) => (error: unknown) => error instanceof BrowserStoreError && error.code === code;

// ---- tests ----

describe('BrowserStore', () => {
  it('creates a store, writes in transactions, and after flush and reopen has everything back', async () => {
    const indexedDB = new IDBFactory();
    assert.equal(await browserStoreExists(NAME, indexedDB), false);
    const store = await open(indexedDB, true);
    assert.equal(await browserStoreExists(NAME, indexedDB), true);
    let ids: number[] = [];
    store.transaction(() => {
      store.setMeta('k', 'v');
      store.setMeta('web/read/c1', '7');
      store.putProfile(profile('p2'));
      store.putProfile(profile('p1'));
      store.putConnection(connection('c2', 'p1'));
      store.putConnection(connection('c1', 'p2'));
    });
    store.transaction(() => {
      // Ids out of alphabetical order: the list keeps the order first stored.
      for (const [i, id] of ['m3', 'm1', 'b', 'm2'].entries()) store.putMessage(message(id, 'c1', { seq: i + 1 }));
      store.putMessage(message('r1', 'c1', { direction: 'received', status: 'received', seq: 1 }));
      store.putMessage(queued('q2', 'c1'));
      store.putMessage(queued('q1', 'c1'));
      store.putMessage(message('x', 'c2'));
      ids = [store.addOutbox(outboxItem('c1')).id, store.addOutbox(outboxItem('c2', { senderSecretKey: null })).id, store.addOutbox(outboxItem('c1')).id];
      store.putHeld('c1', 5, new Uint8Array([5]));
      store.putHeld('c1', 7, new Uint8Array([7, 7]));
    });
    store.transaction(() => {
      store.putMessage(message('m1', 'c1', { seq: 2, status: 'delivered' }));
      store.putProfile(profile('p2', 'Renamed'));
      store.deleteOutbox(ids[2]!); // The highest id: reopened, the next id must still be above it.
      store.updateOutbox({ ...outboxItem('c1', { relay: 'emp://fp@other.example' }), id: ids[0]! });
      assert.deepEqual(store.takeHeld('c1', 5), new Uint8Array([5]));
    });
    // Outside a transaction, a write is a transaction of its own.
    store.setMeta('other', 'outside');
    const before = snapshot(store);
    await store.flush();
    store.close();

    const reopened = await open(indexedDB, false);
    assert.deepEqual(snapshot(reopened), before);
    assert.deepEqual(
      reopened.listMessages('c1').map((m) => m.id),
      ['m3', 'm1', 'b', 'm2', 'r1', 'q2', 'q1'],
    );
    assert.deepEqual(
      reopened.listUnencrypted('c1').map((m) => m.id),
      ['q2', 'q1'],
    );
    assert.equal(reopened.findMessageBySeq('c1', 'received', 1)?.id, 'r1');
    assert.equal(reopened.getMessage('m1')?.status, 'delivered');
    assert.deepEqual(
      reopened.listProfiles().map((p) => p.profile.displayName),
      ['Renamed', 'name of p1'],
    );
    assert.deepEqual(reopened.getConnection('c2'), connection('c2', 'p1'));
    assert.deepEqual(reopened.takeHeld('c1', 7), new Uint8Array([7, 7]));
    assert.equal(reopened.countHeld('c1'), 0);
    const next = reopened.addOutbox(outboxItem('c3'));
    assert.equal(next.id, ids[2]! + 1, 'outbox ids continue after the highest ever given');
    reopened.close();
  });

  it('keeps what was committed when closed without a flush', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, true);
    for (let i = 0; i < 20; i++) store.transaction(() => store.putMessage(message(`m${i}`, 'c1', { seq: i + 1 })));
    store.close();
    assert.throws(() => store.transaction(() => 1), /closed/);
    const reopened = await open(indexedDB, false);
    assert.equal(reopened.listMessages('c1').length, 20);
    reopened.close();
  });

  it('tells a wrong passphrase, an existing store and a missing one apart', async () => {
    const indexedDB = new IDBFactory();
    await assert.rejects(open(indexedDB, false), storageCode('NOT_INITIALIZED'));
    assert.equal(await browserStoreExists(NAME, indexedDB), false, 'looking did not create it');
    const store = await open(indexedDB, true);
    store.transaction(() => store.setMeta('k', 'kept'));
    await store.flush();
    store.close();
    await assert.rejects(open(indexedDB, true, 'another passphrase'), storageCode('ALREADY_EXISTS'));
    await assert.rejects(open(indexedDB, false, 'wrong passphrase'), storageCode('WRONG_PASSPHRASE'));
    const reopened = await open(indexedDB, false);
    assert.equal(reopened.getMeta('k'), 'kept', 'the refused create changed nothing');
    reopened.close();
  });

  it('a transaction that throws leaves nothing in memory nor on disk', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, true);
    store.transaction(() => {
      store.setMeta('k', 'before');
      store.putProfile(profile('p1'));
      store.putConnection(connection('c1', 'p1'));
      store.putMessage(message('m1', 'c1'));
      store.addOutbox(outboxItem('c1'));
      store.putHeld('c1', 1, new Uint8Array([1]));
    });
    await store.flush();
    const before = snapshot(store);
    const raw = await rawRecords(indexedDB);
    const boom = new Error('boom');
    assert.throws(
      () =>
        store.transaction(() => {
          store.setMeta('k', 'after');
          store.setMeta('other', 'new');
          store.putProfile(profile('p1', 'Changed'));
          store.putProfile(profile('p2'));
          store.putConnection(connection('c1', 'p2', { lastSentSeq: 9 }));
          store.putMessage(message('m1', 'c2', { status: 'delivered' }));
          store.putMessage(message('m2', 'c1'));
          store.addOutbox(outboxItem('c1'));
          store.deleteOutbox(1);
          store.putHeld('c1', 2, new Uint8Array([2]));
          assert.deepEqual(store.takeHeld('c1', 1), new Uint8Array([1]));
          throw boom;
        }),
      (error) => error === boom,
    );
    assert.deepEqual(snapshot(store), before);
    await store.flush();
    assert.deepEqual((await rawRecords(indexedDB)).keys, raw.keys);
    // The store goes on, numbering outbox items as if the failed transaction never was.
    assert.equal(store.addOutbox(outboxItem('c1')).id, 2);
    store.close();
    const reopened = await open(indexedDB, false);
    assert.equal(reopened.getMeta('k'), 'before');
    assert.equal(reopened.getMeta('other'), null);
    assert.deepEqual(
      reopened.listOutbox().map((o) => o.id),
      [1, 2],
    );
    reopened.close();
  });

  it('flush resolves once the writes of every earlier commit are complete; commits made meanwhile share a write', async (t) => {
    const store = await open(new IDBFactory(), true);
    const log: string[] = [];
    const proto = FakeIDBDatabase.prototype as { transaction: (...args: unknown[]) => IDBTransaction };
    const original = proto.transaction;
    t.after(() => void (proto.transaction = original));
    proto.transaction = function (this: unknown, ...args: unknown[]) {
      const transaction = original.apply(this, args);
      if (args[1] === 'readwrite') transaction.addEventListener('complete', () => log.push('write complete'));
      return transaction;
    };
    for (let i = 0; i < 3; i++) store.transaction(() => store.setMeta('k', String(i)));
    await store.flush();
    log.push('flushed');
    // The first commit is written at once, the two made while it ran go together after it.
    assert.deepEqual(log, ['write complete', 'write complete', 'flushed']);
    await store.flush();
    store.close();
  });

  it('refuses a nested transaction', async () => {
    const store = await open(new IDBFactory(), true);
    assert.throws(() => store.transaction(() => store.transaction(() => 1)), /nest/);
    store.transaction(() => store.setMeta('still', 'works'));
    assert.equal(store.getMeta('still'), 'works');
    store.close();
  });

  it('after a failed write, flush rejects with STORAGE and transactions are refused', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, true);
    store.transaction(() => store.setMeta('k', 'v'));
    await store.flush();
    // Another tab deletes the database: the store gives way, and its next write fails.
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(NAME);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    store.transaction(() => store.setMeta('k', 'lost'));
    await assert.rejects(store.flush(), storageCode('STORAGE'));
    assert.throws(() => store.transaction(() => store.setMeta('k', 'refused')), storageCode('STORAGE'));
    assert.throws(() => store.setMeta('k', 'refused'), storageCode('STORAGE'));
    await assert.rejects(store.flush(), storageCode('STORAGE'));
    store.close();
  });

  it('stores nothing readable: no text, name, meta value or key bytes in any key or value', async () => {
    const indexedDB = new IDBFactory();
    const store = await open(indexedDB, true);
    const secretKey = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    const heldPlaintext = utf8('held envelope plaintext, sealed');
    store.transaction(() => {
      store.putProfile(profile('p1', 'Zebediah Quux'));
      store.putConnection(connection('c1', 'p1', { peerProfile: { displayName: 'Peer Xylophone' }, signingSecretKey: secretKey as EnvelopeSigningSecret }));
      store.putMessage(message('m1', 'c1', { text: 'meet me at the old mill at midnight' }));
      store.setMeta('k', 'meta value that is private');
      store.setMeta('joined 6c696e6b2068617368', 'c1'); // The agent names meta keys after invitations it used.
      store.setMeta('web/read/c1', '1');
      store.addOutbox(outboxItem('c1', { body: utf8('outbox body in the clear') }));
      store.putHeld('c1', 9, heldPlaintext);
    });
    await store.flush();
    store.close();
    const { keys, values } = await rawRecords(indexedDB);
    assert.equal(values.length, 11, 'header, check and nine records');
    const secrets = ['Zebediah', 'Xylophone', 'old mill', 'private', 'outbox body', 'held envelope', PASSPHRASE, 'emp://', 'joined', '6c696e6b', 'web/read'].map(utf8);
    secrets.push(secretKey.subarray(0, 16), utf8(toBase64url(secretKey).slice(0, 16)), heldPlaintext, utf8(toBase64url(heldPlaintext).slice(0, 16)));
    for (const [i, value] of values.entries()) {
      const stored = asBytes(value);
      for (const secret of secrets) assert.ok(!contains(stored, secret), `${keys[i]} holds ${new TextDecoder().decode(secret)}`);
    }
    for (const key of keys) for (const secret of secrets) assert.ok(!contains(utf8(key), secret), `the key ${key} is readable`);
  });
});

// ---- the AgentStore contract ----

let contractDatabases = new IDBFactory();
describeStoreContract('BrowserStore', {
  open: () => open((contractDatabases = new IDBFactory()), true),
  reopen: () => open(contractDatabases, false),
});
