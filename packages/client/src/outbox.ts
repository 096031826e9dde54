/**
 * Putting a sealed envelope into the persistent outbox: one item per send
 * queue, so every relay of the peer gets a copy (graph-chat §8). Items leave
 * per queue in order and stay until the relay accepts them.
 */
import { encodeQueueBody } from '@graphchat/core';
import type { Sealed } from './conversation.js';
import type { AgentStore } from './store.js';

/**
 * Adds the sealed envelope as a ratchet message to every send queue of its
 * connection. `signed` is false only for the inviter's reply, which goes to
 * queues the joiner has not secured yet.
 */
export function enqueueSealed(store: AgentStore, sealed: Sealed, messageId: string | null, signed = true, body?: Uint8Array): void {
  const bytes = body ?? encodeQueueBody({ type: 'message', header: sealed.header, ciphertext: sealed.ciphertext });
  for (const queue of sealed.connection.sendQueues) {
    store.addOutbox({
      connectionId: sealed.connection.id,
      relay: queue.relay,
      senderId: queue.senderId,
      senderSecretKey: signed ? queue.senderSecretKey : null,
      body: bytes,
      messageId,
    });
  }
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;

/** Delay before the next attempt after `failures` failed ones: doubling from 250 ms, at most 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, failures - 1));
}
