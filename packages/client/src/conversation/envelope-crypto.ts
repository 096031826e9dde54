/**
 * One connection's message crypto (graph-chat §4-§5): an envelope is signed
 * with this side's per-connection key, padded, and encrypted with the
 * Double Ratchet; a received one is decrypted, unpadded and verified. Pure:
 * each function returns the connection's next state and never stores it, so
 * the caller commits the new ratchet state together with what it produced.
 */
import {
  ChatError,
  decodeRatchetState,
  decodeUnsignedEnvelope,
  encodeRatchetState,
  encodeUnsignedEnvelope,
  envelopeHash,
  isUnsignedEnvelope,
  openEnvelope,
  padPlaintext,
  ratchetDecrypt,
  ratchetEncrypt,
  signEnvelope,
  unpadPlaintext,
  ZERO_HASH,
  type Content,
  type Crypto,
  type Envelope,
} from '@graphchat/core';
import type { AgreedConnection } from '../store/records.js';

export interface Sealed<C extends AgreedConnection = AgreedConnection> {
  /** The connection's next state. */
  readonly connection: C;
  readonly envelope: Envelope;
  /** The signed envelope (kept for proofs). */
  readonly signed: Uint8Array;
  readonly hash: Uint8Array;
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** What opening an envelope takes: an agreed connection, or an inviter's while it checks a confirmation with freshly agreed keys. */
type WithRatchet = Pick<AgreedConnection, 'ratchet' | 'associatedData'>;

/** Signs and encrypts the connection's next envelope. */
export function sealEnvelope<C extends AgreedConnection>(crypto: Crypto, connection: C, content: Content, timestamp: number): Sealed<C> {
  const { ratchet, associatedData: ad } = connection;
  const unsigned = connection.offTheRecord === true;
  const envelope: Envelope = {
    seq: connection.lastSentSeq + 1,
    timestamp,
    // A signed envelope names no unsigned one: its signature would make that one provable (§4.7).
    prevSentHash: !unsigned && connection.lastSentUnsigned === true ? ZERO_HASH : connection.lastSentHash,
    lastReceivedHash: !unsigned && connection.lastReceivedUnsigned === true ? ZERO_HASH : connection.lastReceivedHash,
    content,
  };
  // Off the record, nothing is signed: only the ratchet, whose keys both sides hold, authenticates the envelope.
  const signed = unsigned ? encodeUnsignedEnvelope(envelope) : signEnvelope(crypto, connection.signingSecretKey, envelope);
  const hash = envelopeHash(crypto, signed);
  const encrypted = ratchetEncrypt(crypto, decodeRatchetState(ratchet), padPlaintext(signed), ad);
  return {
    connection: {
      ...connection,
      ratchet: encodeRatchetState(encrypted.state),
      lastSentSeq: envelope.seq,
      lastSentHash: hash,
      lastSentUnsigned: unsigned,
    },
    envelope,
    signed,
    hash,
    header: encrypted.header,
    ciphertext: encrypted.ciphertext,
  };
}

/**
 * Encrypts an envelope this side already signed and sent, again, under the
 * connection's current ratchet: after a resync (§8.7) the peer gets the same
 * signed bytes, so the chain and any proof over it stay as they were.
 */
export function resealEnvelope<C extends AgreedConnection>(crypto: Crypto, connection: C, signed: Uint8Array): { connection: C; header: Uint8Array; ciphertext: Uint8Array } {
  const encrypted = ratchetEncrypt(crypto, decodeRatchetState(connection.ratchet), padPlaintext(signed), connection.associatedData);
  return { connection: { ...connection, ratchet: encodeRatchetState(encrypted.state) }, header: encrypted.header, ciphertext: encrypted.ciphertext };
}

/**
 * Decrypts a ratchet message and returns the signed envelope inside with the
 * connection's advanced ratchet. Throws RatchetError for a duplicate, an old
 * or a forged message (the connection is then unchanged), DecodeError for bad padding.
 */
export function decryptEnvelope<C extends WithRatchet>(
  crypto: Crypto,
  connection: C,
  header: Uint8Array,
  ciphertext: Uint8Array,
): { connection: C; signed: Uint8Array } {
  const { ratchet, associatedData: ad } = connection;
  const decrypted = ratchetDecrypt(crypto, decodeRatchetState(ratchet), header, ciphertext, ad);
  return {
    connection: { ...connection, ratchet: encodeRatchetState(decrypted.state) },
    signed: unpadPlaintext(decrypted.plaintext),
  };
}

/**
 * Verifies an envelope from the peer; throws ChatError BAD_SIGNATURE or
 * DecodeError. An unsigned one (§4.7) passes only where the connection
 * accepts it (`peerMayOmitSignatures`): otherwise a peer could slip a
 * deniable message into a conversation both agreed to keep on the record.
 */
export function verifyEnvelope(
  crypto: Crypto,
  connection: Pick<AgreedConnection, 'peerSigningKey' | 'peerMayOmitSignatures'>,
  signed: Uint8Array,
): { envelope: Envelope; hash: Uint8Array } {
  if (isUnsignedEnvelope(signed)) {
    if (connection.peerMayOmitSignatures !== true) throw new ChatError('BAD_SIGNATURE', 'an unsigned envelope on a connection kept on the record');
    return { envelope: decodeUnsignedEnvelope(signed), hash: envelopeHash(crypto, signed) };
  }
  return { envelope: openEnvelope(crypto, connection.peerSigningKey, signed), hash: envelopeHash(crypto, signed) };
}
