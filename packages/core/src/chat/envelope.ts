/**
 * Envelopes (docs/protocol/graph-chat.md §4) and their padding (§5). Every
 * ratchet message of a connection carries exactly one padded envelope, signed
 * or, off the record (§4.7), unsigned:
 *
 *   fields    = version:u8 || seq:u32 || timestamp:u64 || prevSentHash:32 || lastReceivedHash:32 || type:u8 || body
 *   signed    = fields (version 1) || signature:64
 *   unsigned  = fields (version 2)
 *   signature = Ed25519(sender's per-connection signing key, "graphchat envelope v1" || signed without signature)
 *   hash      = SHA-256(signed or unsigned)
 *   padded    = len(signed or unsigned):u32 || signed or unsigned || zero bytes up to the next multiple of 256
 *
 * The signing keys are A_sig and B_sig of §1.1, which both sides hold through
 * the invitation and the confirmation and which are bound into AD (§1.4).
 */
import { ByteReader, ByteWriter, checkU32, concatBytes, getU32, putU32, utf8 } from '../bytes.js';
import { ED25519_SIGNATURE_LENGTH, type Crypto } from '../crypto/crypto.js';
import { MAX_MESSAGE_BODY } from '../emp/limits.js';
import { DecodeError } from '../errors.js';
import { CONFIRMATION_KEYS_LENGTH } from '../agreement/codec.js';
import { HEADER_LENGTH } from '../ratchet/header.js';
import { MESSAGE_CIPHERTEXT_OVERHEAD } from '../ratchet/kdf.js';
import { HASH_LENGTH, readContent, writeContent, type Content } from './content.js';
import { ChatError } from './errors.js';

export interface Envelope {
  /** 1, 2, 3 … per sender per connection (u32). */
  readonly seq: number;
  /** The sender's clock when it made the envelope, ms since the Unix epoch (< 2^53). */
  readonly timestamp: number;
  /** envelopeHash of the previous envelope this sender sent on this connection; ZERO_HASH for the first. */
  readonly prevSentHash: Uint8Array;
  /** envelopeHash of the last envelope this sender received from the peer; ZERO_HASH if none yet. */
  readonly lastReceivedHash: Uint8Array;
  readonly content: Content;
}

export const ENVELOPE_VERSION = 1;
/** Off-the-record envelopes: the same fields, no signature (§4.7). */
export const UNSIGNED_ENVELOPE_VERSION = 2;
/** Ed25519 signature domain separation: prepended to the signed bytes, never sent. */
export const ENVELOPE_SIGNATURE_CONTEXT = 'graphchat envelope v1';
export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);
/** version, seq, timestamp, the two hashes and the content type byte. */
const FIXED_FIELDS = 1 + 4 + 8 + HASH_LENGTH + HASH_LENGTH + 1;
const MIN_SIGNED_LENGTH = FIXED_FIELDS + ED25519_SIGNATURE_LENGTH;
const CONTEXT = utf8(ENVELOPE_SIGNATURE_CONTEXT);

/** Padded plaintexts are a multiple of this many bytes. */
export const PADDING_BLOCK = 256;
const LENGTH_PREFIX = 4;
const roundDown = (n: number): number => Math.floor(n / PADDING_BLOCK) * PADDING_BLOCK;
/** Largest padded plaintext whose ratchet ciphertext (nonce and tag included) fits a message queue body (§3): 15,872 bytes. */
export const MAX_MESSAGE_PLAINTEXT = roundDown(MAX_MESSAGE_BODY - 2 - HEADER_LENGTH - MESSAGE_CIPHERTEXT_OVERHEAD);
/** Largest padded plaintext whose ratchet ciphertext (nonce and tag included) fits a confirmation queue body (§3): 14,592 bytes. */
export const MAX_CONFIRMATION_PLAINTEXT = roundDown(MAX_MESSAGE_BODY - 2 - CONFIRMATION_KEYS_LENGTH - HEADER_LENGTH - MESSAGE_CIPHERTEXT_OVERHEAD);

/** Length of padPlaintext's output for a signed envelope of `signedLength` bytes. */
export function paddedLength(signedLength: number): number {
  return Math.ceil((LENGTH_PREFIX + signedLength) / PADDING_BLOCK) * PADDING_BLOCK;
}

function checkHash(what: string, hash: Uint8Array): void {
  if (hash.length !== HASH_LENGTH) throw new RangeError(`${what} must be ${HASH_LENGTH} bytes`);
}

/*
 * The fields both envelope versions share, in this order (§4.1, §4.7):
 * version:u8 || seq:u32 || timestamp:u64 || prevSentHash:32 ||
 * lastReceivedHash:32 || type:u8 || body. A signed envelope appends its
 * signature; an unsigned one ends there.
 */

/** Appends the shared fields; throws ChatError TOO_LARGE past a content limit of §4.3, RangeError for other invalid fields. */
function writeEnvelopeFields(writer: ByteWriter, version: number, envelope: Envelope): void {
  if (envelope.seq < 1) throw new RangeError(`seq must be at least 1, got ${envelope.seq}`);
  checkHash('prevSentHash', envelope.prevSentHash);
  checkHash('lastReceivedHash', envelope.lastReceivedHash);
  writer.u8(version).u32(envelope.seq).u64(envelope.timestamp).bytes(envelope.prevSentHash).bytes(envelope.lastReceivedHash);
  writeContent(writer, envelope.content);
}

/** Reads the shared fields to the end of `fields`; throws DecodeError unless they are well formed and of `version`. */
function readEnvelopeFields(fields: Uint8Array, version: number): Envelope {
  const reader = new ByteReader(fields);
  const found = reader.u8();
  if (found !== version) throw new DecodeError('INVALID', `envelope version ${found}, expected ${version}`);
  const seq = reader.u32();
  if (seq < 1) throw new DecodeError('INVALID', 'envelope seq 0');
  const timestamp = reader.u64();
  const prevSentHash = reader.bytes(HASH_LENGTH);
  const lastReceivedHash = reader.bytes(HASH_LENGTH);
  return { seq, timestamp, prevSentHash, lastReceivedHash, content: readContent(reader) };
}

/** Throws ChatError TOO_LARGE unless an envelope of `length` bytes, padded, fits the queue body its content goes in (§3). */
function checkFitsQueueBody(content: Content, length: number): void {
  const inConfirmation = content.type === 'confirm' || content.type === 'request';
  const limit = inConfirmation ? MAX_CONFIRMATION_PLAINTEXT : MAX_MESSAGE_PLAINTEXT;
  const padded = paddedLength(length);
  if (padded > limit) throw new ChatError('TOO_LARGE', `padded ${content.type} envelope is ${padded} bytes, at most ${limit} fit a queue body`);
}

/**
 * The signed envelope bytes. Throws ChatError TOO_LARGE when the content
 * exceeds a limit of §4.3 or the padded envelope would not fit its queue body
 * (confirm and request content: MAX_CONFIRMATION_PLAINTEXT, any other: MAX_MESSAGE_PLAINTEXT);
 * RangeError for other invalid fields.
 */
export function signEnvelope(crypto: Crypto, signingSecretKey: Uint8Array, envelope: Envelope): Uint8Array {
  if (signingSecretKey.length !== 64) throw new RangeError('Ed25519 secret key must be 64 bytes (seed || public key)');
  // One buffer holds CONTEXT || unsigned, the signature input, and then the
  // signature: the signed envelope is a copy of all but CONTEXT.
  const writer = new ByteWriter(CONTEXT.length + 512).bytes(CONTEXT);
  writeEnvelopeFields(writer, ENVELOPE_VERSION, envelope);
  checkFitsQueueBody(envelope.content, writer.length - CONTEXT.length + ED25519_SIGNATURE_LENGTH);
  const signature = crypto.ed25519Sign(signingSecretKey, writer.written());
  return writer.bytes(signature).finish(CONTEXT.length);
}

/*
 * CONTEXT || unsigned, the input openEnvelope verifies, made in this buffer
 * rather than a new one per call (a new typed array of this size costs about
 * 0.8 us). It holds message contents, so it is wiped after each use.
 */
const verifyInput = new Uint8Array(CONTEXT.length + MAX_MESSAGE_PLAINTEXT);
verifyInput.set(CONTEXT);

function verifySignature(crypto: Crypto, signingPublicKey: Uint8Array, unsigned: Uint8Array, signature: Uint8Array): boolean {
  const length = CONTEXT.length + unsigned.length;
  if (length > verifyInput.length) return crypto.ed25519Verify(signingPublicKey, concatBytes(CONTEXT, unsigned), signature);
  verifyInput.set(unsigned, CONTEXT.length);
  try {
    return crypto.ed25519Verify(signingPublicKey, verifyInput.subarray(0, length), signature);
  } finally {
    verifyInput.fill(0, CONTEXT.length, length);
  }
}

/**
 * Verifies the signature first, then decodes. Throws DecodeError when the
 * input is too short to hold an envelope, ChatError BAD_SIGNATURE when the
 * signature does not verify under `signingPublicKey` (so any changed bit of a
 * long enough input gives BAD_SIGNATURE), DecodeError when a correctly signed
 * envelope is malformed.
 */
export function openEnvelope(crypto: Crypto, signingPublicKey: Uint8Array, signed: Uint8Array): Envelope {
  if (signed.length < MIN_SIGNED_LENGTH) throw new DecodeError('TRUNCATED', `an envelope has at least ${MIN_SIGNED_LENGTH} bytes, got ${signed.length}`);
  const split = signed.length - ED25519_SIGNATURE_LENGTH;
  const unsigned = signed.subarray(0, split);
  if (!verifySignature(crypto, signingPublicKey, unsigned, signed.subarray(split))) {
    throw new ChatError('BAD_SIGNATURE', 'envelope signature does not verify');
  }
  return readEnvelopeFields(unsigned, ENVELOPE_VERSION);
}

/**
 * An off-the-record envelope (graph-chat §4.7): version 2, the fields of
 * §4.1 and no signature. Only the ratchet authenticates it, with keys both
 * sides hold, so either side could have made it: it proves nothing to a
 * third party. Throws as signEnvelope does for invalid fields and sizes.
 */
export function encodeUnsignedEnvelope(envelope: Envelope): Uint8Array {
  const writer = new ByteWriter(512);
  writeEnvelopeFields(writer, UNSIGNED_ENVELOPE_VERSION, envelope);
  checkFitsQueueBody(envelope.content, writer.length);
  return writer.finish();
}

/** Whether envelope bytes are an unsigned (off-the-record) envelope: version 2. */
export function isUnsignedEnvelope(bytes: Uint8Array): boolean {
  return bytes[0] === UNSIGNED_ENVELOPE_VERSION;
}

/** Decodes an unsigned envelope; throws DecodeError unless it is one, well formed. */
export function decodeUnsignedEnvelope(bytes: Uint8Array): Envelope {
  return readEnvelopeFields(bytes, UNSIGNED_ENVELOPE_VERSION);
}

/** SHA-256 of the signed envelope bytes, signature included: what prevSentHash, lastReceivedHash and receipts refer to. */
export function envelopeHash(crypto: Crypto, signed: Uint8Array): Uint8Array {
  return crypto.sha256(signed);
}

/** `len:u32 || signed || zeros`, a multiple of 256 bytes: the plaintext given to ratchetEncrypt. */
export function padPlaintext(signed: Uint8Array): Uint8Array {
  checkU32(signed.length);
  const out = new Uint8Array(paddedLength(signed.length)); // zeros
  putU32(out, 0, signed.length);
  out.set(signed, LENGTH_PREFIX);
  return out;
}

/**
 * The signed envelope inside a padded plaintext. Throws DecodeError unless the
 * input is a non-zero multiple of 256 bytes, the length prefix leaves fewer
 * than 256 bytes of padding (so padding has one length), and every padding
 * byte is zero.
 */
export function unpadPlaintext(padded: Uint8Array): Uint8Array {
  if (padded.length === 0 || padded.length % PADDING_BLOCK !== 0) {
    throw new DecodeError('INVALID', `padded plaintext length ${padded.length} is not a positive multiple of ${PADDING_BLOCK}`);
  }
  const length = getU32(padded, 0);
  if (LENGTH_PREFIX + length > padded.length || paddedLength(length) !== padded.length) {
    throw new DecodeError('INVALID', `length prefix ${length} does not match ${padded.length} padded bytes`);
  }
  let nonZero = 0;
  for (let i = LENGTH_PREFIX + length; i < padded.length; i++) nonZero |= padded[i]!;
  if (nonZero !== 0) throw new DecodeError('INVALID', 'non-zero padding');
  // A view of the padded plaintext (which nothing else keeps), not a copy: this runs for every received message.
  return padded.subarray(LENGTH_PREFIX, LENGTH_PREFIX + length);
}
