/**
 * What a received, verified envelope does to its connection (graph-chat §7,
 * §8), in sequence order. Runs inside the caller's transaction: the message,
 * its receipt and the connection's new state are stored together.
 */
import { equalBytes, type Crypto, type Envelope } from '@graphchat/core';
import type { AgentEvent } from './agent-types.js';
import { sealEnvelope } from './conversation.js';
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
      return 'receipt';
    case 'profile':
      return 'profile';
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
      const receipt = sealEnvelope(crypto, next, { type: 'receipt', seq: envelope.seq, hash }, now);
      next = receipt.connection;
      store.putMessage({
        id: ctx.newId(),
        connectionId: connection.id,
        direction: 'sent',
        kind: 'receipt',
        seq: receipt.envelope.seq,
        text: '',
        timestamp: now,
        localTime: now,
        status: 'sent',
        envelope: receipt.signed,
        hash: receipt.hash,
      });
      enqueueSealed(store, receipt, null);
      break;
    }
    case 'receipt': {
      const sent = store.findMessageBySeq(connection.id, 'sent', content.seq);
      if (sent === null || sent.hash === null || !equalBytes(sent.hash, content.hash)) {
        events.push({ event: 'rejected', contact: connection.id, reason: `receipt for unknown envelope ${content.seq}` });
      } else if (sent.kind === 'text' && sent.status !== 'delivered') {
        store.putMessage({ ...sent, status: 'delivered' });
        events.push({ event: 'receipt', contact: connection.id, message: sent.id });
      }
      break;
    }
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
    case 'confirm':
      events.push({ event: 'rejected', contact: connection.id, reason: 'confirmation inside an established connection' });
      break;
  }
  return next;
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
