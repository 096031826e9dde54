// The QueueStore contract (store.ts), run against the SQLite store; plus what
// only a file-backed store has: durability across reopening, and refusing a
// file written by a newer relay.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import { toHex } from '@graphchat/core';
import { openSqliteStore } from './sqlite-store.js';
import type { QueueRecord, QueueStore, StoredMessage, StoreStats } from './store.js';
import { crypto, tempDir } from './test-support/harness.js';

/** The sending address of the messages these tests store (per-address accounting is tested in stored-bytes.test.ts). */
const ORIGIN = '127.0.0.1';
const hex = (bytes: Uint8Array | null) => (bytes === null ? null : toHex(bytes));
/** The counts of `stats()`, without the bytes used (which depend on SQLite's page layout). */
const counts = ({ queues, messages }: StoreStats) => ({ queues, messages });

function newQueue(overrides: Partial<QueueRecord> = {}): QueueRecord {
  return {
    recipientId: crypto.randomBytes(24),
    senderId: crypto.randomBytes(24),
    recipientKey: crypto.randomBytes(32),
    senderKey: null,
    dhSecret: crypto.randomBytes(32),
    suspended: false,
    ...overrides,
  };
}

function newMessage(createdAt: number, size = 40): StoredMessage {
  return { msgId: crypto.randomBytes(24), createdAt, body: crypto.randomBytes(size) };
}

/** Byte fields as hex, so a Buffer and a Uint8Array with the same bytes compare equal. */
function queueView(q: QueueRecord | null) {
  return q === null
    ? null
    : { recipientId: hex(q.recipientId), senderId: hex(q.senderId), recipientKey: hex(q.recipientKey), senderKey: hex(q.senderKey), dhSecret: hex(q.dhSecret), suspended: q.suspended };
}

function messageView(m: StoredMessage | null) {
  return m === null ? null : { msgId: hex(m.msgId), createdAt: m.createdAt, body: hex(m.body) };
}

/**
 * The QueueStore contract. `open` returns a new, empty store each time; each
 * test closes the store it opened. Other backends call this with their own `open`.
 */
export function storeContract(name: string, open: () => Promise<QueueStore>): void {
  const withStore = (body: (store: QueueStore) => Promise<void>) => async () => {
    const store = await open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  };

  describe(`QueueStore contract: ${name}`, () => {
    it('creates a queue and finds it by recipient id and by sender id, but not by the other id', withStore(async (store) => {
      const q = newQueue();
      await store.createQueue(q);
      assert.deepEqual(queueView(await store.queueByRecipientId(q.recipientId)), queueView(q));
      assert.deepEqual(queueView(await store.queueBySenderId(q.senderId)), queueView(q));
      assert.equal(await store.queueByRecipientId(q.senderId), null);
      assert.equal(await store.queueBySenderId(q.recipientId), null);
      assert.equal(await store.queueByRecipientId(crypto.randomBytes(24)), null);
      assert.equal(await store.queueBySenderId(crypto.randomBytes(24)), null);
    }));

    it('keeps every field of a record as given, including a sender key and the suspended flag', withStore(async (store) => {
      const q = newQueue({ senderKey: crypto.randomBytes(32), suspended: true });
      await store.createQueue(q);
      assert.deepEqual(queueView(await store.queueBySenderId(q.senderId)), queueView(q));
    }));

    it('secures a queue once: the second secureQueue returns false and keeps the first key', withStore(async (store) => {
      const q = newQueue();
      await store.createQueue(q);
      const key = crypto.randomBytes(32);
      assert.equal(await store.secureQueue(q.recipientId, key), true);
      assert.equal(hex((await store.queueByRecipientId(q.recipientId))!.senderKey), hex(key));
      assert.equal(await store.secureQueue(q.recipientId, crypto.randomBytes(32)), false);
      assert.equal(await store.secureQueue(q.recipientId, key), false, 'false even for the same key');
      assert.equal(hex((await store.queueBySenderId(q.senderId))!.senderKey), hex(key));
      assert.equal(await store.secureQueue(crypto.randomBytes(24), key), false, 'no such queue');
    }));

    it('suspends a queue, idempotently, without touching other fields or queues', withStore(async (store) => {
      const q = newQueue();
      const other = newQueue();
      await store.createQueue(q);
      await store.createQueue(other);
      await store.suspendQueue(q.recipientId);
      await store.suspendQueue(q.recipientId);
      assert.deepEqual(queueView(await store.queueByRecipientId(q.recipientId)), queueView({ ...q, suspended: true }));
      assert.equal((await store.queueByRecipientId(other.recipientId))!.suspended, false);
      await store.suspendQueue(crypto.randomBytes(24)); // no such queue: no effect, no error
    }));

    it('adds messages up to the quota, per queue', withStore(async (store) => {
      const q = newQueue();
      const other = newQueue();
      await store.createQueue(q);
      await store.createQueue(other);
      for (let i = 0; i < 3; i++) assert.equal(await store.addMessage(q.recipientId, newMessage(1000 + i), 3, ORIGIN), 'ok');
      assert.equal(await store.addMessage(q.recipientId, newMessage(2000), 3, ORIGIN), 'quota');
      assert.equal(await store.addMessage(q.recipientId, newMessage(2000), 4, ORIGIN), 'ok', 'a higher quota admits more');
      assert.equal(await store.addMessage(other.recipientId, newMessage(2000), 1, ORIGIN), 'ok');
      assert.equal(await store.addMessage(other.recipientId, newMessage(2000), 1, ORIGIN), 'quota');
      assert.deepEqual(counts(await store.stats()), { queues: 2, messages: 5 });
    }));

    it('applies the quota to writes issued together, without waiting for each other', withStore(async (store) => {
      const q = newQueue();
      await store.createQueue(q);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.addMessage(q.recipientId, newMessage(i), 4, ORIGIN)));
      assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok', 'quota', 'quota', 'quota', 'quota', 'quota', 'quota']);
      assert.equal((await store.stats()).messages, 4);
    }));

    it('returns the oldest message first (FIFO by arrival, whatever the timestamps)', withStore(async (store) => {
      const q = newQueue();
      await store.createQueue(q);
      assert.equal(await store.firstMessage(q.recipientId), null);
      // The relay clock may step back; arrival order still decides.
      const messages = [newMessage(5000, 10), newMessage(4000, 0), newMessage(6000, 16000)];
      for (const m of messages) assert.equal(await store.addMessage(q.recipientId, m, 100, ORIGIN), 'ok');
      assert.deepEqual(messageView(await store.firstMessage(q.recipientId)), messageView(messages[0]!));
      assert.deepEqual(messageView(await store.firstMessage(q.recipientId)), messageView(messages[0]!), 'reading changes nothing');
      for (const [i, m] of messages.entries()) {
        assert.deepEqual(messageView(await store.firstMessage(q.recipientId)), messageView(m), `message ${i}`);
        assert.equal(await store.ackMessage(q.recipientId, m.msgId), true);
      }
      assert.equal(await store.firstMessage(q.recipientId), null);
      assert.equal(await store.firstMessage(crypto.randomBytes(24)), null, 'no such queue');
    }));

    it('keeps the messages of different queues apart', withStore(async (store) => {
      const [a, b] = [newQueue(), newQueue()];
      await store.createQueue(a);
      await store.createQueue(b);
      const [ma, mb] = [newMessage(1), newMessage(2)];
      await store.addMessage(a.recipientId, ma, 10, ORIGIN);
      await store.addMessage(b.recipientId, mb, 10, ORIGIN);
      assert.equal(hex((await store.firstMessage(a.recipientId))!.msgId), hex(ma.msgId));
      assert.equal(hex((await store.firstMessage(b.recipientId))!.msgId), hex(mb.msgId));
      assert.equal(await store.ackMessage(a.recipientId, mb.msgId), false, 'another queue’s message');
      assert.equal(await store.ackMessage(b.recipientId, mb.msgId), true);
      assert.equal(hex((await store.firstMessage(a.recipientId))!.msgId), hex(ma.msgId));
    }));

    it('acknowledges only the oldest message', withStore(async (store) => {
      const q = newQueue();
      await store.createQueue(q);
      assert.equal(await store.ackMessage(q.recipientId, crypto.randomBytes(24)), false, 'empty queue');
      const [m1, m2] = [newMessage(1), newMessage(2)];
      await store.addMessage(q.recipientId, m1, 10, ORIGIN);
      await store.addMessage(q.recipientId, m2, 10, ORIGIN);
      assert.equal(await store.ackMessage(q.recipientId, m2.msgId), false, 'not the oldest');
      assert.equal((await store.stats()).messages, 2);
      assert.equal(await store.ackMessage(q.recipientId, crypto.randomBytes(24)), false, 'unknown id');
      assert.equal(await store.ackMessage(q.recipientId, m1.msgId), true);
      assert.equal(await store.ackMessage(q.recipientId, m1.msgId), false, 'already acknowledged');
      assert.equal(hex((await store.firstMessage(q.recipientId))!.msgId), hex(m2.msgId));
      assert.equal(await store.ackMessage(crypto.randomBytes(24), m2.msgId), false, 'no such queue');
      assert.equal(await store.ackMessage(q.recipientId, m2.msgId), true);
      assert.equal((await store.stats()).messages, 0);
    }));

    it('deletes messages accepted before a time, in every queue, and says how many', withStore(async (store) => {
      const [a, b] = [newQueue(), newQueue()];
      await store.createQueue(a);
      await store.createQueue(b);
      for (const t of [100, 200, 300]) await store.addMessage(a.recipientId, newMessage(t), 10, ORIGIN);
      for (const t of [150, 400]) await store.addMessage(b.recipientId, newMessage(t), 10, ORIGIN);
      assert.equal(await store.deleteExpired(100), 0, 'strictly before');
      assert.equal(await store.deleteExpired(201), 3);
      assert.equal((await store.firstMessage(a.recipientId))!.createdAt, 300);
      assert.equal((await store.firstMessage(b.recipientId))!.createdAt, 400);
      assert.deepEqual(counts(await store.stats()), { queues: 2, messages: 2 });
      assert.equal(await store.deleteExpired(10_000), 2);
      assert.equal(await store.deleteExpired(10_000), 0);
      assert.deepEqual(counts(await store.stats()), { queues: 2, messages: 0 }, 'queues never expire');
    }));

    it('deletes a queue with its messages, and nothing else', withStore(async (store) => {
      const [q, other] = [newQueue(), newQueue()];
      await store.createQueue(q);
      await store.createQueue(other);
      for (let i = 0; i < 3; i++) await store.addMessage(q.recipientId, newMessage(i), 10, ORIGIN);
      await store.addMessage(other.recipientId, newMessage(9), 10, ORIGIN);
      await store.deleteQueue(q.recipientId);
      assert.equal(await store.queueByRecipientId(q.recipientId), null);
      assert.equal(await store.queueBySenderId(q.senderId), null);
      assert.equal(await store.firstMessage(q.recipientId), null);
      assert.deepEqual(counts(await store.stats()), { queues: 1, messages: 1 });
      assert.equal((await store.firstMessage(other.recipientId))!.createdAt, 9);
      await store.deleteQueue(q.recipientId); // again: no effect, no error
      await store.deleteQueue(crypto.randomBytes(24));
      assert.deepEqual(counts(await store.stats()), { queues: 1, messages: 1 });
    }));

    it('counts queues and messages', withStore(async (store) => {
      assert.deepEqual(counts(await store.stats()), { queues: 0, messages: 0 });
      const queues = [newQueue(), newQueue(), newQueue()];
      for (const q of queues) await store.createQueue(q);
      await store.addMessage(queues[0]!.recipientId, newMessage(1), 10, ORIGIN);
      await store.addMessage(queues[0]!.recipientId, newMessage(2), 10, ORIGIN);
      await store.addMessage(queues[2]!.recipientId, newMessage(3), 10, ORIGIN);
      assert.deepEqual(counts(await store.stats()), { queues: 3, messages: 3 });
    }));

    it('flush resolves when nothing was written, and after writes, which stay visible', withStore(async (store) => {
      await store.flush();
      const q = newQueue();
      const m = newMessage(7);
      const writes = Promise.all([store.createQueue(q), store.secureQueue(q.recipientId, q.recipientKey)]);
      await store.flush();
      assert.deepEqual(await writes, ['ok', true]);
      assert.equal(await store.addMessage(q.recipientId, m, 10, ORIGIN), 'ok');
      await store.flush();
      await store.flush();
      assert.equal(hex((await store.queueBySenderId(q.senderId))!.senderKey), hex(q.recipientKey));
      assert.deepEqual(messageView(await store.firstMessage(q.recipientId)), messageView(m));
    }));

    it(
      'a write that fails rejects its promise rather than throwing synchronously; a message for a missing queue is no_queue',
      withStore(async (store) => {
        const q = newQueue();
        await store.createQueue(q);
        let promise: Promise<unknown> | undefined;
        assert.equal(await store.addMessage(crypto.randomBytes(24), newMessage(1), 10, ORIGIN), 'no_queue');
        assert.doesNotThrow(() => {
          promise = store.createQueue(q);
        }, 'createQueue with ids that already exist');
        await assert.rejects(promise!);
      }),
    );

    it('a write that fails does not undo the other writes issued with it', withStore(async (store) => {
      const q = newQueue();
      await store.createQueue(q);
      const good = newQueue();
      const m = newMessage(1);
      // A queue whose ids already exist is refused, however the backend does it.
      const outcomes = await Promise.allSettled([store.createQueue(good), store.createQueue(q), store.addMessage(q.recipientId, m, 10, ORIGIN)]);
      assert.equal(outcomes[0].status, 'fulfilled');
      assert.equal(outcomes[1].status, 'rejected');
      assert.deepEqual(outcomes[2], { status: 'fulfilled', value: 'ok' });
      await store.flush();
      assert.deepEqual(queueView(await store.queueBySenderId(good.senderId)), queueView(good));
      assert.equal(hex((await store.firstMessage(q.recipientId))!.msgId), hex(m.msgId));
      assert.deepEqual(counts(await store.stats()), { queues: 2, messages: 1 });
    }));
  });
}

storeContract('SQLite', async () => openSqliteStore(join(tempDir(), 'relay.db')));

describe('SQLite store file', () => {
  it('after flush, what was written is committed: another connection to the file sees it', async () => {
    const path = join(tempDir(), 'relay.db');
    const store = openSqliteStore(path);
    const reader = new Database(path, { readonly: true });
    try {
      const q = newQueue();
      const m = newMessage(42);
      void store.createQueue(q);
      void store.addMessage(q.recipientId, m, 10, ORIGIN);
      await store.flush();
      const count = (table: string) => (reader.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      assert.equal(count('queues'), 1);
      assert.equal(count('messages'), 1);
      await store.ackMessage(q.recipientId, m.msgId);
      await store.deleteQueue(q.recipientId);
      await store.flush();
      assert.equal(count('queues'), 0);
      assert.equal(count('messages'), 0);
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const path = join(tempDir(), 'relay.db');
    const store = openSqliteStore(path, { sync: 'full' });
    const [plain, secured, suspended] = [newQueue(), newQueue(), newQueue()];
    for (const q of [plain, secured, suspended]) await store.createQueue(q);
    const senderKey = crypto.randomBytes(32);
    await store.secureQueue(secured.recipientId, senderKey);
    await store.suspendQueue(suspended.recipientId);
    const messages = [newMessage(Date.now()), newMessage(Date.now() + 1, 16000), newMessage(Date.now() - 1, 0)];
    // Issued without waiting, as the relay does within one turn, then closed at once.
    const writes = messages.map((m) => store.addMessage(plain.recipientId, m, 10, ORIGIN));
    const acked = newMessage(1);
    await store.addMessage(secured.recipientId, acked, 10, ORIGIN);
    await store.ackMessage(secured.recipientId, acked.msgId);
    await store.close();
    assert.deepEqual(await Promise.all(writes), ['ok', 'ok', 'ok']);

    const reopened = openSqliteStore(path);
    try {
      assert.deepEqual(counts(await reopened.stats()), { queues: 3, messages: 3 });
      assert.deepEqual(queueView(await reopened.queueByRecipientId(plain.recipientId)), queueView(plain));
      assert.deepEqual(queueView(await reopened.queueBySenderId(secured.senderId)), queueView({ ...secured, senderKey }));
      assert.deepEqual(queueView(await reopened.queueByRecipientId(suspended.recipientId)), queueView({ ...suspended, suspended: true }));
      assert.equal(await reopened.firstMessage(secured.recipientId), null);
      for (const m of messages) {
        assert.deepEqual(messageView(await reopened.firstMessage(plain.recipientId)), messageView(m));
        assert.equal(await reopened.ackMessage(plain.recipientId, m.msgId), true);
      }
      // And the reopened store keeps working.
      assert.equal(await reopened.secureQueue(secured.recipientId, crypto.randomBytes(32)), false);
      assert.equal(await reopened.addMessage(plain.recipientId, newMessage(5), 1, ORIGIN), 'ok');
    } finally {
      await reopened.close();
    }
    const third = openSqliteStore(path);
    assert.deepEqual(counts(await third.stats()), { queues: 3, messages: 1 });
    await third.close();
  });

  it('refuses a file written by a newer relay (higher user_version), with a clear error', async () => {
    const path = join(tempDir(), 'relay.db');
    const db = new Database(path);
    db.pragma('user_version = 1000');
    db.close();
    await assert.rejects(
      async () => openSqliteStore(path),
      (e: Error) => e.message.includes(path) && /schema version 1000\b/.test(e.message),
    );
    const check = new Database(path, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), 1000, 'the file is left at its version');
      assert.deepEqual(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), [], 'no tables created');
    } finally {
      check.close();
    }
  });

  it('stamps a new file with its schema version and opens it again', async () => {
    const path = join(tempDir(), 'relay.db');
    await openSqliteStore(path).close();
    const check = new Database(path, { readonly: true });
    assert.ok((check.pragma('user_version', { simple: true }) as number) >= 1);
    check.close();
    await openSqliteStore(path).close();
  });

  it('has a table for queues and one for messages, with no column for profiles, contacts or who talks to whom', async () => {
    const path = join(tempDir(), 'relay.db');
    await openSqliteStore(path).close();
    const db = new Database(path, { readonly: true });
    try {
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
      assert.deepEqual(tables, ['messages', 'queues']);
      const columns = (table: string) => db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((r) => r.name);
      assert.deepEqual(columns('queues'), ['id', 'recipient_id', 'sender_id', 'recipient_key', 'sender_key', 'dh_secret', 'suspended']);
      assert.deepEqual(columns('messages'), ['seq', 'queue_id', 'msg_id', 'created_at', 'body']);
    } finally {
      db.close();
    }
  });
});
