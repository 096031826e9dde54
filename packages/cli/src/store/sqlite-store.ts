/**
 * AgentStore in one SQLite database encrypted with the user's passphrase
 * (better-sqlite3-multiple-ciphers, i.e. SQLite3MultipleCiphers).
 *
 * Encryption. The cipher is SQLite3MultipleCiphers' "aegis" scheme with
 * AEGIS-256 (the AEAD of draft-irtf-cfrg-aegis-aead, also in libsodium):
 * every page (of the database and of the WAL) is sealed under a per-page
 * nonce, so pages are authenticated as well as hidden. It was chosen over the
 * library's default "chacha20" (ChaCha20-Poly1305) for speed: a transaction
 * writing a message and a connection took 80 us instead of 200 us here, and
 * the receiver commits one per message before acknowledging it. What stays readable is the file's size, a 16-byte per-file
 * salt at the start and bytes 16-23 of the SQLite header (page size, bytes
 * reserved per page for nonce and tag), which SQLite needs before decrypting.
 * Stores created before the switch use "chacha20"; the key file says which.
 * The library's own key derivation (PBKDF2-SHA256) is bypassed: we derive a
 * 32-byte key with Argon2id (memory-hard, see store-key.ts for the
 * parameters and their cost) and hand it over as a raw key,
 * `PRAGMA key = 'raw:<64 hex digits>'`. The Argon2id salt, parameters and a
 * check value live in a plain sidecar `<database>.kdf`: SQLite cannot be read
 * before it is keyed, so they cannot live inside it, and a sidecar keeps the
 * parameters changeable per database. Losing the sidecar loses the database,
 * so the two are kept and backed up together.
 *
 * Durability. WAL with synchronous=NORMAL: a COMMIT has been written into the
 * WAL (the OS page cache) before it returns, so a kill -9 of the process
 * loses no committed transaction and never leaves a partial one; only an OS
 * crash or power loss can lose the last few commits (never corrupt the
 * database), which is the trade made for not fsyncing on every commit. FULL
 * would add that fsync. Temporary tables and indices stay in memory
 * (temp_store=MEMORY), since SQLite's temporary files are not encrypted.
 *
 * Exclusive use. The agent caches what it read and assumes it is the only
 * writer, so a second process on the same database would corrupt its state.
 * The database is opened with locking_mode=EXCLUSIVE and locked at once; a
 * second opener waits BUSY_TIMEOUT_MS and then fails with IN_USE. The OS
 * drops the lock when the process ends, however it ends.
 *
 * Layout. One table per record kind; each row has the columns its lookups
 * need plus `data`, the whole record (encodeRecord from @graphchat/client, as
 * UTF-8). `ord` (INTEGER PRIMARY KEY AUTOINCREMENT) records first insertion,
 * which an upsert keeps, so lists come out in the order MemoryStore gives.
 */
import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { decodeRecord, encodeRecord } from '@graphchat/client';
import type {
  AgentStore,
  ConnectionRecord,
  MessageDirection,
  MessageRecord,
  OutboxRecord,
  ProfileRecord,
} from '@graphchat/client';
import { fromUtf8, toHex, utf8 } from '@graphchat/core';
import type { Argon2idParams, Crypto } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { StoreError } from './errors.js';
import { createStoreKey, DEFAULT_KDF_PARAMS, openStoreKey, STORE_CIPHER } from './store-key.js';
import type { StoreCipher } from './store-key.js';

export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
  ord  INTEGER PRIMARY KEY AUTOINCREMENT,
  id   TEXT NOT NULL UNIQUE,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS connections (
  ord        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  profile_id TEXT NOT NULL,
  data       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS connections_by_profile ON connections(profile_id, ord);
CREATE TABLE IF NOT EXISTS messages (
  ord           INTEGER PRIMARY KEY AUTOINCREMENT,
  id            TEXT NOT NULL UNIQUE,
  connection_id TEXT NOT NULL,
  direction     TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  status        TEXT NOT NULL,
  data          BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_connection ON messages(connection_id, ord);
CREATE INDEX IF NOT EXISTS messages_by_seq ON messages(connection_id, direction, seq);
CREATE TABLE IF NOT EXISTS outbox (
  id   INTEGER PRIMARY KEY AUTOINCREMENT,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS held (
  connection_id TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  plaintext     BLOB NOT NULL,
  PRIMARY KEY (connection_id, seq)
) WITHOUT ROWID;
`;

export interface SqliteStoreOptions {
  /** Create a new database (refused if one exists) instead of opening one (refused if none exists). */
  readonly create: boolean;
  /** Argon2id cost for a new database (default DEFAULT_KDF_PARAMS); an existing one keeps its own. */
  readonly kdf?: Argon2idParams;
  /** Crypto backend for the key derivation (default sodiumCrypto). */
  readonly crypto?: Crypto;
}

interface DataRow {
  data: Buffer;
}

interface OutboxRow {
  id: number;
  data: Buffer;
}

const encode = (record: unknown): Buffer => Buffer.from(utf8(encodeRecord(record)));
const decode = <T>(data: Buffer): T => decodeRecord<T>(fromUtf8(data));
const decodeRow = <T>(row: unknown): T | null => (row === undefined ? null : decode<T>((row as DataRow).data));
const decodeRows = <T>(rows: unknown[]): T[] => rows.map((row) => decode<T>((row as DataRow).data));

function isNotADatabase(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_NOTADB';
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * How long opening waits for another process to close the store before
 * giving up with IN_USE: long enough for a command started right after
 * another one finishes to get in.
 */
const BUSY_TIMEOUT_MS = 2000;

/** Per cipher of the key file (store-key.ts StoreCipher): older stores keep their ChaCha20-Poly1305. */
const CIPHER_PRAGMAS: Record<StoreCipher, readonly string[]> = {
  'aegis-256': [`cipher = 'aegis'`, `algorithm = 'aegis-256'`],
  chacha20: [`cipher = 'chacha20'`],
};

/**
 * Opens (or with `create`, creates) the encrypted store at `path`; its key
 * file is `<path>.kdf`. Throws StoreError.
 */
export function openSqliteStore(path: string, passphrase: string, options: SqliteStoreOptions): SqliteAgentStore {
  const crypto = options.crypto ?? sodiumCrypto;
  const exists = existsSync(path);
  if (options.create && exists) throw new StoreError('ALREADY_INITIALIZED', `a store already exists at ${path}`);
  if (!options.create && !exists) throw new StoreError('NOT_INITIALIZED', `no store at ${path}`);

  const { key, cipher } = options.create
    ? { key: createStoreKey(crypto, path, passphrase, options.kdf ?? DEFAULT_KDF_PARAMS), cipher: STORE_CIPHER }
    : openStoreKey(crypto, path, passphrase);

  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: !options.create, timeout: BUSY_TIMEOUT_MS });
    // Encrypted, but still nobody else's business; SQLite gives -wal the same mode.
    if (options.create) chmodSync(path, 0o600);
  } catch (cause) {
    crypto.wipe(key);
    throw new StoreError('CORRUPT', `cannot open ${path}: ${String(cause)}`, { cause });
  }
  try {
    for (const pragma of CIPHER_PRAGMAS[cipher]) db.pragma(pragma);
    db.pragma(`key = 'raw:${toHex(key)}'`);
    crypto.wipe(key);
    // One process at a time: the agent caches the store and assumes it is the
    // only writer. The lock is taken now and held until close; set before WAL
    // is first used, it also keeps the WAL index in memory (no -shm file).
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('BEGIN EXCLUSIVE; COMMIT');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (cause) {
      if (isBusy(cause)) throw new StoreError('IN_USE', `another graphchat process is using ${path}`, { cause });
      if (!isNotADatabase(cause)) throw cause;
      // The key matched the key file's check value, so the passphrase is
      // right: the database is damaged, or the key file belongs to another one.
      throw new StoreError('CORRUPT', `${path} does not open with its key (damaged, or ${path}.kdf belongs to another store)`, {
        cause,
      });
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError('CORRUPT', `${path} was written by a newer graphchat (schema ${version}, this one knows ${SCHEMA_VERSION})`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('temp_store = MEMORY');
    if (version < SCHEMA_VERSION) {
      // A new database, or one whose creation was interrupted before its schema committed.
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    }
    return new SqliteAgentStore(db);
  } catch (error) {
    crypto.wipe(key);
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError('CORRUPT', `cannot open ${path}: ${String(error)}`, { cause: error });
  }
}

function prepareStatements(db: Database.Database) {
const p = (sql: string) => db.prepare(sql);
return {
    getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    listProfiles: p('SELECT data FROM profiles ORDER BY ord'),
    getProfile: p('SELECT data FROM profiles WHERE id = ?'),
    putProfile: p('INSERT INTO profiles (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data'),
    listConnections: p('SELECT data FROM connections ORDER BY ord'),
    listConnectionsOf: p('SELECT data FROM connections WHERE profile_id = ? ORDER BY ord'),
    getConnection: p('SELECT data FROM connections WHERE id = ?'),
    putConnection: p(
      `INSERT INTO connections (id, profile_id, data) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, data = excluded.data`,
    ),
    putMessage: p(
      `INSERT INTO messages (id, connection_id, direction, seq, status, data) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, direction = excluded.direction,
         seq = excluded.seq, status = excluded.status, data = excluded.data`,
    ),
    getMessage: p('SELECT data FROM messages WHERE id = ?'),
    listMessages: p('SELECT data FROM messages WHERE connection_id = ? ORDER BY ord'),
    listUnencrypted: p(
      `SELECT data FROM messages WHERE connection_id = ? AND direction = 'sent' AND status = 'queued' AND seq = 0 ORDER BY ord`,
    ),
    findMessageBySeq: p('SELECT data FROM messages WHERE connection_id = ? AND direction = ? AND seq = ? ORDER BY ord LIMIT 1'),
    addOutbox: p('INSERT INTO outbox (data) VALUES (?)'),
    updateOutbox: p('UPDATE outbox SET data = ? WHERE id = ?'),
    deleteOutbox: p('DELETE FROM outbox WHERE id = ?'),
    listOutbox: p('SELECT id, data FROM outbox ORDER BY id'),
    putHeld: p(
      'INSERT INTO held (connection_id, seq, plaintext) VALUES (?, ?, ?) ON CONFLICT (connection_id, seq) DO UPDATE SET plaintext = excluded.plaintext',
    ),
    takeHeld: p('DELETE FROM held WHERE connection_id = ? AND seq = ? RETURNING plaintext').pluck(),
    countHeld: p('SELECT count(*) FROM held WHERE connection_id = ?').pluck(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export class SqliteAgentStore implements AgentStore {
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private readonly s: Statements;

  /** Use openSqliteStore; this takes an open, keyed database with the schema in place. */
  constructor(private readonly db: Database.Database) {
    this.runInTransaction = db.transaction((fn: () => unknown) => {
      const result = fn();
      if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
        throw new TypeError('a store transaction must be synchronous');
      }
      return result;
    });
    this.s = prepareStatements(db);
  }

  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) throw new Error('transactions do not nest');
    return this.runInTransaction(fn) as T;
  }

  getMeta(key: string): string | null {
    return (this.s.getMeta.get(key) as string | undefined) ?? null;
  }
  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }

  listProfiles(): ProfileRecord[] {
    return decodeRows<ProfileRecord>(this.s.listProfiles.all());
  }
  getProfile(id: string): ProfileRecord | null {
    return decodeRow<ProfileRecord>(this.s.getProfile.get(id));
  }
  putProfile(profile: ProfileRecord): void {
    this.s.putProfile.run(profile.id, encode(profile));
  }

  listConnections(profileId?: string): ConnectionRecord[] {
    const rows = profileId === undefined ? this.s.listConnections.all() : this.s.listConnectionsOf.all(profileId);
    return decodeRows<ConnectionRecord>(rows);
  }
  getConnection(id: string): ConnectionRecord | null {
    return decodeRow<ConnectionRecord>(this.s.getConnection.get(id));
  }
  putConnection(connection: ConnectionRecord): void {
    this.s.putConnection.run(connection.id, connection.profileId, encode(connection));
  }

  putMessage(message: MessageRecord): void {
    this.s.putMessage.run(message.id, message.connectionId, message.direction, message.seq, message.status, encode(message));
  }
  getMessage(id: string): MessageRecord | null {
    return decodeRow<MessageRecord>(this.s.getMessage.get(id));
  }
  listMessages(connectionId: string): MessageRecord[] {
    return decodeRows<MessageRecord>(this.s.listMessages.all(connectionId));
  }
  listUnencrypted(connectionId: string): MessageRecord[] {
    return decodeRows<MessageRecord>(this.s.listUnencrypted.all(connectionId));
  }
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null {
    return decodeRow<MessageRecord>(this.s.findMessageBySeq.get(connectionId, direction, seq));
  }

  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord {
    const { lastInsertRowid } = this.s.addOutbox.run(encode(withoutId(item)));
    return { ...item, id: Number(lastInsertRowid) };
  }
  updateOutbox(item: OutboxRecord): void {
    this.s.updateOutbox.run(encode(withoutId(item)), item.id);
  }
  deleteOutbox(id: number): void {
    this.s.deleteOutbox.run(id);
  }
  listOutbox(): OutboxRecord[] {
    return (this.s.listOutbox.all() as OutboxRow[]).map((row) => ({ ...decode<Omit<OutboxRecord, 'id'>>(row.data), id: row.id }));
  }

  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void {
    this.s.putHeld.run(connectionId, seq, plaintext);
  }
  takeHeld(connectionId: string, seq: number): Uint8Array | null {
    const value = this.s.takeHeld.get(connectionId, seq) as Buffer | undefined;
    return value === undefined ? null : new Uint8Array(value);
  }
  countHeld(connectionId: string): number {
    return this.s.countHeld.get(connectionId) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function withoutId(item: Omit<OutboxRecord, 'id'> | OutboxRecord): Omit<OutboxRecord, 'id'> {
  const { id: _id, ...rest } = item as OutboxRecord;
  return rest;
}
