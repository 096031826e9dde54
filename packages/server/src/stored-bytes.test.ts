// Stored message bytes per sending address (EMP §10 addressStorePercent): one
// address past its share gets `full`, others don't, and delivery, expiry,
// deleting a queue and a restart give the bytes back.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSqliteStore } from './sqlite-store.js';
import type { QueueRecord, QueueStore, StoredMessage } from './store.js';
import { crypto, tempDir } from './test-support/harness.js';

const BODY = 1000;
/** Three messages' bodies, not four. */
const SHARE = 3 * BODY + 500;

function newQueue(): QueueRecord {
  return { recipientId: crypto.randomBytes(24), senderId: crypto.randomBytes(24), recipientKey: crypto.randomBytes(32), senderKey: null, dhSecret: crypto.randomBytes(32), suspended: false };
}
const message = (createdAt = 1000): StoredMessage => ({ msgId: crypto.randomBytes(24), createdAt, body: crypto.randomBytes(BODY) });

async function withStore(body: (store: QueueStore, path: string) => Promise<void>): Promise<void> {
  const path = join(tempDir(), 'relay.db');
  const store = openSqliteStore(path, { maxBytesPerAddress: SHARE });
  try {
    await body(store, path);
  } finally {
    await store.close();
  }
}

/** Fills `a`'s share over two queues (three messages) and checks that a fourth is refused. */
async function fillShare(store: QueueStore, queues: QueueRecord[], createdAt = 1000): Promise<void> {
  for (let i = 0; i < 3; i++) assert.equal(await store.addMessage(queues[i % 2]!.recipientId, message(createdAt), 100, 'a'), 'ok');
  assert.equal(await store.addMessage(queues[1]!.recipientId, message(), 100, 'a'), 'full', 'past its share, over any queue');
}

describe('stored bytes per address', () => {
  it('refuses an address past its share, over all queues, while another address still stores; an ACK gives bytes back', () =>
    withStore(async (store) => {
      const queues = [newQueue(), newQueue()];
      for (const q of queues) await store.createQueue(q);
      await fillShare(store, queues);
      assert.equal(await store.addMessage(queues[0]!.recipientId, message(), 100, 'b'), 'ok', 'another address has its own share');
      const first = await store.firstMessage(queues[0]!.recipientId);
      assert.equal(await store.ackMessage(queues[0]!.recipientId, first!.msgId), true);
      assert.equal(await store.addMessage(queues[0]!.recipientId, message(), 100, 'a'), 'ok', 'delivered bytes no longer count');
      assert.equal(await store.addMessage(queues[0]!.recipientId, message(), 100, 'a'), 'full');
    }));

  it('expiry and deleting a queue give the bytes back', () =>
    withStore(async (store) => {
      const queues = [newQueue(), newQueue()];
      for (const q of queues) await store.createQueue(q);
      await fillShare(store, queues, 100);
      assert.equal(await store.deleteExpired(200), 3);
      await fillShare(store, queues);
      await store.deleteQueue(queues[1]!.recipientId); // held one of the three
      assert.equal(await store.addMessage(queues[0]!.recipientId, message(), 100, 'a'), 'ok');
      assert.equal(await store.addMessage(queues[0]!.recipientId, message(), 100, 'a'), 'full');
    }));

  it('a reopened store starts every address at zero, and keeps no address in its file', async () => {
    const path = join(tempDir(), 'relay.db');
    const q = newQueue();
    let store = openSqliteStore(path, { maxBytesPerAddress: SHARE });
    await store.createQueue(q);
    await fillShare(store, [q, q]);
    await store.close();
    store = openSqliteStore(path, { maxBytesPerAddress: SHARE });
    try {
      assert.equal(await store.addMessage(q.recipientId, message(), 100, 'a'), 'ok');
      const { readFileSync } = await import('node:fs');
      assert.equal(readFileSync(path).includes('message_origins'), false, 'no table of senders in relay.db');
    } finally {
      await store.close();
    }
  });
});
