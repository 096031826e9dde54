/**
 * Two sides of one connection in memory, for unit tests of the agent's
 * steps without relays: the handshake steps connect them, and `deliver`
 * carries what one side queued in its outbox to the other, as a relay
 * would, through the same decrypt, verify and deliver steps as the receive
 * path (without its holding of envelopes that arrive early).
 */
import { decodeQueueBody, formatRelayAddress, type QueueBody } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { acceptConfirmation, createInvitation, joinInvitation } from '../connection/handshake.js';
import type { StepContext } from '../context.js';
import { decryptEnvelope, verifyEnvelope } from '../conversation/envelope-crypto.js';
import { deliverEnvelope } from '../conversation/inbound.js';
import { storeSentHandshake } from '../conversation/outbound.js';
import type { AgentEvent } from '../events.js';
import { asQueueSecret, recipientKeys } from '../store/keys.js';
import { MemoryStore } from '../store/memory-store.js';
import type { AgreedConnection, ReceiveQueueRecord } from '../store/records.js';

export const NOW = 1_700_000_000_000;
const RELAY = formatRelayAddress({ fingerprint: new Uint8Array(32).fill(1), password: '', host: 'relay.example', port: 5223, tls: true });

export function receiveQueue(): ReceiveQueueRecord {
  const keys = recipientKeys(crypto.ed25519KeyPair());
  return {
    relay: RELAY,
    recipientId: crypto.randomBytes(24),
    senderId: crypto.randomBytes(24),
    recipientPublicKey: keys.publicKey,
    recipientSecretKey: keys.secretKey,
    secret: asQueueSecret(crypto.randomBytes(32)),
    peerSenderKey: null,
    secured: false,
  };
}

/** Ids of records made in steps: counted across all step contexts, as a store holds the records of many steps. */
let ids = 0;

/** A step context on `store`, with the clock at `now`. */
export function stepContext(store: MemoryStore, now = NOW): StepContext {
  return { store, crypto, now, newId: () => `id${++ids}`, events: [] };
}

export interface Side {
  readonly store: MemoryStore;
  connection: AgreedConnection;
}

/**
 * Delivers, in order, every item `from` has queued for `to` since the last
 * call, and returns the events `to` reported. The items leave the outbox,
 * as after a relay's OK.
 */
export function deliver(from: Side, to: Side): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const item of from.store.listOutbox()) {
    from.store.deleteOutbox(item.id);
    const body = decodeQueueBody(item.body) as Extract<QueueBody, { type: 'message' }>;
    const ctx = stepContext(to.store);
    const opened = decryptEnvelope(crypto, to.connection, body.header, body.ciphertext);
    const { envelope, hash } = verifyEnvelope(crypto, opened.connection, opened.signed);
    to.connection = deliverEnvelope(ctx, opened.connection, envelope, opened.signed, hash);
    events.push(...ctx.events);
  }
  return events;
}

/** Alice invited, Bob joined: both connected, with empty outboxes. */
export function connectedPair(options: { offTheRecord?: boolean } = {}): { alice: Side; bob: Side } {
  const kind = options.offTheRecord === true ? 'off-the-record' : 'one-time';
  const invited = createInvitation(crypto, { id: 'alice-bob', profileId: 'alice', receiveQueues: [receiveQueue()], now: NOW }, kind);
  const joined = joinInvitation(crypto, { id: 'bob-alice', profileId: 'bob', receiveQueues: [receiveQueue()], now: NOW }, invited.invitation, { displayName: 'Bob' }, 'link');
  const confirmation = decodeQueueBody(joined.body) as Extract<QueueBody, { type: 'confirmation' }>;
  // The confirmation's first byte is the version the joiner chose (§3).
  const accepted = acceptConfirmation(crypto, invited.connection, confirmation, { displayName: 'Alice' }, NOW, joined.body[0]!);
  const alice: Side = { store: new MemoryStore(), connection: accepted.reply.connection };
  const bob: Side = { store: new MemoryStore(), connection: joined.sealed.connection };
  // Each side keeps what it sent in the handshake, as the agent does.
  storeSentHandshake(stepContext(alice.store), alice.connection.id, accepted.reply.envelope.seq, accepted.reply.signed, accepted.reply.hash);
  storeSentHandshake(stepContext(bob.store), bob.connection.id, joined.sealed.envelope.seq, joined.sealed.signed, joined.sealed.hash);
  alice.store.addOutbox({ connectionId: alice.connection.id, relay: RELAY, senderId: new Uint8Array(24), senderSecretKey: null, body: accepted.body, messageId: null, seq: 1, hash: accepted.reply.hash });
  deliver(alice, bob); // the reply: Bob connected, his hello queued
  deliver(bob, alice); // the hello: Alice connected
  return { alice, bob };
}
