/**
 * The web client's AgentStore: every record in memory, encrypted at rest in
 * IndexedDB under a key from the user's passphrase.
 *
 * AgentStore is synchronous and IndexedDB is not, so the records are read
 * and decrypted once, at open, and transactions run in memory
 * (memory-tables.ts); each committed transaction's changed records are then
 * sealed and written behind in one IndexedDB transaction (write-behind.ts).
 * `flush()` says when that has happened: the agent awaits it before telling
 * a relay anything a transaction decided (an ACK, a SEND).
 *
 * At rest: a plain header (salt and Argon2id cost), a check record, and
 * records sealed with XChaCha20-Poly1305 under their keys (record-cipher.ts,
 * record-keys.ts). IndexedDB shows how many records of each kind there are
 * and their sizes, nothing else.
 */
import type {
  AgentStore,
  ConnectionRecord,
  MessageDirection,
  MessageRecord,
  OutboxRecord,
  ProfileRecord,
} from '@graphchat/client';
import type { Argon2idParams, Crypto } from '@graphchat/core';
import { BrowserStoreError } from './errors.js';
import { createDatabase, idbFactory, openExisting, readAll, writeBatch } from './idb.js';
import { MemoryTables } from './memory-tables.js';
import type { RecordCipher } from './record-cipher.js';
import { CHECK_KEY, HEADER_KEY } from './record-keys.js';
import { DEFAULT_BROWSER_KDF, deriveCipher, newHeader, readHeader, sealCheck, verifyCheck, type StoreHeader } from './store-key.js';
import { WriteBehind, type WriteBatch } from './write-behind.js';

export { BrowserStoreError } from './errors.js';
export type { BrowserStoreErrorCode } from './errors.js';
export { DEFAULT_BROWSER_KDF } from './store-key.js';

export interface BrowserStoreOptions {
  /** The IndexedDB database name. */
  readonly name: string;
  readonly passphrase: string;
  /** Create a new store (ALREADY_EXISTS if there is one) instead of opening one (NOT_INITIALIZED if there is none). */
  readonly create: boolean;
  /** For the key derivation and the record cipher: nobleCrypto in a browser. */
  readonly crypto: Crypto;
  /** Argon2id cost for a new store (default DEFAULT_BROWSER_KDF); an existing one keeps its own. */
  readonly kdf?: Argon2idParams;
  /** Default: the browser's `indexedDB`. */
  readonly indexedDB?: IDBFactory;
}

/** Opens or creates a store; rejects with BrowserStoreError. */
export async function openBrowserStore(options: BrowserStoreOptions): Promise<BrowserStore> {
  const factory = idbFactory(options.indexedDB);
  return options.create ? createStore(factory, options) : openStore(factory, options);
}

/** Whether a store of this name exists, so that a page can ask to unlock it or to create one. */
export async function browserStoreExists(name: string, indexedDB?: IDBFactory): Promise<boolean> {
  const db = await openExisting(idbFactory(indexedDB), name);
  db?.close();
  return db !== null;
}

async function createStore(factory: IDBFactory, options: BrowserStoreOptions): Promise<BrowserStore> {
  const header = newHeader(options.crypto, options.kdf ?? DEFAULT_BROWSER_KDF);
  const cipher = deriveCipher(options.crypto, options.passphrase, header);
  let db: IDBDatabase | null;
  try {
    db = await createDatabase(factory, options.name, new Map<string, unknown>([[HEADER_KEY, header], [CHECK_KEY, sealCheck(cipher)]]));
  } catch (error) {
    cipher.wipe();
    throw error;
  }
  if (db === null) {
    cipher.wipe();
    throw new BrowserStoreError('ALREADY_EXISTS', `a store named ${options.name} exists already`);
  }
  return new BrowserStore(db, cipher, new MemoryTables((key) => cipher.metaName(key)));
}

async function openStore(factory: IDBFactory, options: BrowserStoreOptions): Promise<BrowserStore> {
  const db = await openExisting(factory, options.name);
  if (db === null) throw new BrowserStoreError('NOT_INITIALIZED', `no store named ${options.name}`);
  try {
    const { cipher, tables } = unlock(new Map(await readAll(db)), options);
    return new BrowserStore(db, cipher, tables);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Derives the key the header and passphrase give, checks it, and decrypts every record. */
function unlock(stored: Map<string, unknown>, options: BrowserStoreOptions): { cipher: RecordCipher; tables: MemoryTables } {
  const cipher = deriveStoredCipher(readHeader(stored.get(HEADER_KEY)), options);
  try {
    verifyCheck(cipher, stored.get(CHECK_KEY));
    stored.delete(HEADER_KEY);
    stored.delete(CHECK_KEY);
    const rows: [string, unknown][] = [];
    for (const [key, sealed] of stored) {
      const row = cipher.openRecord(key, sealed);
      if (row === undefined) throw new BrowserStoreError('CORRUPT', `the record ${key} does not decrypt`);
      rows.push([key, row]);
    }
    return { cipher, tables: MemoryTables.load(rows, (key) => cipher.metaName(key)) };
  } catch (error) {
    cipher.wipe();
    if (error instanceof BrowserStoreError) throw error;
    // The passphrase is right, so what does not decode was damaged or not written by this store.
    throw new BrowserStoreError('CORRUPT', `the store does not load: ${(error as Error).message}`, { cause: error });
  }
}

function deriveStoredCipher(header: StoreHeader, options: BrowserStoreOptions): RecordCipher {
  try {
    return deriveCipher(options.crypto, options.passphrase, header);
  } catch (cause) {
    throw new BrowserStoreError('CORRUPT', 'the store header holds invalid key derivation parameters', { cause });
  }
}

export class BrowserStore implements AgentStore {
  private readonly writer: WriteBehind;
  private inTransaction = false;
  private closed = false;

  /** Use openBrowserStore. */
  constructor(
    private readonly db: IDBDatabase,
    private readonly cipher: RecordCipher,
    private readonly tables: MemoryTables,
  ) {
    this.writer = new WriteBehind((batch) => writeBatch(db, batch));
  }

  transaction<T>(fn: () => T): T {
    if (this.inTransaction) throw new Error('transactions do not nest');
    if (this.closed) throw new Error('the store is closed');
    const failure = this.writer.failed;
    if (failure !== null) {
      // Memory holds commits that never reached IndexedDB: going on would build on state the next open won't have.
      throw new BrowserStoreError('STORAGE', `the store no longer writes: ${failure.message}`, { cause: failure });
    }
    this.inTransaction = true;
    this.tables.begin();
    try {
      const result = fn();
      // Sealed inside the transaction: a record that cannot be encoded fails it, rolled back, rather than a later write.
      const batch = this.seal(this.tables.changedRows());
      this.tables.commit();
      if (batch.size > 0) this.writer.add(batch);
      return result;
    } catch (error) {
      this.tables.rollback();
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  /** Resolves once every transaction committed before the call is in IndexedDB; rejects with BrowserStoreError STORAGE if a write failed. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  getMeta(key: string): string | null {
    return this.tables.getMeta(key);
  }
  setMeta(key: string, value: string): void {
    this.write(() => this.tables.setMeta(key, value));
  }

  listProfiles(): ProfileRecord[] {
    return this.tables.listProfiles();
  }
  getProfile(id: string): ProfileRecord | null {
    return this.tables.getProfile(id);
  }
  putProfile(profile: ProfileRecord): void {
    this.write(() => this.tables.putProfile(profile));
  }

  listConnections(profileId?: string): ConnectionRecord[] {
    return this.tables.listConnections(profileId);
  }
  getConnection(id: string): ConnectionRecord | null {
    return this.tables.getConnection(id);
  }
  putConnection(connection: ConnectionRecord): void {
    this.write(() => this.tables.putConnection(connection));
  }

  putMessage(message: MessageRecord): void {
    this.write(() => this.tables.putMessage(message));
  }
  getMessage(id: string): MessageRecord | null {
    return this.tables.getMessage(id);
  }
  listMessages(connectionId: string): MessageRecord[] {
    return this.tables.listMessages(connectionId);
  }
  listUnencrypted(connectionId: string): MessageRecord[] {
    return this.tables.listUnencrypted(connectionId);
  }
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null {
    return this.tables.findMessageBySeq(connectionId, direction, seq);
  }

  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord {
    return this.write(() => this.tables.addOutbox(item));
  }
  updateOutbox(item: OutboxRecord): void {
    this.write(() => this.tables.updateOutbox(item));
  }
  deleteOutbox(id: number): void {
    this.write(() => this.tables.deleteOutbox(id));
  }
  listOutbox(): OutboxRecord[] {
    return this.tables.listOutbox();
  }

  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void {
    this.write(() => this.tables.putHeld(connectionId, seq, plaintext));
  }
  takeHeld(connectionId: string, seq: number): Uint8Array | null {
    return this.write(() => this.tables.takeHeld(connectionId, seq));
  }
  countHeld(connectionId: string): number {
    return this.tables.countHeld(connectionId);
  }

  /** Wipes the key; the last writes still land (IndexedDB finishes a closing database's transactions). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.drain();
    this.cipher.wipe();
    this.db.close();
  }

  /** A write outside a transaction is a transaction of its own, as in SQLite. */
  private write<T>(fn: () => T): T {
    return this.inTransaction ? fn() : this.transaction(fn);
  }

  private seal(rows: Map<string, unknown>): WriteBatch {
    const batch: WriteBatch = new Map();
    for (const [key, row] of rows) batch.set(key, row === null ? null : this.cipher.sealRecord(key, row));
    return batch;
  }
}
