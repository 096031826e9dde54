/**
 * The receive path: a message pushed by a relay is opened, decrypted,
 * verified, held for a gap or delivered, and stored with what it causes;
 * only then is it acknowledged. Confirmations and contact-address requests
 * arrive here too.
 */
import {
  ackMessage,
  decodeQueueBody,
  decodeUnsignedEnvelope,
  equalBytes,
  encodeInvitation,
  formatInvitationLink,
  isUnsignedEnvelope,
  openMessage,
  type Push,
  type QueueBody,
  RatchetError,
  type RatchetMessage,
  toHex,
  ZERO_HASH,
} from '@graphchat/core';
import { acceptConfirmation, HandshakeRejected, openRequest } from '../connection/handshake.js';
import { newId, stepContext, type AgentContext, type StepContext } from '../context.js';
import type { AgentEvent } from '../events.js';
import { enqueueSealed } from '../outbox/enqueue.js';
import { decryptEnvelope, verifyEnvelope } from './envelope-crypto.js';
import { chainsOn, deliverEnvelope } from './inbound.js';
import { offerResync, receiveResync } from './resync.js';
import { unprovenResync, waitForGap } from './unproven-resync.js';
import { storeSentHandshake } from './outbound.js';
import { requestRecord } from '../connection/request-record.js';
import { closeConnection } from '../devices/closing.js';
import { thisDeviceName } from '../devices/device-list.js';
import { LINK_GRACE_MS } from '../devices/linking.js';

import type { PoolSession } from '../transport/relay-pool.js';
import { asRecipientQueue } from '../transport/sessions.js';
import type { AgentStore } from '../store/agent-store.js';
import { isAgreed, type AgreedConnection, type ConnectionRecord, type ReceiveQueueRecord } from '../store/records.js';

/** Requests at a contact address waiting for the user's answer, at most (per profile). */
const MAX_PENDING_REQUESTS = 100;
/** Envelopes held for a gap before them, at most (per connection): what a peer can make this side store unseen. */
const MAX_HELD = 1000;

export class Receiver {
  /** The connection of each receive queue, by recipient id (hex). A queue a move deleted stays here, and finds none. */
  private readonly queueIndex = new Map<string, string>();

  /** `kick` runs the work loop, as what was received may call for receipts or replies. */
  constructor(
    private readonly ctx: AgentContext,
    private readonly kick: () => void,
  ) {}

  indexQueues(connection: ConnectionRecord): void {
    for (const queue of connection.receiveQueues) this.queueIndex.set(toHex(queue.recipientId), connection.id);
  }

  received(session: PoolSession, push: Push): void {
    const { store, activity } = this.ctx;
    activity.touch();
    const recipientHex = toHex(push.recipientId);
    if (push.response.type === 'END') {
      session.subscribed.delete(recipientHex);
      return;
    }
    const { msgId, encryptedBody } = push.response;
    const connectionId = this.queueIndex.get(recipientHex);
    const connection = connectionId === undefined ? null : store.getConnection(connectionId);
    const queue = connection?.receiveQueues.find((q) => equalBytes(q.recipientId, push.recipientId));
    if (connection === null || queue === undefined) return;
    let events: AgentEvent[];
    try {
      events = receive(this.ctx, connection, queue, msgId, encryptedBody);
    } catch (error) {
      // Not the message's fault (a store failure, say): nothing was stored, so it is not acknowledged, and the
      // relay delivers it again on the next subscription. Bad input never gets here; receive() rejects it.
      this.ctx.emit([{ event: 'rejected', contact: connection.id, reason: `not stored, to be delivered again: ${(error as Error).message}` }]);
      return;
    }
    this.ctx.emit(events);
    // Acknowledged only now that everything it caused is stored: a crash before this line means redelivery, not loss.
    // A store that writes behind (IndexedDB) has stored it once its flush resolves; if that fails, no ACK, and the
    // relay delivers the message again.
    const client = session.client;
    if (client !== null) {
      const durable = store.flush?.() ?? Promise.resolve();
      void activity.track(durable.then(() => ackMessage(client, asRecipientQueue(queue), msgId)).catch(() => {}));
    }
    this.kick();
  }
}

function receive(ctx: AgentContext, connection: ConnectionRecord, queue: ReceiveQueueRecord, msgId: Uint8Array, encryptedBody: Uint8Array): AgentEvent[] {
  const { crypto } = ctx;
  const reject = (reason: string): AgentEvent[] => [{ event: 'rejected', contact: connection.id, reason }];
  if (connection.status === 'failed') return [];
  let body;
  let version: number;
  try {
    const bytes = openMessage(crypto, asRecipientQueue(queue), msgId, encryptedBody).body;
    body = decodeQueueBody(bytes);
    version = bytes[0]!;
  } catch (error) {
    return reject(`unreadable message: ${(error as Error).message}`);
  }
  // A confirmation's version is the one the joiner chose from the invitation's range: the connection's (§3).
  if (body.type === 'confirmation') return receiveConfirmation(ctx, connection, body, version);
  if (!isAgreed(connection)) return reject('message before the handshake');
  return receiveOnAgreed(ctx, connection, body);
}

/** A queue body other than a confirmation, on an agreed connection: stored, with all it causes, in one transaction. */
export function receiveOnAgreed(ctx: Pick<AgentContext, 'store' | 'crypto' | 'now'>, connection: AgreedConnection, body: Exclude<QueueBody, { type: 'confirmation' }>): AgentEvent[] {
  const { store } = ctx;
  const inbound = stepContext(ctx, ctx.now());
  if (body.type === 'resync') {
    store.transaction(() => {
      const current = store.getConnection(connection.id) ?? connection;
      if (isAgreed(current)) store.putConnection(receiveResync(inbound, current, body.resync, acceptEnvelope));
    });
    return inbound.events;
  }
  // A batch is a burst the sender had waiting for this queue (§3): its messages are stored in one transaction.
  const messages = body.type === 'batch' ? body.messages : [body];
  store.transaction(() => {
    for (const message of messages) {
      const current = store.getConnection(connection.id) ?? connection;
      if (isAgreed(current)) store.putConnection(receiveRatchetMessage(inbound, current, message));
    }
  });
  return inbound.events;
}

/**
 * One ratchet message, inside the caller's transaction: dropped as a copy
 * already received, rejected, or accepted (acceptEnvelope). Returns the
 * connection's new state.
 */
function receiveRatchetMessage(inbound: StepContext, received: AgreedConnection, message: RatchetMessage): AgreedConnection {
  // Past its two days the replaced ratchet is dropped, so its keys do not stay on the device.
  const expired = received.previousRatchet != null && inbound.now - (received.resyncedAt ?? 0) > PREVIOUS_RATCHET_MS;
  const connection = expired ? { ...received, previousRatchet: null } : received;
  let decrypted;
  try {
    decrypted = decryptEnvelope(inbound.crypto, connection, message.header, message.ciphertext);
  } catch (error) {
    const previous = openWithPreviousRatchet(inbound, connection, message);
    if (previous !== undefined) return previous;
    // The same message from another relay, or after a crash before ACK: already shown once.
    if (error instanceof RatchetError && error.code === 'DUPLICATE_OR_OLD') return connection;
    inbound.events.push({ event: 'rejected', contact: connection.id, reason: `message rejected: ${(error as Error).message}` });
    // A message this side's ratchet cannot open: a forgery (a relay can inject one), or a peer that moved on from
    // ratchet keys this side lost to a restored state.
    return error instanceof RatchetError && error.code === 'DECRYPT' ? unprovenResync(inbound, connection) : connection;
  }
  // The peer opened this side's answer (it seals under the new ratchet): that offer needs no answer again.
  const opened = decrypted.connection.lastAnswer != null ? { ...decrypted.connection, lastAnswer: null } : decrypted.connection;
  return acceptEnvelope(inbound, opened, decrypted.signed);
}

/**
 * A message sealed under the ratchet the last resync replaced (§8.7): a
 * copy through another relay of what the peer sent before it switched.
 * Opened and accepted like any, or dropped silently as a duplicate;
 * undefined if that ratchet does not open it either.
 */
function openWithPreviousRatchet(inbound: StepContext, connection: AgreedConnection, message: RatchetMessage): AgreedConnection | undefined {
  const previous = connection.previousRatchet;
  if (previous == null) return undefined;
  try {
    const opened = decryptEnvelope(inbound.crypto, { ratchet: previous, associatedData: connection.previousAssociatedData ?? connection.associatedData }, message.header, message.ciphertext);
    return acceptEnvelope(inbound, { ...connection, previousRatchet: opened.connection.ratchet }, opened.signed);
  } catch (error) {
    return error instanceof RatchetError && error.code === 'DUPLICATE_OR_OLD' ? connection : undefined;
  }
}

/**
 * A decrypted envelope, on a connection whose ratchet has already advanced
 * past it: verified, then held for a gap or delivered together with the held
 * envelopes it was the gap for. Signed evidence that a state was restored
 * (graph-chat §8.7) starts a resync. Returns the connection's new state.
 */
function acceptEnvelope(inbound: StepContext, connection: AgreedConnection, signed: Uint8Array): AgreedConnection {
  const { store, crypto, events } = inbound;
  const reject = (reason: string): AgreedConnection => {
    events.push({ event: 'rejected', contact: connection.id, reason });
    return connection;
  };
  const early = unsignedAhead(connection, signed);
  if (early !== null) {
    // An unsigned envelope past a gap: the mode change that allows it may be the envelope still on its way. Held,
    // and verified like any other when its turn comes.
    if (early > connection.lastReceivedSeq + MAX_HELD) return reject(`envelope ${early} is more than ${MAX_HELD} ahead of the last one received`);
    store.putHeld(connection.id, early, signed);
    return connection;
  }
  let verified;
  try {
    verified = verifyEnvelope(crypto, connection, signed);
  } catch (error) {
    return reject(`message rejected: ${(error as Error).message}`);
  }
  const { envelope } = verified;
  let current = connection;
  if (!namesSentEnvelope(store, current, envelope.lastReceivedHash)) {
    // The peer received from this side an envelope this side never sent: this side's state was restored.
    current = offerResync(inbound, current, true);
  } else if (current.peerNamedHash === undefined || !equalBytes(current.peerNamedHash, envelope.lastReceivedHash)) {
    current = { ...current, peerNamedHash: envelope.lastReceivedHash };
  }
  if (envelope.seq <= current.lastReceivedSeq) return current;
  if (envelope.seq > current.lastReceivedSeq + MAX_HELD) {
    // A signed envelope, so the peer's doing: a gap this wide is no delay through one relay but a broken or hostile client.
    return reject(`envelope ${envelope.seq} is more than ${MAX_HELD} ahead of the last one received`);
  }
  if (envelope.seq > current.lastReceivedSeq + 1) {
    // A gap: an earlier envelope is still on its way through another relay. Hold this one until it arrives.
    store.putHeld(current.id, envelope.seq, signed);
    return waitForGap(inbound, current);
  }
  if (!chainsOn(current, envelope, signed)) return forked(inbound, current);
  current = deliverEnvelope(inbound, current, envelope, signed, verified.hash);
  for (let held = store.takeHeld(current.id, current.lastReceivedSeq + 1); held !== null; held = store.takeHeld(current.id, current.lastReceivedSeq + 1)) {
    let next;
    try {
      next = verifyEnvelope(crypto, current, held);
    } catch (error) {
      // Held unverified (an unsigned one past a gap) and still not acceptable: dropped, like any bad envelope.
      events.push({ event: 'rejected', contact: current.id, reason: `message rejected: ${(error as Error).message}` });
      break;
    }
    if (!chainsOn(current, next.envelope, held)) return forked(inbound, current);
    current = deliverEnvelope(inbound, current, next.envelope, held, next.hash);
  }
  // The gap closed; held envelopes past another gap start its own wait when the next one is held.
  return current.gapSince == null || store.countHeld(current.id) > 0 ? current : { ...current, gapSince: null };
}

/**
 * The next envelope from the peer names, as the one before it, another
 * envelope than this side received at that seq: the peer wrote it from a
 * restored state. It is not delivered; the resync sends it again, after
 * what this side holds.
 */
function forked(inbound: StepContext, connection: AgreedConnection): AgreedConnection {
  return offerResync(inbound, connection, false);
}


/** How long the ratchet a resync replaced still opens what arrives (graph-chat §8.7). */
const PREVIOUS_RATCHET_MS = 2 * 24 * 60 * 60 * 1000;

/** How far back a hash the peer names as received is looked for among sent envelopes, at most. */
const MAX_LOOKBACK = 1000;

/** Whether `hash` (an envelope's lastReceivedHash) is none, or an envelope this side sent. */
function namesSentEnvelope(store: AgentStore, connection: AgreedConnection, hash: Uint8Array): boolean {
  if (equalBytes(hash, ZERO_HASH) || equalBytes(hash, connection.lastSentHash)) return true;
  // The peer's envelopes name the same one until the next of ours reaches it: checked once.
  if (connection.peerNamedHash !== undefined && equalBytes(hash, connection.peerNamedHash)) return true;
  const floor = Math.max(1, connection.lastSentSeq - MAX_LOOKBACK);
  for (let seq = connection.lastSentSeq; seq >= floor; seq--) {
    const sent = store.findMessageBySeq(connection.id, 'sent', seq);
    if (sent?.hash != null && equalBytes(sent.hash, hash)) return true;
  }
  // Farther back than the lookback: not taken as evidence.
  return connection.lastSentSeq > MAX_LOOKBACK + 1;
}

/** The seq of an unsigned envelope that comes after a gap, or null (signed, or next in line). */
function unsignedAhead(connection: ConnectionRecord, signed: Uint8Array): number | null {
  if (!isUnsignedEnvelope(signed)) return null;
  let seq: number;
  try {
    seq = decodeUnsignedEnvelope(signed).seq;
  } catch {
    return null; // malformed: verifyEnvelope reports it
  }
  return seq > connection.lastReceivedSeq + 1 ? seq : null;
}

/**
 * A request at a contact address (§7.6) becomes a pending contact. The
 * same request again (a copy through another relay, or a replay) is
 * recognised by its invitation and dropped.
 */
function receiveRequest(ctx: AgentContext, address: ConnectionRecord, body: Parameters<typeof openRequest>[2]): AgentEvent[] {
  const { store, crypto } = ctx;
  let request;
  try {
    request = openRequest(crypto, address, body);
  } catch (error) {
    if (error instanceof HandshakeRejected) return [{ event: 'rejected', contact: null, reason: error.message }];
    throw error;
  }
  const seen = `request ${toHex(crypto.sha256(encodeInvitation(request.invitation)))}`;
  if (store.getMeta(seen) !== null) return [];
  const pending = store.listConnections(address.profileId).filter((c) => c.status === 'request').length;
  if (pending >= MAX_PENDING_REQUESTS) {
    // Anyone with the address can ask; a flood must not grow the store without bound.
    return [{ event: 'rejected', contact: null, reason: `request dropped: ${MAX_PENDING_REQUESTS} requests already wait for an answer` }];
  }
  const id = newId(crypto);
  const now = ctx.now();
  store.transaction(() => {
    store.setMeta(seen, id);
    store.putConnection(requestRecord(id, address.profileId, formatInvitationLink(request.invitation), now, { peerProfile: request.profile }));
  });
  return [{ event: 'request', contact: id, name: request.profile.displayName }];
}

function receiveConfirmation(ctx: AgentContext, connection: ConnectionRecord, body: Parameters<typeof acceptConfirmation>[2], version: number): AgentEvent[] {
  const { store, crypto } = ctx;
  if (connection.status === 'address') return receiveRequest(ctx, connection, body);
  // The same confirmation through the invitation's other relays: already accepted.
  if (connection.status !== 'invited' && connection.status !== 'requested') return [];
  const profile = store.getProfile(connection.profileId);
  if (profile === null) return [];
  const now = ctx.now();
  // A device link is taken up to LINK_GRACE_MS past its expiry, as the new device allows (devices.md §4).
  const link = connection.device?.link;
  const expires = link != null ? link.expires + LINK_GRACE_MS : connection.device?.expires;
  if (expires !== undefined && now > expires) {
    // An expired device link is closed for good: no device joins through it later (devices.md §4).
    store.transaction(() => store.putConnection(closeConnection(store, connection, 'the device link expired')));
    return [{ event: 'rejected', contact: null, reason: 'a device tried to join through an expired device link' }];
  }
  // A device channel's reply carries this device's name, not the profile (devices.md §4).
  const replyProfile = connection.device != null ? { displayName: thisDeviceName(store) } : profile.profile;
  let accepted;
  try {
    accepted = acceptConfirmation(crypto, connection, body, replyProfile, now, version);
  } catch (error) {
    if (error instanceof HandshakeRejected) return [{ event: 'rejected', contact: connection.id, reason: error.message }];
    throw error;
  }
  const inbound = stepContext(ctx, now);
  store.transaction(() => {
    store.putMessage({
      id: newId(crypto),
      connectionId: connection.id,
      direction: 'received',
      kind: 'handshake',
      seq: 1,
      text: '',
      timestamp: accepted.received.timestamp,
      localTime: now,
      status: 'received',
      envelope: accepted.received.signed,
      hash: accepted.received.hash,
    });
    const reply = accepted.reply;
    storeSentHandshake(inbound, connection.id, reply.envelope.seq, reply.signed, reply.hash);
    // The joiner's queues are not secured until it has the reply: it goes unsigned.
    enqueueSealed(store, reply, null, false, accepted.body);
    // A pair made by introducing this device: the contact's device seals on it what it writes from the time it joined.
    store.putConnection(connection.introducedVia !== undefined ? { ...reply.connection, since: accepted.received.timestamp } : reply.connection);
  });
  return [{ event: 'accepted', contact: connection.id, name: accepted.reply.connection.peerProfile?.displayName ?? '' }];
}
