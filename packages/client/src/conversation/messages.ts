/**
 * What the user does in a conversation: write a message, read the history,
 * switch the mode (off the record or on it), export a proof.
 */
import { toHex, utf8, type ProofBundle } from '@graphchat/core';
import { agreedConnectionOf, connectionOf, contactGroup } from '../connection/contacts.js';
import { conversationCounter, ownPairs } from '../devices/contact-groups.js';
import { deviceList, THIS_DEVICE } from '../devices/device-list.js';
import { copyId, nextCounter } from '../devices/texts.js';
import { stepContext, type AgentCore } from '../context.js';
import { AgentError, type HistoryItem } from '../events.js';
import type { AgentStore } from '../store/agent-store.js';
import { isAgreed, type MessageRecord, type MessageStatus } from '../store/records.js';
import { acceptMode as acceptModeStep, proposeMode as proposeModeStep } from './mode.js';
import { queuedMessage } from './outbound.js';
import { exportProof as proofOf, type ProofRange } from './proof-export.js';

const MAX_TEXT_BYTES = 15_000;

/**
 * Queues a text message on each of this device's pairs with the contact's
 * devices (devices.md §7), with one message id and the conversation's next
 * counter; it is encrypted once a pair is connected and sent on the next
 * sync. Returns the message id the history shows it by.
 */
export function send(core: AgentCore, contactId: string, text: string): { messageId: string } {
  const { store } = core;
  const connection = connectionOf(store, contactId);
  if (connection.status === 'failed') throw new AgentError('NOT_CONNECTED', `the connection failed: ${connection.failure ?? ''}`);
  // Not on an introduction the contact's device has not joined yet: it may never (devices.md §5), and the contact shows as connecting.
  const pairs = ownPairs(contactGroup(store, contactId)).filter((c) => !(c.status === 'invited' && c.introducedVia !== undefined));
  if (pairs.length === 0) {
    const removed = deviceList(store, connection.profileId).some((d) => d.removed && d.id === store.getMeta(THIS_DEVICE));
    throw new AgentError('NOT_CONNECTED', removed ? 'this device was removed from the profile: it can no longer write as it' : 'this device is not connected to this contact yet: another of your devices is introducing it');
  }
  if (utf8(text).length > MAX_TEXT_BYTES) throw new AgentError('TOO_LONG', `a message has at most ${MAX_TEXT_BYTES} bytes`);
  const messageId = toHex(core.crypto.randomBytes(16));
  const counter = nextCounter(conversationCounter(store, connection));
  const now = core.now();
  store.transaction(() => {
    pairs.forEach((pair, i) => {
      store.putMessage({ ...queuedMessage(i === 0 ? messageId : copyId(messageId, pair.id), pair.id, 'text', text, now), messageId, counter });
      store.putConnection({ ...pair, lamport: Math.max(pair.lamport ?? 0, counter) });
    });
  });
  core.kick();
  return { messageId };
}

/**
 * Proposes to take the conversation off the record (true) or back on it
 * (false); it switches once the contact agrees (acceptMode on their side),
 * reported by a `mode` event. Throws AgentError NOT_CONNECTED.
 */
export function proposeMode(core: AgentCore, contactId: string, offTheRecord: boolean): void {
  const { store } = core;
  // Every pair this device holds with the contact's devices switches (devices.md §12).
  const pairs = ownPairs(contactGroup(store, contactId)).filter((c) => c.status === 'connected');
  if (pairs.length === 0) throw new AgentError('NOT_CONNECTED', 'the mode of a conversation changes once it is connected');
  const ctx = stepContext(core, core.now());
  store.transaction(() => {
    for (const pair of pairs) {
      if ((pair.offTheRecord === true) === offTheRecord && pair.modeProposal == null) continue; // already so
      store.putConnection(proposeModeStep(ctx, agreedConnectionOf(store, pair.id), offTheRecord));
    }
  });
  core.kick();
}

/** Agrees to the contact's pending proposal (a `mode-request` event), on each pair it came on; throws AgentError NO_MODE_REQUEST if there is none. */
export function acceptMode(core: AgentCore, contactId: string): void {
  const { store } = core;
  // Only an agreed connection receives a proposal (peerModeChange).
  const asked = contactGroup(store, contactId).filter((c) => isAgreed(c) && c.modeProposal?.byPeer === true);
  if (asked.length === 0) throw new AgentError('NO_MODE_REQUEST', 'this contact has not proposed a change of mode');
  const ctx = stepContext(core, core.now());
  store.transaction(() => {
    for (const pair of asked) store.putConnection(acceptModeStep(ctx, agreedConnectionOf(store, pair.id), pair.modeProposal!.offTheRecord));
  });
  core.emit(ctx.events);
  core.kick();
}

const STATUS_RANK: Readonly<Record<MessageStatus, number>> = { queued: 0, sent: 1, delivered: 2, received: 2 };

/**
 * The conversation with a contact: the texts and notices of all its pairs and
 * mirrors, each message id once (with the best status of its copies), in
 * the order of devices.md §7: by counter, then the writer's timestamp, then
 * message id (texts written at once on both sides share a counter: every
 * device shows them in the same order, the earlier first). Records stored
 * before counters existed come first, in the order they were stored; a
 * notice follows what came before it on its connection.
 */
export function history(store: AgentStore, contactId: string): HistoryItem[] {
  // One entry per message id and direction: a contact reusing the id of one of my texts gets an entry of its own.
  const shown = new Map<string, { message: MessageRecord; status: MessageStatus; key: number; counted: boolean }>();
  for (const connection of contactGroup(store, contactId)) {
    let key = 0;
    for (const m of store.listMessages(connection.id)) {
      if (m.kind !== 'text' && m.kind !== 'notice') continue;
      if (m.counter !== undefined) key = m.counter;
      const group = `${m.direction} ${m.messageId ?? m.id}`;
      const seen = shown.get(group);
      if (seen === undefined) shown.set(group, { message: m, status: m.status, key, counted: m.counter !== undefined });
      else {
        const status = STATUS_RANK[m.status] > STATUS_RANK[seen.status] ? m.status : seen.status;
        // Shown by the copy whose record id is the message id, the one history and events name it by.
        shown.set(group, { ...seen, status, ...(m.id === m.messageId ? { message: m } : {}) });
      }
    }
  }
  const tieBreak = (a: MessageRecord, b: MessageRecord): number => {
    const [idA, idB] = [a.messageId ?? a.id, b.messageId ?? b.id];
    return a.timestamp - b.timestamp || (idA < idB ? -1 : idA > idB ? 1 : 0) || (a.direction < b.direction ? -1 : a.direction > b.direction ? 1 : 0);
  };
  return [...shown.values()]
    .sort((a, b) => a.key - b.key || Number(b.counted) - Number(a.counted) || (a.counted && b.counted ? tieBreak(a.message, b.message) : 0))
    .map(({ message: m, status }) => ({ id: m.id, direction: m.direction, text: m.text, status, timestamp: m.timestamp, seq: m.seq, ...(m.kind === 'notice' ? { notice: true as const } : {}) }));
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
