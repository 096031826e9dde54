/**
 * What this side seals on a connection outside the receive path's own
 * replies: the messages the user wrote, the receipts due, and the envelopes
 * the agent seals on its own, each stored as sent and queued in the outbox.
 * Runs inside the caller's transaction, so a sealed envelope is never stored
 * without the ratchet state that produced it.
 */
import { fromHex, MAX_BATCHED_RECEIPTS, type Content } from '@graphchat/core';
import { profileContent } from '../connection/handshake.js';
import type { StepContext } from '../context.js';
import { enqueueSealed, sendSealed } from '../outbox/enqueue.js';
import { copySent } from '../devices/fan-out.js';
import { chatVersionOf, type AgreedConnection, type MessageRecord } from '../store/records.js';
import { sealEnvelope } from './envelope-crypto.js';

/** A message written on this side, to be sealed once the connection is connected (sealQueued). */
export function queuedMessage(id: string, connectionId: string, kind: 'text' | 'profile', text: string, now: number): MessageRecord {
  return { id, connectionId, direction: 'sent', kind, seq: 0, text, timestamp: now, localTime: now, status: 'queued', envelope: null, hash: null };
}

/**
 * Seals the receipts due on a connection into one envelope (`receipt` for
 * one, `receipts` for several) and queues it; returns the connection's new
 * state. Runs inside the caller's transaction.
 */
export function sealReceipts(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  let current: AgreedConnection = { ...connection, receiptsDue: [] };
  // A signed receipt for an unsigned envelope would prove it was received: those go only in unsigned envelopes.
  const due = connection.offTheRecord === true ? connection.receiptsDue : connection.receiptsDue.filter((r) => r.unsigned !== true);
  for (let i = 0; i < due.length; i += MAX_BATCHED_RECEIPTS) {
    const batch = due.slice(i, i + MAX_BATCHED_RECEIPTS).map(({ seq, hash }) => ({ seq, hash }));
    const content: Content = batch.length === 1 ? { type: 'receipt', ...batch[0]! } : { type: 'receipts', receipts: batch };
    const sealed = sealEnvelope(ctx.crypto, current, content, ctx.now);
    current = sealed.connection;
    sendSealed(ctx, 'receipt', sealed);
  }
  return current;
}

/**
 * Seals the messages the user wrote for this connection and has not sent
 * yet, in order, into the outbox; returns the connection's new state. Runs
 * inside the caller's transaction.
 */
export function sealQueued(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  const { store, crypto } = ctx;
  const profile = store.getProfile(connection.profileId);
  let current = connection;
  for (const message of store.listUnencrypted(connection.id)) {
    const content = message.kind === 'profile' && profile !== null ? ({ type: 'profile', profile: profileContent(profile.profile) } as const) : textContent(current, message);
    const sealed = sealEnvelope(crypto, current, content, message.timestamp);
    current = sealed.connection;
    const stored = { ...message, seq: sealed.envelope.seq, envelope: sealed.signed, hash: sealed.hash };
    store.putMessage(stored);
    enqueueSealed(store, sealed, message.id);
    if (message.kind === 'text') copySent(ctx, current, stored);
  }
  return current;
}

/** A text as a connection of its version carries it: from version 4 with its message id and counter (devices.md §7). */
function textContent(connection: AgreedConnection, message: MessageRecord): Content {
  if (chatVersionOf(connection) < 4 || message.messageId === undefined || message.counter === undefined) return { type: 'text', text: message.text };
  return { type: 'text', text: message.text, messageId: fromHex(message.messageId), counter: message.counter };
}

export function storeSentHandshake(ctx: StepContext, connectionId: string, seq: number, signed: Uint8Array, hash: Uint8Array): void {
  ctx.store.putMessage({
    id: ctx.newId(),
    connectionId,
    direction: 'sent',
    kind: 'handshake',
    seq,
    text: '',
    timestamp: ctx.now,
    localTime: ctx.now,
    status: 'sent',
    envelope: signed,
    hash,
  });
}

/** The joiner's `hello` (graph-chat §7.4), once the reply has made it connected: stored as sent and queued. */
export function sealHello(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  const hello = sealEnvelope(ctx.crypto, connection, { type: 'hello' }, ctx.now);
  storeSentHandshake(ctx, hello.connection.id, hello.envelope.seq, hello.signed, hello.hash);
  enqueueSealed(ctx.store, hello, null);
  return hello.connection;
}
