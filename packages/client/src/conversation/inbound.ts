/**
 * What a received, verified envelope does to its connection (graph-chat §7,
 * §8), in sequence order. Runs inside the caller's transaction: the message,
 * its receipt and the connection's new state are stored together.
 */
import { equalBytes, isUnsignedEnvelope, ZERO_HASH, type Content, type Envelope, type Receipt } from '@graphchat/core';
import type { StepContext } from '../context.js';
import { pruneReceived } from '../outbox/enqueue.js';
import { asSenderKey } from '../store/keys.js';
import { peerAddedQueues, peerKeys, peerTested, peerUse } from '../moves/queue-moves.js';
import { rotationPeriod } from '../moves/rotation.js';
import { chatVersionOf, type AgreedConnection, type MessageKind, type ProfileData } from '../store/records.js';
import { peerModeChange } from './mode.js';
import { sealHello } from './outbound.js';

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
    case 'queues-add':
    case 'queues-keys':
    case 'queues-use':
    case 'queues-test':
      return 'queues';
    default:
      return 'handshake';
  }
}

/**
 * Whether the envelope that directly follows the last one delivered names
 * that one as its predecessor (§4.5). After unsigned envelopes, the peer's
 * next signed one restarts its chain at ZERO_HASH (§4.7).
 */
export function chainsOn(connection: AgreedConnection, envelope: Envelope, signed: Uint8Array): boolean {
  const expectedPrev = !isUnsignedEnvelope(signed) && connection.lastReceivedUnsigned === true ? ZERO_HASH : connection.lastReceivedHash;
  return equalBytes(envelope.prevSentHash, expectedPrev);
}

/**
 * Delivers the envelope that directly follows the last one delivered on
 * this connection. Returns the connection's new state (not yet stored).
 */
export function deliverEnvelope(
  ctx: StepContext,
  connection: AgreedConnection,
  envelope: Envelope,
  signed: Uint8Array,
  hash: Uint8Array,
): AgreedConnection {
  const { store, now, events } = ctx;
  const unsigned = isUnsignedEnvelope(signed);
  pruneReceived(store, connection.id, envelope.lastReceivedHash);
  let next: AgreedConnection = { ...connection, lastReceivedSeq: envelope.seq, lastReceivedHash: hash, lastReceivedUnsigned: unsigned };
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
      next = { ...next, receiptsDue: [...next.receiptsDue, { seq: envelope.seq, hash, ...(unsigned ? { unsigned } : {}) }] };
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
        receiveQueues: connection.receiveQueues.map((queue, i) => ({ ...queue, peerSenderKey: asSenderKey(content.senderKeys[i]!) })),
      };
      next = sealHello(ctx, next);
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
      next = peerModeChange(ctx, next, content.offTheRecord, content.answer);
      break;
    case 'queues-add':
    case 'queues-keys':
    case 'queues-use':
    case 'queues-test':
      next = queueMoveStep(ctx, next, content, hash, unsigned);
      break;
    case 'confirm':
    case 'request':
      events.push({ event: 'rejected', contact: connection.id, reason: `${content.type} inside an established connection` });
      break;
    case 'optional':
      // A later version's optional type (§4.2): kept in the chain, and nothing more.
      break;
  }
  return next;
}

/** A message of a move of queues (§8.6): only on a connected version 3 connection. */
function queueMoveStep(ctx: StepContext, connection: AgreedConnection, content: Extract<Content, { type: 'queues-add' | 'queues-keys' | 'queues-use' | 'queues-test' }>, hash: Uint8Array, unsigned: boolean): AgreedConnection {
  if (chatVersionOf(connection) < 3 || connection.status !== 'connected') {
    ctx.events.push({ event: 'rejected', contact: connection.id, reason: `${content.type} on a connection that cannot move its queues` });
    return connection;
  }
  switch (content.type) {
    case 'queues-add':
      return peerAddedQueues(ctx, connection, content, hash, unsigned);
    case 'queues-keys':
      return peerKeys(ctx, connection, content);
    case 'queues-use':
      return peerUse(ctx, connection, content);
    case 'queues-test':
      return peerTested(ctx, connection, rotationPeriod(ctx.store.getProfile(connection.profileId)));
  }
}

/** Marks the sent text a receipt names as delivered, if the hash is the one it was sent with. */
function acknowledge(ctx: StepContext, connectionId: string, receipt: Receipt): void {
  const sent = ctx.store.findMessageBySeq(connectionId, 'sent', receipt.seq);
  // None at that seq: an envelope this side lost to a restored state, and the resync has told the user (§8.7).
  if (sent === null) return;
  if (sent.hash === null || !equalBytes(sent.hash, receipt.hash)) {
    ctx.events.push({ event: 'rejected', contact: connectionId, reason: `receipt for unknown envelope ${receipt.seq}` });
  } else if (sent.kind === 'text' && sent.status !== 'delivered') {
    ctx.store.putMessage({ ...sent, status: 'delivered' });
    ctx.events.push({ event: 'receipt', contact: connectionId, message: sent.id });
  }
}
