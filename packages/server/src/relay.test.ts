// The relay's command logic over a real SQLite store, with the store or the
// crypto wrapped to observe or hold what the relay does.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  decodeResponse,
  decodeTransmission,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  signatureInput,
  utf8,
  type Command,
  type Crypto,
  type Response,
} from '@graphchat/core';
import { createLogger } from './log.js';
import { Relay } from './relay.js';
import { openSqliteStore } from './sqlite-store.js';
import type { QueueStore } from './store.js';
import { crypto, tempDir } from './test-support/harness.js';

const SESSION = new Uint8Array(32).fill(7);
const EMPTY = new Uint8Array(0);

function newRelay(store: QueueStore, relayCrypto: Crypto = crypto): Relay {
  const noLimit = { burst: 0, perMinute: 0 };
  return new Relay({
    crypto: relayCrypto,
    store,
    password: '',
    queueQuota: 128,
    maxSubscriptions: 10,
    maxQueuesPerSession: 0,
    sessionQueueRate: noLimit,
    addressQueueRate: noLimit,
    addressSendRate: noLimit,
    log: createLogger('error'),
  });
}

function transmission(entityId: Uint8Array, command: Command, signingKey: Uint8Array | null): Uint8Array {
  const signed = encodeSigned(utf8('c'), entityId, encodeCommand(command));
  return encodeTransmission(signingKey ? crypto.ed25519Sign(signingKey, signatureInput(SESSION, signed)) : EMPTY, signed);
}

const decode = (bytes: Uint8Array): Response => decodeResponse(decodeTransmission(bytes).message);

async function newQueue(relay: Relay) {
  const key = crypto.ed25519KeyPair();
  const connection = relay.connect(SESSION, () => {}, true, '127.0.0.1');
  const [ids] = await connection.handle([transmission(EMPTY, { type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: crypto.x25519KeyPair().publicKey, password: '' }, key.secretKey)]);
  const response = decode(ids!);
  assert.ok(response.type === 'IDS');
  return { connection, key, ...response };
}

describe('relay', () => {
  it('answers the forwarding commands of version 2 with SYNTAX in a version 1 session, as any unknown command', async () => {
    const relay = newRelay(openSqliteStore(join(tempDir(), 'relay.db')));
    const connection = relay.connect(SESSION, () => {}, true, '127.0.0.1', 1);
    const commands: Command[] = [
      { type: 'PRXY', relay: 'emp://NKMaDQFvrZuGtwupX0sht_TqQBBEEINvd9friwXXhZ8@relay.example.com' },
      { type: 'PFWD', ephemeralKey: new Uint8Array(32), sealed: EMPTY },
      { type: 'RFWD', ephemeralKey: new Uint8Array(32), sealed: EMPTY },
    ];
    const answers = await connection.handle(commands.map((command) => transmission(EMPTY, command, null)));
    assert.deepEqual(answers.map(decode), commands.map(() => ({ type: 'ERR', code: 'SYNTAX' })));
    relay.close();
  });

  it('answers a SEND only once the message is durable (flush resolved)', async () => {
    const store = openSqliteStore(join(tempDir(), 'relay.db'));
    let release: () => void = () => {};
    let held = false;
    const gated: QueueStore = {
      ...store,
      flush: async () => {
        if (held) await new Promise<void>((resolve) => (release = resolve));
        return store.flush();
      },
    };
    const relay = newRelay(gated);
    const queue = await newQueue(relay);
    held = true;
    let answered = false;
    const answer = queue.connection.handle([transmission(queue.senderId, { type: 'SEND', body: utf8('durable?') }, null)]).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(answered, false, 'OK sent before the store was flushed');
    release();
    assert.deepEqual((await answer).map(decode), [{ type: 'OK' }]);
    await store.close();
  });

  it('answers every command of a block INTERNAL when the commit fails, and stays up', async () => {
    const store = openSqliteStore(join(tempDir(), 'relay.db'));
    let fail = false;
    const failing: QueueStore = { ...store, flush: async () => (fail ? Promise.reject(new Error('disk full')) : store.flush()) };
    const relay = newRelay(failing);
    const queue = await newQueue(relay);
    fail = true;
    const responses = await queue.connection.handle([
      transmission(queue.senderId, { type: 'SEND', body: utf8('a') }, null),
      transmission(EMPTY, { type: 'PING' }, null),
    ]);
    assert.deepEqual(responses.map(decode), [{ type: 'ERR', code: 'INTERNAL' }, { type: 'ERR', code: 'INTERNAL' }]);
    fail = false;
    assert.deepEqual((await queue.connection.handle([transmission(EMPTY, { type: 'PING' }, null)])).map(decode), [{ type: 'PONG' }]);
    await store.close();
  });

  it('verifies a signature even when the queue does not exist, so timing does not reveal which ids exist', async () => {
    const store = openSqliteStore(join(tempDir(), 'relay.db'));
    let verifications = 0;
    const counting: Crypto = {
      ...crypto,
      ed25519Verify: (...args) => {
        verifications++;
        return crypto.ed25519Verify(...args);
      },
    };
    const relay = newRelay(store, counting);
    const queue = await newQueue(relay);
    const stranger = crypto.ed25519KeyPair();
    for (const [entity, command] of [
      [queue.recipientId, { type: 'SUB' }],
      [crypto.randomBytes(24), { type: 'SUB' }],
      [queue.senderId, { type: 'SEND', body: utf8('x') }],
      [crypto.randomBytes(24), { type: 'SEND', body: utf8('x') }],
    ] as const) {
      const before = verifications;
      const [response] = await queue.connection.handle([transmission(entity, command, stranger.secretKey)]);
      assert.deepEqual(decode(response!), { type: 'ERR', code: 'AUTH' });
      assert.equal(verifications - before, 1, `one verification for ${command.type}`);
    }
    await store.close();
  });

  it('survives a store that fails while delivering', async () => {
    const store = openSqliteStore(join(tempDir(), 'relay.db'));
    let fail = false;
    const failing: QueueStore = { ...store, firstMessage: (id) => (fail ? Promise.reject(new Error('I/O error')) : store.firstMessage(id)) };
    const relay = newRelay(failing);
    const queue = await newQueue(relay);
    const pushes: Response[] = [];
    const subscriber = relay.connect(SESSION, (t) => pushes.push(decode(t)), true, '127.0.0.1');
    fail = true;
    assert.deepEqual((await subscriber.handle([transmission(queue.recipientId, { type: 'SUB' }, queue.key.secretKey)])).map(decode), [{ type: 'OK' }]);
    await queue.connection.handle([transmission(queue.senderId, { type: 'SEND', body: utf8('later') }, null)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(pushes.length, 0);
    fail = false;
    // The next SUB delivers what the failed attempts could not.
    await subscriber.handle([transmission(queue.recipientId, { type: 'SUB' }, queue.key.secretKey)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(pushes[0]?.type, 'MSG');
    await store.close();
  });

  it('answers AUTH, not INTERNAL, to a SEND whose queue is deleted while it runs', async () => {
    const store = openSqliteStore(join(tempDir(), 'relay.db'));
    // The queue disappears between the SEND's lookup and its write, as when a DEL from another connection lands in between.
    const racing: QueueStore = {
      ...store,
      queueBySenderId: async (id) => {
        const queue = await store.queueBySenderId(id);
        if (queue !== null) await store.deleteQueue(queue.recipientId);
        return queue;
      },
    };
    const relay = newRelay(racing);
    const queue = await newQueue(relay);
    const [send] = await queue.connection.handle([transmission(queue.senderId, { type: 'SEND', body: utf8('racing') }, null)]);
    assert.deepEqual(decode(send!), { type: 'ERR', code: 'AUTH' });
    await store.close();
  });
});
