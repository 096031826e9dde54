/**
 * What a received, verified envelope does to its connection (graph-chat §7,
 * §8), in sequence order. Runs inside the caller's transaction: the message,
 * its receipt and the connection's new state are stored together.
 */
import { equalBytes, isUnsignedEnvelope, MAX_BATCHED_RECEIPTS, type Content, type Crypto, type Envelope, type Receipt } from '@graphchat/core';
import type { AgentEvent } from './agent-types.js';
import { sealEnvelope, type Sealed } from './conversation.js';
import { enqueueSealed, pruneReceived } from './outbox.js';
import type { AgentStore, ConnectionRecord, MessageKind, ProfileData } from './store.js';

export interface InboundContext {
  readonly store: AgentStore;
  readonly crypto: Crypto;
  readonly now: number;
  readonly newId: () => string;
  readonly events: AgentEvent[];
}

function kindOf(envelope: Envelope): MessageKind {
  switch (envelope.content.type) {
    case 'text':
      return 'text';
    case 'receipt':
    case 'receipts':
      return 'receipt';
    case 'profile':
      return 'profile';
    case 'mode':
      return 'mode';
    default:
      return 'handshake';
  }
}

/**
 * Delivers the envelope that directly follows the last one delivered on
 * this connection. Returns the connection's new state (not yet stored).
 */
export function deliverEnvelope(
  ctx: InboundContext,
  connection: ConnectionRecord,
  envelope: Envelope,
  signed: Uint8Array,
  hash: Uint8Array,
): ConnectionRecord {
  const { store, crypto, now, events } = ctx;
  if (!equalBytes(envelope.prevSentHash, connection.lastReceivedHash)) {
    // Signatures make this the peer's own doing, not a relay's; keep the message and flag the broken chain.
    events.push({ event: 'rejected', contact: connection.id, reason: `envelope ${envelope.seq} does not chain to the previous one` });
  }
  pruneReceived(store, connection.id, envelope.lastReceivedHash);
  let next: ConnectionRecord = { ...connection, lastReceivedSeq: envelope.seq, lastReceivedHash: hash };
  if (connection.peerMayOmitSignatures === true && connection.offTheRecord !== true && !isUnsignedEnvelope(signed)) {
    // Back on the record, and the peer's first signed envelope is here: it has switched, so unsigned ones are refused again.
    next = { ...next, peerMayOmitSignatures: false };
  }
  const content = envelope.content;
  const messageId = ctx.newId();
  store.putMessage({
    id: messageId,
    connectionId: connection.id,
    direction: 'received',
    kind: kindOf(envelope),
    seq: envelope.seq,
    text: content.type === 'text' ? content.text : '',
    timestamp: envelope.timestamp,
    localTime: now,
    status: 'received',
    envelope: signed,
    hash,
  });
  switch (content.type) {
    case 'text': {
      events.push({ event: 'message', contact: connection.id, message: messageId, text: content.text, timestamp: envelope.timestamp });
      next = { ...next, receiptsDue: [...next.receiptsDue, { seq: envelope.seq, hash }] };
      break;
    }
    case 'receipt':
      acknowledge(ctx, connection.id, content);
      break;
    case 'receipts':
      for (const receipt of content.receipts) acknowledge(ctx, connection.id, receipt);
      break;
    case 'reply': {
      if (connection.role !== 'joiner' || connection.status !== 'joining' || content.senderKeys.length !== connection.receiveQueues.length) {
        events.push({ event: 'rejected', contact: connection.id, reason: 'unexpected reply' });
        break;
      }
      next = {
        ...next,
        status: 'connected',
        peerProfile: content.profile,
        receiveQueues: connection.receiveQueues.map((queue, i) => ({ ...queue, peerSenderKey: content.senderKeys[i]! })),
      };
      const hello = sealEnvelope(crypto, next, { type: 'hello' }, now);
      next = hello.connection;
      storeSentHandshake(ctx, hello.connection.id, hello.envelope.seq, hello.signed, hello.hash);
      enqueueSealed(store, hello, null);
      events.push({ event: 'connected', contact: connection.id, name: content.profile.displayName });
      break;
    }
    case 'hello': {
      if (connection.status === 'accepted') {
        next = { ...next, status: 'connected' };
        events.push({ event: 'connected', contact: connection.id, name: connection.peerProfile?.displayName ?? '' });
      }
      break;
    }
    case 'profile': {
      next = { ...next, peerProfile: content.profile as ProfileData };
      events.push({ event: 'profile', contact: connection.id, name: content.profile.displayName });
      break;
    }
    case 'mode':
      next = modeChange(ctx, next, content.offTheRecord, content.answer);
      break;
    case 'confirm':
    case 'request':
      events.push({ event: 'rejected', contact: connection.id, reason: `${content.type} inside an established connection` });
      break;
  }
  return next;
}

/**
 * A `mode` envelope from the peer (graph-chat §8.5): a proposal is kept for
 * the user to answer; an answer to this side's own proposal switches the
 * mode. Going off the record, this side stops signing and accepts unsigned
 * envelopes at once (the peer switched when it answered). Going back on,
 * the peer signs from its answer on, so signatures are required at once.
 */
function modeChange(ctx: InboundContext, connection: ConnectionRecord, offTheRecord: boolean, answer: boolean): ConnectionRecord {
  const current = connection.offTheRecord === true;
  if (!answer) {
    if (offTheRecord === current) return { ...connection, modeProposal: null };
    ctx.events.push({ event: 'mode-request', contact: connection.id, offTheRecord });
    return { ...connection, modeProposal: { offTheRecord, byPeer: true } };
  }
  const proposal = connection.modeProposal;
  if (proposal == null || proposal.byPeer || proposal.offTheRecord !== offTheRecord) {
    ctx.events.push({ event: 'rejected', contact: connection.id, reason: 'an answer to a mode change this side did not propose' });
    return connection;
  }
  ctx.events.push({ event: 'mode', contact: connection.id, offTheRecord });
  return { ...connection, offTheRecord, peerMayOmitSignatures: offTheRecord, modeProposal: null };
}

/** Marks the sent text a receipt names as delivered, if the hash is the one it was sent with. */
function acknowledge(ctx: InboundContext, connectionId: string, receipt: Receipt): void {
  const sent = ctx.store.findMessageBySeq(connectionId, 'sent', receipt.seq);
  if (sent === null || sent.hash === null || !equalBytes(sent.hash, receipt.hash)) {
    ctx.events.push({ event: 'rejected', contact: connectionId, reason: `receipt for unknown envelope ${receipt.seq}` });
  } else if (sent.kind === 'text' && sent.status !== 'delivered') {
    ctx.store.putMessage({ ...sent, status: 'delivered' });
    ctx.events.push({ event: 'receipt', contact: connectionId, message: sent.id });
  }
}

/**
 * Seals the receipts due on a connection into one envelope (`receipt` for
 * one, `receipts` for several) and queues it; returns the connection's new
 * state. Runs inside the caller's transaction.
 */
export function sealReceipts(ctx: InboundContext, connection: ConnectionRecord): ConnectionRecord {
  let current: ConnectionRecord = { ...connection, receiptsDue: [] };
  for (let i = 0; i < connection.receiptsDue.length; i += MAX_BATCHED_RECEIPTS) {
    const batch = connection.receiptsDue.slice(i, i + MAX_BATCHED_RECEIPTS);
    const content: Content = batch.length === 1 ? { type: 'receipt', ...batch[0]! } : { type: 'receipts', receipts: batch };
    const sealed = sealEnvelope(ctx.crypto, current, content, ctx.now);
    current = sealed.connection;
    sendSealed(ctx, 'receipt', sealed);
  }
  return current;
}

/** Stores an envelope this side sealed on its own (a receipt, a mode change: nothing the user wrote) as sent, and queues it. */
export function sendSealed(ctx: InboundContext, kind: MessageKind, sealed: Sealed): void {
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
  enqueueSealed(ctx.store, sealed, null);
}

export function storeSentHandshake(ctx: InboundContext, connectionId: string, seq: number, signed: Uint8Array, hash: Uint8Array): void {
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
