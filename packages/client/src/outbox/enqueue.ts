/**
 * Putting a sealed envelope into the persistent outbox: one item per relay
 * of the peer, so every relay gets a copy (graph-chat §8). Items leave
 * per queue in order and stay until the relay accepts them.
 */
import { encodeQueueBody, equalBytes } from '@graphchat/core';
import type { StepContext } from '../context.js';
import type { Sealed } from '../conversation/envelope-crypto.js';
import type { AgentStore } from '../store/agent-store.js';
import { chatVersionOf, type ConnectionRecord, type MessageKind, type OutboxRecord, type SendQueueRecord } from '../store/records.js';
import { relayKey } from '../transport/relay-pool.js';

/**
 * Adds the sealed envelope as a ratchet message to the connection's send
 * queues (enqueueBody). `signed` is false only for the first message to
 * queues not secured yet.
 */
export function enqueueSealed(store: AgentStore, sealed: Sealed, messageId: string | null, signed = true, body?: Uint8Array, queues?: readonly SendQueueRecord[]): void {
  const bytes = body ?? encodeQueueBody({ type: 'message', header: sealed.header, ciphertext: sealed.ciphertext }, chatVersionOf(sealed.connection));
  enqueueBody(store, sealed.connection, { body: bytes, messageId, seq: sealed.envelope.seq, hash: sealed.hash }, signed, queues);
}

/**
 * Adds a queue body to the connection's send queues in use: a copy for
 * every relay of the peer, and, where the peer has several queues on one
 * relay, to one of them in turn (by seq), so that consecutive messages
 * travel through that relay side by side. Seq 0 is a body outside the
 * envelope chain (a resync, §8.7), which pruneReceived never drops.
 * `queues` narrows the copies to some of them (a queues-test goes through
 * the new queues only, §8.6).
 */
export function enqueueBody(
  store: AgentStore,
  connection: ConnectionRecord,
  item: Pick<OutboxRecord, 'body' | 'messageId' | 'seq' | 'hash'>,
  signed = true,
  queues: readonly SendQueueRecord[] = connection.sendQueues.filter((queue) => queue.state === undefined),
): void {
  const byRelay = new Map<string, SendQueueRecord[]>();
  for (const queue of queues) {
    const key = relayKey(queue.relay);
    byRelay.set(key, [...(byRelay.get(key) ?? []), queue]);
  }
  for (const queues of byRelay.values()) {
    const queue = queues[Math.max(0, item.seq - 1) % queues.length]!;
    store.addOutbox({
      connectionId: connection.id,
      relay: queue.relay,
      senderId: queue.senderId,
      senderSecretKey: signed ? queue.senderSecretKey : null,
      ...item,
    });
  }
}

/**
 * Drops the outbox copies of envelopes the peer already has. Each envelope
 * the peer sends names the last one it received from us (lastReceivedHash);
 * it receives in seq order, so it has every envelope up to that one, and
 * copies still waiting for another relay (one that was down, say) are no
 * longer needed. Without this, such a copy would arrive long after its
 * ratchet chain was forgotten and look like a forgery.
 */
export function pruneReceived(store: AgentStore, connectionId: string, lastReceivedHash: Uint8Array): void {
  const items = store.listOutbox().filter((item) => item.connectionId === connectionId);
  const named = items.find((item) => equalBytes(item.hash, lastReceivedHash));
  if (named === undefined) return;
  for (const item of items) {
    if (item.seq > named.seq || item.seq === 0) continue;
    store.deleteOutbox(item.id);
    const message = item.messageId === null ? null : store.getMessage(item.messageId);
    if (message !== null && message.status === 'queued' && message.seq === item.seq) store.putMessage({ ...message, status: 'sent' });
  }
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;

/** Delay before the next attempt after `failures` failed ones: doubling from 250 ms, at most 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, failures - 1));
}

/** Stores an envelope this side sealed on its own (a receipt, a mode change: nothing the user wrote) as sent, and queues it. */
export function sendSealed(ctx: StepContext, kind: MessageKind, sealed: Sealed, queues?: readonly SendQueueRecord[]): void {
  ctx.store.putMessage({
    id: ctx.newId(),
    connectionId: sealed.connection.id,
    direction: 'sent',
    kind,
    seq: sealed.envelope.seq,
    text: '',
    timestamp: ctx.now,
    localTime: ctx.now,
    status: 'sent',
    envelope: sealed.signed,
    hash: sealed.hash,
  });
  enqueueSealed(ctx.store, sealed, null, true, undefined, queues);
}
