/**
 * What a received, verified envelope does to its connection (graph-chat §7,
 * §8), in sequence order. Runs inside the caller's transaction: the message,
 * its receipt and the connection's new state are stored together.
 */
import { DEVICE_CONTENT_TAGS, equalBytes, isUnsignedEnvelope, offeredVersion, ZERO_HASH, type Content, type Envelope, type Receipt } from '@graphchat/core';
import { peerOfferedVersion } from '../connection/version-upgrade.js';
import type { StepContext } from '../context.js';
import { pruneReceived } from '../outbox/enqueue.js';
import { asSenderKey } from '../store/keys.js';
import { peerAddedQueues, peerKeys, peerTested, peerUse } from '../moves/queue-moves.js';
import { rotationPeriod } from '../moves/rotation.js';
import { chatVersionOf, type AgreedConnection, type MessageKind, type ProfileData } from '../store/records.js';
import { greetDevice, shareWithNewDevice } from '../devices/channel-out.js';
import { deliverOnChannel } from '../devices/channel-in.js';
import { contactKey } from '../devices/contact-groups.js';
import { announcePair, copyDelivered, forwardReceived } from '../devices/fan-out.js';
import { deliverOnPair } from '../devices/pair-in.js';
import { otherCopyAlready, shownId, storeText } from '../devices/texts.js';
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
      return envelope.content.type in DEVICE_CONTENT_TAGS ? 'device' : 'handshake';
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
  // A text on a device channel, or a version 4 text (type 14) on an older connection, is not this connection's to
  // show (§4.2, devices.md §3): kept in the chain, not as a text, and rejected.
  const strayText = content.type === 'text' && (connection.device != null || (content.messageId !== undefined && chatVersionOf(connection) < 4));
  if (content.type !== 'text' || strayText) {
    store.putMessage({
      id: ctx.newId(),
      connectionId: connection.id,
      direction: 'received',
      kind: strayText ? 'handshake' : kindOf(envelope),
      seq: envelope.seq,
      text: '',
      timestamp: envelope.timestamp,
      localTime: now,
      status: 'received',
      envelope: signed,
      hash,
    });
  }
  switch (content.type) {
    case 'text': {
      if (strayText) {
        events.push({ event: 'rejected', contact: null, reason: next.device != null ? 'a text on a device channel' : 'a version 4 text on an older connection' });
        break;
      }
      const text = { direction: 'received', seq: envelope.seq, text: content.text, timestamp: envelope.timestamp, localTime: now, status: 'received', envelope: signed, hash } as const;
      const stored = storeText(ctx, next, { ...text, messageId: content.messageId, counter: content.counter });
      next = { ...next, lamport: stored.lamport, receiptsDue: [...next.receiptsDue, { seq: envelope.seq, hash, ...(unsigned ? { unsigned } : {}) }] };
      if (!stored.duplicate) events.push({ event: 'message', contact: contactKey(connection), message: shownId(stored.record), text: content.text, timestamp: envelope.timestamp });
      forwardReceived(ctx, next, stored.record);
      break;
    }
    case 'receipt':
      copyDelivered(ctx, next, acknowledge(ctx, connection.id, content));
      break;
    case 'receipts':
      copyDelivered(ctx, next, content.receipts.flatMap((receipt) => acknowledge(ctx, connection.id, receipt)));
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
      // A device tells the other who it is, and which pairs it holds (devices.md §4).
      if (next.device != null) next = greetDevice(ctx, next);
      else announcePair(ctx, next);
      break;
    }
    case 'hello': {
      if (connection.status === 'accepted') {
        next = { ...next, status: 'connected' };
        events.push({ event: 'connected', contact: connection.id, name: connection.peerProfile?.displayName ?? '' });
        if (next.device?.link != null) next = shareWithNewDevice(ctx, { ...next, device: { ...next.device, link: null } }, next.device.link.history);
        else if (next.device != null) next = greetDevice(ctx, next);
        else announcePair(ctx, next);
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
    case 'optional': {
      // A later version's optional type (§4.2): kept in the chain, and nothing more; a version offer (§8.9) is known.
      let offered: number | null = null;
      try {
        offered = offeredVersion(content);
      } catch (error) {
        events.push({ event: 'rejected', contact: connection.id, reason: (error as Error).message });
      }
      if (offered !== null && next.status === 'connected') next = peerOfferedVersion(ctx, next, offered);
      break;
    }
    case 'device-add':
    case 'device-remove':
      if (next.device != null) next = deliverOnChannel(ctx, next, content);
      else next = deliverOnPair(ctx, next, content);
      break;
    case 'device-list':
    case 'device-profile':
    case 'device-pair':
    case 'device-message':
    case 'device-invite':
    case 'device-delivered':
    case 'device-join':
      if (next.device != null && next.status === 'connected') next = deliverOnChannel(ctx, next, content);
      else events.push({ event: 'rejected', contact: connection.id, reason: `${content.type} outside a device channel` });
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

/** Marks the sent text a receipt names as delivered, if the hash is the one it was sent with; returns its seq if it was newly so. */
function acknowledge(ctx: StepContext, connectionId: string, receipt: Receipt): number[] {
  const sent = ctx.store.findMessageBySeq(connectionId, 'sent', receipt.seq);
  // None at that seq: an envelope this side lost to a restored state, and the resync has told the user (§8.7).
  if (sent === null) return [];
  if (sent.hash === null || !equalBytes(sent.hash, receipt.hash)) {
    ctx.events.push({ event: 'rejected', contact: connectionId, reason: `receipt for unknown envelope ${receipt.seq}` });
  } else if (sent.kind === 'text' && sent.status !== 'delivered') {
    ctx.store.putMessage({ ...sent, status: 'delivered' });
    // Told once per text as shown: the first of its copies the contact's devices acknowledge.
    if (!otherCopyAlready(ctx.store, sent, 'delivered')) ctx.events.push({ event: 'receipt', contact: connectionId, message: shownId(sent) });
    return [sent.seq];
  }
  return [];
}
