// A malicious relay for the agent tests (malicious-relay.test.ts,
// malicious-handshake.test.ts): the relay holds every key a relay has, so it
// opens the EMP queue encryption (edge-messaging §8) and sees each SEND body,
// the graph-chat queue body of graph-chat §3.
//
// The relay is real (startTestRelay on loopback); its QueueStore is wrapped by
// MaliciousStore, which decrypts every stored message with the queue secret,
// applies the test's attack and re-encrypts what it stores.
import assert from 'node:assert/strict';
import { type TestContext } from 'node:test';
import type { ReceiveQueueRecord } from '@graphchat/client';
import {
  concatBytes,
  decodeQueueBody,
  decryptQueueMessage,
  encodeQueueBody,
  encryptQueueMessage,
  limits,
  toHex,
  type QueueBody,
  type QueueMessage,
} from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import type { QueueRecord, QueueStore, StoredMessage } from 'graphchat-server';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';

type RunningRelay = Awaited<ReturnType<typeof startTestRelay>>;

/** One SEND as the relay sees it once it has removed its own queue encryption. */
interface Intercepted {
  readonly queue: QueueRecord;
  readonly message: QueueMessage;
  /** The graph-chat queue body, or null when it does not decode. */
  readonly decoded: QueueBody | null;
}

/**
 * A QueueStore wrapper that plays the malicious relay. `attack` decides, per
 * SEND, which bodies are stored in its place (none: dropped); every body it
 * stores is encrypted afresh for the recipient under a new message id.
 *
 * A batch (graph-chat §3) is split into its messages, each handled as a SEND
 * of its own and stored as a separate message body: a relay sees a batch's
 * framing and can re-frame it, and the attacks below act on one message at
 * a time.
 */
class MaliciousStore implements QueueStore {
  /** Everything the relay learns: queue records (ids, keys, secrets), registered sender keys, and every SEND body in clear. */
  readonly queues: QueueRecord[] = [];
  readonly senderKeys: Uint8Array[] = [];
  readonly sends: Intercepted[] = [];
  /** Every SEND body as it came, batches whole. */
  readonly bodies: Uint8Array[] = [];
  /** Message ids (hex) this wrapper stored, with a label, and those the recipient acknowledged. */
  readonly forged = new Map<string, string>();
  readonly acked = new Set<string>();
  /** The bodies stored in place of a SEND (none: dropped), or null to store it untouched. */
  attack: ((send: Intercepted) => Uint8Array[] | null) | null = null;
  /** While true nothing is delivered: messages wait (a slow relay, not an attack). */
  paused = false;
  relay: RunningRelay | null = null;

  constructor(private readonly inner: QueueStore) {}

  createQueue(queue: QueueRecord): ReturnType<QueueStore['createQueue']> {
    this.queues.push(queue);
    return this.inner.createQueue(queue);
  }
  queueByRecipientId(id: Uint8Array): Promise<QueueRecord | null> {
    return this.inner.queueByRecipientId(id);
  }
  queueBySenderId(id: Uint8Array): Promise<QueueRecord | null> {
    return this.inner.queueBySenderId(id);
  }
  secureQueue(id: Uint8Array, key: Uint8Array): Promise<boolean> {
    this.senderKeys.push(key);
    return this.inner.secureQueue(id, key);
  }
  suspendQueue(id: Uint8Array): Promise<void> {
    return this.inner.suspendQueue(id);
  }
  deleteQueue(id: Uint8Array): Promise<void> {
    return this.inner.deleteQueue(id);
  }
  async addMessage(recipientId: Uint8Array, stored: StoredMessage, quota: number, origin: string): ReturnType<QueueStore['addMessage']> {
    const queue = await this.inner.queueByRecipientId(recipientId);
    if (queue === null) return this.inner.addMessage(recipientId, stored, quota, origin);
    const message = decryptQueueMessage(crypto, queue.dhSecret, stored.msgId, stored.body);
    let decoded: QueueBody | null = null;
    try {
      decoded = decodeQueueBody(message.body);
    } catch {
      decoded = null;
    }
    this.bodies.push(message.body);
    if (decoded?.type !== 'batch') return this.handle(queue, { queue, message, decoded }, () => this.inner.addMessage(recipientId, stored, quota, origin), quota, origin);
    for (const item of decoded.messages) {
      const body = encodeQueueBody({ type: 'message', ...item });
      const send: Intercepted = { queue, message: { ...message, body }, decoded: { type: 'message', ...item } };
      const result = await this.handle(queue, send, () => this.put(queue, body, message.authorized, 'unbatched', quota, origin), quota, origin);
      if (result !== 'ok') return result;
    }
    return 'ok';
  }
  /** Records one SEND (or one message of a batch) and stores what the attack makes of it, or `untouched` without one. */
  private async handle(queue: QueueRecord, send: Intercepted, untouched: () => ReturnType<QueueStore['addMessage']>, quota: number, origin: string) {
    this.sends.push(send);
    const bodies = this.attack?.(send) ?? null;
    if (bodies === null) return untouched();
    for (const body of bodies) {
      const result = await this.put(queue, body, send.message.authorized, 'attack', quota, origin);
      if (result !== 'ok') return result;
    }
    return 'ok';
  }
  async firstMessage(id: Uint8Array): Promise<StoredMessage | null> {
    return this.paused ? null : this.inner.firstMessage(id);
  }
  async ackMessage(id: Uint8Array, msgId: Uint8Array): Promise<boolean> {
    const acknowledged = await this.inner.ackMessage(id, msgId);
    if (acknowledged) this.acked.add(toHex(msgId));
    return acknowledged;
  }
  deleteExpired(time: number): ReturnType<QueueStore['deleteExpired']> {
    return this.inner.deleteExpired(time);
  }
  stats(): ReturnType<QueueStore['stats']> {
    return this.inner.stats();
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Stores `body` in a queue as if a sender had sent it, and pushes it to a subscriber. */
  async inject(recipientId: Uint8Array, body: Uint8Array, label: string, authorized = true): Promise<void> {
    const queue = await this.inner.queueByRecipientId(recipientId);
    assert.ok(queue !== null, 'inject into an existing queue');
    assert.equal(await this.put(queue, body, authorized, label, 128, 'the relay itself'), 'ok');
    await this.inner.flush();
    this.relay?.relay.deliverSoon(recipientId);
  }

  /** A queue of the relay's own, as a reply address for an injected confirmation. */
  async ownQueue(): Promise<QueueRecord> {
    const queue: QueueRecord = {
      recipientId: crypto.randomBytes(limits.ID_LENGTH),
      senderId: crypto.randomBytes(limits.ID_LENGTH),
      recipientKey: crypto.ed25519KeyPair().publicKey,
      senderKey: null,
      dhSecret: crypto.randomBytes(32),
      suspended: false,
    };
    await this.inner.createQueue(queue);
    await this.inner.flush();
    return queue;
  }

  /** Ids of forged messages (with `label`, or any but re-framed batch items) the recipient took and acknowledged (proof that it processed them). */
  processed(label?: string): number {
    return [...this.forged].filter(([id, l]) => (label === undefined ? l !== 'unbatched' : l === label) && this.acked.has(id)).length;
  }

  private put(queue: QueueRecord, body: Uint8Array, authorized: boolean, label: string, quota: number, origin: string): ReturnType<QueueStore['addMessage']> {
    const msgId = crypto.randomBytes(limits.ID_LENGTH);
    const createdAt = Date.now();
    this.forged.set(toHex(msgId), label);
    const encrypted = encryptQueueMessage(crypto, queue.dhSecret, msgId, { timestamp: createdAt, authorized, body });
    return this.inner.addMessage(queue.recipientId, { msgId, createdAt, body: encrypted }, quota, origin);
  }
}

export interface EvilRelay {
  readonly running: RunningRelay;
  readonly store: MaliciousStore;
  readonly address: string;
}

/** A relay for one test, closed when the test ends. */
export async function evilRelay(t: TestContext): Promise<EvilRelay> {
  let store: MaliciousStore | null = null;
  const running = await startTestRelay({}, { wrapStore: (inner) => (store = new MaliciousStore(inner)) });
  t.after(() => running.close());
  store!.relay = running;
  return { running, store: store!, address: running.address };
}

/** Alice and Bob connected through one malicious relay (no honest one to fall back on). */
export async function pairOnEvilRelay(t: TestContext) {
  const evil = await evilRelay(t);
  const alice = makeAgent('alice', [evil.address]);
  const bob = makeAgent('bob', [evil.address]);
  const { aliceSide, bobSide } = await connectPair(alice, bob);
  assert.equal(status(bob, bobSide), 'connected');
  return { evil, alice, bob, aliceSide, bobSide };
}

/** Short idle times: loopback relays answer in milliseconds. */
export const sync = (agents: readonly TestAgent[]) => syncAll(agents, 10_000, 200);

export function receiveQueue(a: TestAgent, contactId: string, relay: EvilRelay): ReceiveQueueRecord {
  const queue = a.store.getConnection(contactId)!.receiveQueues.find((q) => q.relay === relay.address);
  assert.ok(queue !== undefined, 'a receive queue on this relay');
  return queue;
}

export const isFor = (queue: ReceiveQueueRecord) => (send: Intercepted) => toHex(send.queue.recipientId) === toHex(queue.recipientId);
export const rejections = (a: TestAgent, contactId: string) => a.events.filter((e) => e.event === 'rejected' && e.contact === contactId);
export const texts = (a: TestAgent, contactId: string, direction: 'sent' | 'received') =>
  a.agent.history(contactId).filter((m) => m.direction === direction);
export const status = (a: TestAgent, contactId: string) => a.store.getConnection(contactId)!.status;

// ---- alterations of a queue body (graph-chat §3: version, tag, [keys], header:40, ciphertext) ----

const headerOffset = (body: Uint8Array) => (body[1] === 1 ? 2 + 1185 : 2);
export function flipCiphertextBit(body: Uint8Array): Uint8Array {
  const altered = body.slice();
  altered[altered.length - 20]! ^= 0x04;
  return altered;
}
function flipHeaderBit(body: Uint8Array): Uint8Array {
  const altered = body.slice();
  altered[headerOffset(body) + 5]! ^= 0x10; // inside the ratchet public key
  return altered;
}
const truncate = (body: Uint8Array) => body.slice(0, body.length - 1);
function replaceCiphertext(body: Uint8Array): Uint8Array {
  const start = headerOffset(body) + 40;
  return concatBytes(body.subarray(0, start), crypto.randomBytes(body.length - start));
}
export const ALTERATIONS = [flipCiphertextBit, truncate, replaceCiphertext, flipHeaderBit];

export function findBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle)) !== -1;
}
