/**
 * QueueStore on SQLite (better-sqlite3-multiple-ciphers, unencrypted) in WAL mode.
 *
 * Group commit: the first write in a turn of the event loop opens a
 * transaction, every later write joins it, and it commits at the end of the
 * turn; `flush()` resolves after that COMMIT. The relay answers only after
 * `flush()`, so whatever it answered OK for survives `kill -9` of the process
 * (and, with `synchronous = FULL`, power loss), while a burst of writes costs
 * one commit (one fsync) instead of one each. Reads see uncommitted writes.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { limits } from '@graphchat/core';
import type { AddResult, CreateResult, QueueRecord, QueueStore, StoredMessage, StoreStats } from './store.js';
import { StoredBytesByAddress } from './stored-bytes.js';

export type SyncMode = 'normal' | 'full';

export interface SqliteStoreOptions {
  readonly sync?: SyncMode;
  /**
   * Cap on the pages in use ((page_count − freelist_count) × page_size). Past
   * FILLING_FRACTION of it, createQueue answers `full` and addMessage takes
   * messages only into queues holding fewer than KEEPING_UP_MESSAGES; at the
   * cap, it answers `full` to everything. Pages freed by ACK, DEL and expiry
   * are reused, so the file grows to about the cap and no further. 0: no cap.
   */
  readonly maxBytes?: number;
  /** Message bytes one sending address may have stored (stored-bytes.ts); past it, addMessage answers `full`. 0: no limit. */
  readonly maxBytesPerAddress?: number;
}

/**
 * Past this fraction of the cap the store is filling: only queues whose
 * recipient keeps up (fewer than KEEPING_UP_MESSAGES waiting) take messages.
 * That refuses queues nobody drains before conversations that go on; it
 * does not stop someone spreading messages over many queues, who fills
 * the last eighth too, from one address only up to its share
 * (`maxBytesPerAddress`; EMP §10 `maxStoreBytes`).
 */
export const FILLING_FRACTION = 7 / 8;
export const KEEPING_UP_MESSAGES = 8;

/**
 * The WAL is truncated to this size after a checkpoint. SQLite checkpoints
 * after 1,000 pages (4 MiB), so the WAL passes this only during one
 * unusually large transaction.
 */
export const WAL_SIZE_LIMIT = 16 * 1024 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (
  id            INTEGER PRIMARY KEY,
  recipient_id  BLOB NOT NULL UNIQUE,
  sender_id     BLOB NOT NULL UNIQUE,
  recipient_key BLOB NOT NULL,
  sender_key    BLOB,
  dh_secret     BLOB NOT NULL,
  suspended     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  seq        INTEGER PRIMARY KEY,
  queue_id   INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  msg_id     BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  body       BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages(queue_id, seq);
CREATE INDEX IF NOT EXISTS messages_by_time ON messages(created_at);
`;

const SCHEMA_VERSION = 1;

interface QueueRow {
  recipient_id: Uint8Array;
  sender_id: Uint8Array;
  recipient_key: Uint8Array;
  sender_key: Uint8Array | null;
  dh_secret: Uint8Array;
  suspended: number;
}

interface MessageRow {
  msg_id: Uint8Array;
  created_at: number;
  body: Uint8Array;
}

const toQueue = (row: QueueRow | undefined): QueueRecord | null =>
  row === undefined
    ? null
    : {
        recipientId: row.recipient_id,
        senderId: row.sender_id,
        recipientKey: row.recipient_key,
        senderKey: row.sender_key,
        dhSecret: row.dh_secret,
        suspended: row.suspended !== 0,
      };

const toMessage = (row: MessageRow | undefined): StoredMessage | null =>
  row === undefined ? null : { msgId: row.msg_id, createdAt: row.created_at, body: row.body };

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): QueueStore {
  const sync = options.sync ?? 'normal';
  const maxBytes = options.maxBytes ?? 0;
  const maxBytesPerAddress = options.maxBytesPerAddress ?? 0;
  const db = new Database(path);
  // Checked before anything else touches the file: a newer relay's store is left as it is.
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(`store ${path} has schema version ${version}; this relay knows ${SCHEMA_VERSION}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  db.exec(SCHEMA);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);

  const byAddress = maxBytesPerAddress === 0 ? null : new StoredBytesByAddress(db, maxBytesPerAddress);
  const queueColumns = 'recipient_id, sender_id, recipient_key, sender_key, dh_secret, suspended';
  const insertQueue = db.prepare(
    'INSERT INTO queues (recipient_id, sender_id, recipient_key, sender_key, dh_secret, suspended) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const byRecipient = db.prepare<[Uint8Array], QueueRow>(`SELECT ${queueColumns} FROM queues WHERE recipient_id = ?`);
  const bySender = db.prepare<[Uint8Array], QueueRow>(`SELECT ${queueColumns} FROM queues WHERE sender_id = ?`);
  const secure = db.prepare('UPDATE queues SET sender_key = ? WHERE recipient_id = ? AND sender_key IS NULL');
  const suspend = db.prepare('UPDATE queues SET suspended = 1 WHERE recipient_id = ?');
  const removeQueue = db.prepare('DELETE FROM queues WHERE recipient_id = ?');
  const queueId = db.prepare<[Uint8Array], { id: number }>('SELECT id FROM queues WHERE recipient_id = ?');
  const countMessages = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM messages WHERE queue_id = ?');
  const insertMessage = db.prepare('INSERT INTO messages (queue_id, msg_id, created_at, body) VALUES (?, ?, ?, ?)');
  const first = db.prepare<[Uint8Array], MessageRow & { seq: number }>(
    'SELECT seq, msg_id, created_at, body FROM messages WHERE queue_id = (SELECT id FROM queues WHERE recipient_id = ?) ORDER BY seq LIMIT 1',
  );
  const removeMessage = db.prepare('DELETE FROM messages WHERE seq = ?');
  const expire = db.prepare('DELETE FROM messages WHERE created_at < ?');
  const queueCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM queues');
  const messageCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM messages');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pageCount = db.prepare('PRAGMA page_count').pluck();
  const freePages = db.prepare('PRAGMA freelist_count').pluck();
  /** Bytes in use, this transaction's writes included. */
  const usedBytes = () => ((pageCount.get() as number) - (freePages.get() as number)) * pageSize;
  const filling = maxBytes * FILLING_FRACTION;
  // The page counts cost two statements per write, so far below the cap an
  // upper bound serves: the last count plus twice what was added since (a
  // row and its index entries take less than its body twice over, plus 1 KiB).
  let counted = maxBytes === 0 ? 0 : usedBytes();
  let addedSince = 0;
  /** Whether a queue holding `held` messages may take `more` bytes. */
  const fits = (held: number, more: number) => {
    if (maxBytes === 0) return true;
    const bound = 2 * more + 1024;
    if (counted + addedSince + bound <= filling) {
      addedSince += bound;
      return true;
    }
    counted = usedBytes();
    addedSince = 0;
    const after = counted + more;
    return after <= filling || (after <= maxBytes && held < KEEPING_UP_MESSAGES);
  };

  const addMessage = db.transaction((recipientId: Uint8Array, message: StoredMessage, quota: number, origin: string): AddResult => {
    const queue = queueId.get(recipientId);
    if (queue === undefined) return 'no_queue';
    const held = countMessages.get(queue.id)!.n;
    if (held >= quota) return 'quota';
    if (byAddress !== null && !byAddress.allows(origin, message.body.length)) return 'full';
    if (!fits(held, message.body.length)) return 'full';
    const seq = insertMessage.run(queue.id, message.msgId, message.createdAt, message.body).lastInsertRowid;
    byAddress?.added(Number(seq), origin, message.body.length);
    return 'ok';
  });

  const ackMessage = db.transaction((recipientId: Uint8Array, msgId: Uint8Array): boolean => {
    const row = first.get(recipientId);
    if (row === undefined || !Buffer.from(row.msg_id).equals(msgId)) return false;
    removeMessage.run(row.seq);
    byAddress?.acknowledged(row.seq);
    return true;
  });

  /** The current turn's transaction; `failure` is set once SQLite has rolled it back. */
  interface Turn {
    committed: Promise<void>;
    failure?: unknown;
  }
  let turn: Turn | null = null;
  const endTurn = (t: Turn) => {
    turn = null;
    try {
      if (t.failure !== undefined) throw t.failure;
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      byAddress?.recount();
      throw error;
    }
  };
  /** Runs `change` in this turn's transaction, which commits at the end of the turn. */
  const write = <T>(change: () => T): Promise<T> => {
    if (turn === null) {
      db.exec('BEGIN IMMEDIATE');
      const t: Turn = { committed: Promise.resolve() };
      t.committed = new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          try {
            endTurn(t);
            resolve();
          } catch (error) {
            reject(error);
          }
        }),
      );
      t.committed.catch(() => {}); // flush() callers see the failure; nobody else must.
      turn = t;
    }
    const t = turn;
    if (t.failure !== undefined) return Promise.reject(t.failure);
    try {
      return Promise.resolve(change());
    } catch (error) {
      // A constraint error undoes only its statement. A full disk, I/O error
      // and the like roll back the whole transaction: then nothing else of
      // this turn may commit, and flush() reports the failure.
      if (!db.inTransaction) t.failure = error;
      return Promise.reject(error);
    }
  };

  return {
    createQueue: (q) =>
      write((): CreateResult => {
        // A new queue only while it could take a message of the largest size before the store is filling.
        if (!fits(Number.POSITIVE_INFINITY, limits.MAX_MESSAGE_BODY)) return 'full';
        insertQueue.run(q.recipientId, q.senderId, q.recipientKey, q.senderKey, q.dhSecret, q.suspended ? 1 : 0);
        return 'ok';
      }),
    queueByRecipientId: async (id) => toQueue(byRecipient.get(id)),
    queueBySenderId: async (id) => toQueue(bySender.get(id)),
    secureQueue: (id, key) => write(() => secure.run(key, id).changes === 1),
    suspendQueue: (id) =>
      write(() => {
        suspend.run(id);
      }),
    deleteQueue: (id) =>
      write(() => {
        byAddress?.deletingQueue(id);
        removeQueue.run(id);
      }),
    addMessage: (id, message, quota, origin) => write(() => addMessage(id, message, quota, origin)),
    firstMessage: async (id) => toMessage(first.get(id)),
    ackMessage: (id, msgId) => write(() => ackMessage(id, msgId)),
    deleteExpired: (time) =>
      write(() => {
        byAddress?.expiring(time);
        return expire.run(time).changes;
      }),
    async stats(): Promise<StoreStats> {
      return { queues: queueCount.get()!.n, messages: messageCount.get()!.n, bytes: usedBytes() };
    },
    flush: () => turn?.committed ?? Promise.resolve(),
    async close() {
      if (turn !== null) await turn.committed.catch(() => {});
      db.close();
    },
  };
}
