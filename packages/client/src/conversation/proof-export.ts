/**
 * Which of a connection's stored envelopes go into a proof bundle
 * (`makeProofBundle` in @graphchat/core): a range of the conversation, in
 * an order the bundle's verifier accepts, and the receipts from after it
 * that acknowledge its envelopes.
 */
import { decodeUnsignedEnvelope, envelopeHash, isUnsignedEnvelope, makeProofBundle, openEnvelope, toHex, type ContentType, type Crypto, type Envelope, type ProofBundle } from '@graphchat/core';
import { AgentError } from '../events.js';
import { signingAD, type ConnectionRecord, type MessageRecord } from '../store/records.js';

/** Message ids bounding the range, both included; the first and the last exportable envelope by default. */
export interface ProofRange {
  readonly from?: string;
  readonly to?: string;
}

/**
 * Handshake envelopes that carry queue addresses and queue sender keys
 * (graph-chat §4.2): whoever holds a bundle could use them to send to or
 * watch the queues, so they are never exported. `hello` carries nothing.
 */
const PRIVATE_CONTENT: ReadonlySet<ContentType> = new Set(['confirm', 'reply', 'request']);

interface Candidate {
  readonly message: MessageRecord;
  readonly signed: Uint8Array;
  readonly envelope: Envelope;
  readonly hash: string;
  /** Index in stored order. */
  readonly stored: number;
}

/** The stored envelopes that may be exported, each opened with its signer's key. */
function candidates(crypto: Crypto, connection: ConnectionRecord, peerSigningKey: Uint8Array, messages: readonly MessageRecord[]): Candidate[] {
  return messages.flatMap((message, stored): Candidate[] => {
    if (message.envelope === null) return [];
    const key = message.direction === 'sent' ? connection.signingPublicKey : peerSigningKey;
    // Verified when it was made or received; a failure here means a damaged store, which should not pass silently.
    // Off-the-record envelopes are unsigned (graph-chat §4.7): kept here so that a range holding one is refused.
    const envelope = isUnsignedEnvelope(message.envelope) ? decodeUnsignedEnvelope(message.envelope) : openEnvelope(crypto, key, message.envelope);
    if (PRIVATE_CONTENT.has(envelope.content.type)) return [];
    return [{ message, signed: message.envelope, envelope, hash: toHex(envelopeHash(crypto, message.envelope)), stored }];
  });
}

/**
 * The candidates in an order consistent with the conversation's chain: each
 * side's envelopes by seq, and each envelope after the peer's envelope it
 * names as the last it had received; otherwise in stored order. Stored
 * order alone is not enough: a message written while offline, or before the
 * contact joined, is stored when written but sealed (given its seq and
 * lastReceivedHash) only later, after envelopes received in between.
 */
function chainOrder(all: readonly Candidate[]): Candidate[] {
  const bySeq = (a: Candidate, b: Candidate): number => a.envelope.seq - b.envelope.seq;
  const sides = [all.filter((c) => c.message.direction === 'sent').sort(bySeq), all.filter((c) => c.message.direction === 'received').sort(bySeq)];
  const byHash = new Map(all.map((c) => [c.hash, c]));
  const placed = new Set<Candidate>();
  const waits = (c: Candidate): boolean => {
    const named = byHash.get(toHex(c.envelope.lastReceivedHash));
    return named !== undefined && named.message.direction !== c.message.direction && !placed.has(named);
  };
  const heads = [0, 0];
  const ordered: Candidate[] = [];
  while (ordered.length < all.length) {
    const next = sides.map((side, i) => side[heads[i]!]).filter((c): c is Candidate => c !== undefined);
    const open = next.filter((c) => !waits(c));
    // Both waiting would be a cycle no honest pair of clients can make; then stored order decides.
    const pick = (open.length > 0 ? open : next).reduce((a, b) => (b.stored < a.stored ? b : a));
    heads[pick.message.direction === 'sent' ? 0 : 1]!++;
    placed.add(pick);
    ordered.push(pick);
  }
  return ordered;
}

function indexOf(ordered: readonly Candidate[], id: string | undefined, fallback: number, name: string): number {
  if (id === undefined) return fallback;
  // A history id names a text of mine by its message id, which every copy of it carries (devices.md §7).
  const index = ordered.findIndex((c) => c.message.id === id || (c.message.direction === 'sent' && c.message.messageId === id));
  if (index < 0) throw new AgentError('BAD_RANGE', `${name} ${id} is not an exportable message of this contact's connection on this device (see history; a proof covers one pair, devices.md §8)`);
  return index;
}

/** Whether `receipt` acknowledges (seq and hash) an envelope of `range` from the other side. */
function acknowledgesRange(receipt: Candidate, range: readonly Candidate[]): boolean {
  const content = receipt.envelope.content;
  const items = content.type === 'receipt' ? [content] : content.type === 'receipts' ? content.receipts : [];
  return items.some((item) =>
    range.some((c) => c.message.direction !== receipt.message.direction && c.envelope.seq === item.seq && c.hash === toHex(item.hash)),
  );
}

/**
 * A proof bundle of `messages` (the connection's, in stored order) from
 * `range.from` to `range.to`. Throws AgentError NOT_CONNECTED before the
 * agreement, BAD_RANGE for an id that is not an exportable message of the
 * connection or a `from` after `to`, OFF_THE_RECORD for a range holding an
 * unsigned envelope.
 */
export function exportProof(crypto: Crypto, connection: ConnectionRecord, messages: readonly MessageRecord[], range: ProofRange): ProofBundle {
  const { peerSigningKey } = connection;
  if (connection.associatedData === null || peerSigningKey === null) throw new AgentError('NOT_CONNECTED', 'no proof before the contact has joined');
  // The handshake's AD binds both signing keys; a rekey (§8.6) keeps those keys, so a proof spans it.
  const associatedData = signingAD({ ...connection, associatedData: connection.associatedData });
  const ordered = chainOrder(candidates(crypto, connection, peerSigningKey, messages));
  const first = indexOf(ordered, range.from, 0, 'from');
  const last = indexOf(ordered, range.to, ordered.length - 1, 'to');
  // With no candidates at all, the default range is empty rather than backwards.
  if (first > last && ordered.length > 0) throw new AgentError('BAD_RANGE', `from ${range.from ?? ''} comes after to ${range.to ?? ''}`);
  const inRange = ordered.slice(first, last + 1);
  if (inRange.some((c) => isUnsignedEnvelope(c.signed))) {
    throw new AgentError('OFF_THE_RECORD', 'this range holds messages sent off the record: they are unsigned and prove nothing');
  }
  // An unsigned receipt proves nothing either; a signed one is what the verifier can check.
  const receipts = ordered.slice(last + 1).filter((c) => !isUnsignedEnvelope(c.signed) && acknowledgesRange(c, inRange));
  return makeProofBundle(
    crypto,
    associatedData,
    inRange.map((c) => c.signed),
    receipts.map((c) => c.signed),
  );
}
