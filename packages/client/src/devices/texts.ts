/**
 * Storing a text of a conversation that spans several pairs (devices.md
 * §7): each copy is kept with the pair that carried it (its envelope, for
 * proofs), the first copy of a message id under that id, later copies
 * under their own; a conversation shows each message id once, ordered by
 * (counter, message id).
 */
import { toHex } from '@graphchat/core';
import type { StepContext } from '../context.js';
import type { AgentStore } from '../store/agent-store.js';
import type { ConnectionRecord, MessageDirection, MessageRecord, MessageStatus } from '../store/records.js';
import { contactConnections, contactKey, conversationCounter } from './contact-groups.js';

export interface TextCopy {
  readonly direction: MessageDirection;
  readonly seq: number;
  readonly text: string;
  readonly timestamp: number;
  readonly localTime: number;
  readonly status: MessageStatus;
  readonly envelope: Uint8Array;
  readonly hash: Uint8Array;
  readonly messageId?: Uint8Array | undefined;
  readonly counter?: number | undefined;
}

/**
 * Stores one copy of a text on `connection` inside the caller's
 * transaction. `duplicate`: the conversation already had this message id in
 * this direction (another pair or a device brought it first). `lamport`:
 * the connection's counter after it. A text without a counter (version 3 and
 * older) gets the next one of the conversation, so it takes its place as it
 * arrives.
 */
export function storeText(ctx: StepContext, connection: ConnectionRecord, copy: TextCopy): { record: MessageRecord; duplicate: boolean; lamport: number } {
  const { store } = ctx;
  const hex = copy.messageId === undefined ? undefined : toHex(copy.messageId);
  const existing = hex === undefined ? null : store.getMessage(hex);
  const existingConnection = existing === null ? null : store.getConnection(existing.connectionId);
  // Only the same person's copy counts: a contact that reuses the id of one of my messages gets its own record.
  const duplicate = existing !== null && existing.direction === copy.direction && existingConnection !== null && contactKey(existingConnection) === contactKey(connection);
  const counter = copy.counter ?? nextCounter(conversationCounter(store, connection));
  const record: MessageRecord = {
    id: hex !== undefined && existing === null ? hex : ctx.newId(),
    connectionId: connection.id,
    direction: copy.direction,
    kind: 'text',
    seq: copy.seq,
    text: copy.text,
    timestamp: copy.timestamp,
    localTime: copy.localTime,
    status: copy.status,
    envelope: copy.envelope,
    hash: copy.hash,
    ...(hex !== undefined ? { messageId: hex } : {}),
    counter,
  };
  store.putMessage(record);
  return { record, duplicate, lamport: Math.max(connection.lamport ?? 0, counter) };
}

/** The largest counter a text carries (u32): a contact that sends it gets texts with the same counter, ordered by time and id after it. */
export const MAX_COUNTER = 0xffff_ffff;

/** The counter after `highest`, never past MAX_COUNTER (a contact's text may carry it). */
export function nextCounter(highest: number): number {
  return Math.min(MAX_COUNTER, highest + 1);
}

/**
 * The id a conversation shows a text of mine by: its message id (the first
 * copy's record, made when it was written, has it as its id). A received
 * text is shown by its own record id, which is its message id unless that
 * id was taken (texts.ts storeText).
 */
export function shownId(message: MessageRecord): string {
  return message.direction === 'sent' ? (message.messageId ?? message.id) : message.id;
}

/** The record id of a text's copy for one pair, other than the first (whose id is the message id). */
export function copyId(messageId: string, connectionId: string): string {
  return `${messageId}.${connectionId}`;
}

/**
 * Whether another copy of a text I wrote (on another pair with the
 * contact's devices) is already at least `status`: the text as shown has
 * reached it already, and an event for this copy would say it twice.
 */
export function otherCopyAlready(store: AgentStore, message: MessageRecord, status: 'sent' | 'delivered'): boolean {
  if (message.messageId === undefined || message.direction !== 'sent') return false;
  const connection = store.getConnection(message.connectionId);
  if (connection === null) return false;
  const ids = [message.messageId, ...contactConnections(store, connection.profileId, contactKey(connection)).map((c) => copyId(message.messageId!, c.id))];
  return ids.some((id) => {
    if (id === message.id) return false;
    const copy = store.getMessage(id);
    return copy !== null && (copy.status === 'delivered' || (status === 'sent' && copy.status === 'sent'));
  });
}
