/**
 * What the user does in a conversation: write a message, read the history,
 * switch the mode (off the record or on it), export a proof.
 */
import { utf8, type ProofBundle } from '@graphchat/core';
import { agreedConnectionOf, connectionOf } from '../connection/contacts.js';
import { newId, stepContext, type AgentCore } from '../context.js';
import { AgentError, type HistoryItem } from '../events.js';
import type { AgentStore } from '../store/agent-store.js';
import { isAgreed } from '../store/records.js';
import { acceptMode as acceptModeStep, proposeMode as proposeModeStep } from './mode.js';
import { queuedMessage } from './outbound.js';
import { exportProof as proofOf, type ProofRange } from './proof-export.js';

const MAX_TEXT_BYTES = 15_000;

/** Queues a text message; it is encrypted once the contact is connected and sent on the next sync. */
export function send(core: AgentCore, contactId: string, text: string): { messageId: string } {
  const connection = connectionOf(core.store, contactId);
  if (connection.status === 'failed') throw new AgentError('NOT_CONNECTED', `the connection failed: ${connection.failure ?? ''}`);
  if (utf8(text).length > MAX_TEXT_BYTES) throw new AgentError('TOO_LONG', `a message has at most ${MAX_TEXT_BYTES} bytes`);
  const id = newId(core.crypto);
  const message = queuedMessage(id, connection.id, 'text', text, core.now());
  core.store.transaction(() => core.store.putMessage(message));
  core.kick();
  return { messageId: id };
}

/**
 * Proposes to take the conversation off the record (true) or back on it
 * (false); it switches once the contact agrees (acceptMode on their side),
 * reported by a `mode` event. Throws AgentError NOT_CONNECTED.
 */
export function proposeMode(core: AgentCore, contactId: string, offTheRecord: boolean): void {
  const connection = connectionOf(core.store, contactId);
  if (connection.status !== 'connected') throw new AgentError('NOT_CONNECTED', 'the mode of a conversation changes once it is connected');
  if ((connection.offTheRecord === true) === offTheRecord && connection.modeProposal == null) return; // already so
  const ctx = stepContext(core, core.now());
  core.store.transaction(() => core.store.putConnection(proposeModeStep(ctx, agreedConnectionOf(core.store, contactId), offTheRecord)));
  core.kick();
}

/** Agrees to the contact's pending proposal (a `mode-request` event); throws AgentError NO_MODE_REQUEST if there is none. */
export function acceptMode(core: AgentCore, contactId: string): void {
  const connection = connectionOf(core.store, contactId);
  const proposal = connection.modeProposal;
  // Only an agreed connection receives a proposal (peerModeChange).
  if (!isAgreed(connection) || proposal == null || !proposal.byPeer) throw new AgentError('NO_MODE_REQUEST', 'this contact has not proposed a change of mode');
  const ctx = stepContext(core, core.now());
  core.store.transaction(() => core.store.putConnection(acceptModeStep(ctx, agreedConnectionOf(core.store, contactId), proposal.offTheRecord)));
  core.emit(ctx.events);
  core.kick();
}

export function history(store: AgentStore, contactId: string): HistoryItem[] {
  return store
    .listMessages(connectionOf(store, contactId).id)
    .filter((m) => m.kind === 'text' || m.kind === 'notice')
    .map((m) => ({ id: m.id, direction: m.direction, text: m.text, status: m.status, timestamp: m.timestamp, seq: m.seq, ...(m.kind === 'notice' ? { notice: true as const } : {}) }));
}

/**
 * A proof bundle of the conversation with the contact, from message
 * `range.from` to `range.to` (ids as in `history`; default all of it),
 * for anyone to check with `verifyProofBundle`. Throws AgentError
 * NO_CONTACT, NOT_CONNECTED, BAD_RANGE or OFF_THE_RECORD.
 */
export function exportProof(store: AgentStore, crypto: AgentCore['crypto'], contactId: string, range: ProofRange = {}): ProofBundle {
  const connection = connectionOf(store, contactId);
  return proofOf(crypto, connection, store.listMessages(connection.id), range);
}
