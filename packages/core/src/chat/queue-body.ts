/**
 * The bodies of EMP SENDs between graph-chat clients (docs/protocol/graph-chat.md §3):
 *
 * version is the connection's graph-chat version (2, 3 or 4, §3).
 *
 *   confirmation = version:u8 || 01 || confirmationKeys:1185 || ratchetHeader:40 || ciphertext
 *   message      = version:u8 || 02 || ratchetHeader:40 || ciphertext
 *   batch        = version:u8 || 03 || n × (length:u16 || ratchetHeader:40 || ciphertext), n >= 2
 *   resync       = version:u8 || 04 || signature:64 || signed   (resync.ts, §8.7)
 *
 * ciphertext is the ratchet ciphertext (24-byte nonce, XChaCha20-Poly1305
 * with its 16-byte tag) of a padded envelope (§5), so its length is 40 + a
 * positive multiple of 256. A body is at most 16,000 bytes (EMP MAX_MESSAGE_BODY).
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { CONFIRMATION_KEYS_LENGTH, decodeConfirmationKeys, encodeConfirmationKeys, type ConfirmationKeys } from '../agreement/codec.js';
import { MAX_MESSAGE_BODY } from '../emp/limits.js';
import { DecodeError } from '../errors.js';
import { HEADER_LENGTH } from '../ratchet/header.js';
import { MESSAGE_CIPHERTEXT_OVERHEAD } from '../ratchet/kdf.js';
import { PADDING_BLOCK } from './envelope.js';
import { ChatError } from './errors.js';
import { CHAT_VERSIONS } from './invitation.js';

/** One Double Ratchet message: its encoded header and its ciphertext. */
export interface RatchetMessage {
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export type QueueBody =
  /** Tag 1: the joiner's first message, on an invitation queue. */
  | ({ readonly type: 'confirmation'; readonly keys: ConfirmationKeys } & RatchetMessage)
  /** Tag 2: every other message. */
  | ({ readonly type: 'message' } & RatchetMessage)
  /** Tag 3: several messages of one connection, in the order sent, in one SEND. */
  | { readonly type: 'batch'; readonly messages: readonly RatchetMessage[] }
  /** Tag 4: a resync offer or answer (resync.ts): `signature || signed`, opened by openResync. */
  | { readonly type: 'resync'; readonly resync: Uint8Array };

/**
 * The newest graph-chat version (CHAT_VERSIONS.max). A body carries the
 * version of its connection (§3): all versions spoken have the same layouts;
 * version 3 adds the content types that move queues (§8.6), version 4 those of several devices.
 */
export const QUEUE_BODY_VERSION = CHAT_VERSIONS.max;

/** Whether a body's version byte is one this implementation speaks. */
export function isQueueBodyVersion(version: number): boolean {
  return version >= CHAT_VERSIONS.min && version <= CHAT_VERSIONS.max;
}

function checkVersion(version: number): number {
  if (!isQueueBodyVersion(version)) throw new RangeError(`graph-chat version ${version} is not spoken`);
  return version;
}
export const QUEUE_BODY_TAGS: Readonly<Record<QueueBody['type'], number>> = { confirmation: 1, message: 2, batch: 3, resync: 4 };
/** A batch of encoded message bodies is this many bytes plus the sum of their lengths (each item's length prefix takes the place of its version and tag). */
export const BATCH_OVERHEAD = 2;
const MESSAGE_PREFIX = 2;

function ciphertextProblem(length: number): string | null {
  const padded = length - MESSAGE_CIPHERTEXT_OVERHEAD;
  return padded > 0 && padded % PADDING_BLOCK === 0 ? null : `ciphertext length ${length} is not ${MESSAGE_CIPHERTEXT_OVERHEAD} + a positive multiple of ${PADDING_BLOCK}`;
}

function checkRatchetMessage(message: RatchetMessage): void {
  if (message.header.length !== HEADER_LENGTH) throw new RangeError(`ratchet header must be ${HEADER_LENGTH} bytes`);
  const problem = ciphertextProblem(message.ciphertext.length);
  if (problem !== null) throw new RangeError(problem);
}

export function checkQueueBodySize(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_MESSAGE_BODY) throw new ChatError('TOO_LARGE', `queue body is ${bytes.length} bytes, at most ${MAX_MESSAGE_BODY} allowed`);
  return bytes;
}

/**
 * The body with the connection's graph-chat `version`. Throws RangeError for
 * a version not spoken, a header or ciphertext of an impossible length or a
 * batch of fewer than 2, ChatError TOO_LARGE past 16,000 bytes.
 */
export function encodeQueueBody(body: QueueBody, version: number = QUEUE_BODY_VERSION): Uint8Array {
  checkVersion(version);
  if (body.type === 'batch') {
    if (body.messages.length < 2) throw new RangeError('a batch holds at least 2 messages');
    return batchQueueBodies(body.messages.map((message) => encodeQueueBody({ type: 'message', ...message }, version)));
  }
  if (body.type === 'resync') return checkQueueBodySize(new ByteWriter(2 + body.resync.length).u8(version).u8(QUEUE_BODY_TAGS.resync).bytes(body.resync).finish());
  checkRatchetMessage(body);
  const writer = new ByteWriter(2 + CONFIRMATION_KEYS_LENGTH + HEADER_LENGTH + body.ciphertext.length)
    .u8(version)
    .u8(QUEUE_BODY_TAGS[body.type]);
  if (body.type === 'confirmation') writer.bytes(encodeConfirmationKeys(body.keys));
  return checkQueueBodySize(writer.bytes(body.header).bytes(body.ciphertext).finish());
}

/**
 * The batch (tag 3) of two or more encoded message bodies (tag 2), without
 * decoding them: each one's version and tag give way to its length. The
 * sender's outbox keeps encoded bodies, and batches those waiting for one
 * queue. Throws RangeError unless every body is a message body of one
 * version spoken and there are at least 2; ChatError TOO_LARGE past 16,000
 * bytes.
 */
export function batchQueueBodies(bodies: readonly Uint8Array[]): Uint8Array {
  if (bodies.length < 2) throw new RangeError('a batch holds at least 2 messages');
  const version = checkVersion(bodies[0]![0]!);
  let length = BATCH_OVERHEAD;
  for (const body of bodies) {
    if (body[0] !== version || body[1] !== QUEUE_BODY_TAGS.message || body.length < MESSAGE_PREFIX + HEADER_LENGTH) {
      throw new RangeError('only message bodies (tag 2) can be batched');
    }
    length += body.length;
  }
  if (length > MAX_MESSAGE_BODY) throw new ChatError('TOO_LARGE', `queue body is ${length} bytes, at most ${MAX_MESSAGE_BODY} allowed`);
  const out = new Uint8Array(length);
  out[0] = version;
  out[1] = QUEUE_BODY_TAGS.batch;
  let offset = BATCH_OVERHEAD;
  for (const body of bodies) {
    const item = body.length - MESSAGE_PREFIX;
    out[offset] = item >>> 8;
    out[offset + 1] = item;
    out.set(body.subarray(MESSAGE_PREFIX), offset + 2);
    offset += 2 + item;
  }
  return out;
}

/** header || ciphertext, where the ciphertext runs to the end of `reader`. */
export function readRatchetMessage(reader: ByteReader): RatchetMessage {
  const header = reader.bytes(HEADER_LENGTH);
  // A view, not a copy: the ciphertext goes straight to the AEAD, and a copy of this size costs as much as decrypting it.
  const ciphertext = reader.view(reader.remaining);
  const problem = ciphertextProblem(ciphertext.length);
  if (problem !== null) throw new DecodeError(ciphertext.length < MESSAGE_CIPHERTEXT_OVERHEAD + PADDING_BLOCK ? 'TRUNCATED' : 'INVALID', problem);
  return { header, ciphertext };
}

/** Throws DecodeError unless `bytes` is exactly one queue body of a version spoken (its first byte, which the caller may read). */
export function decodeQueueBody(bytes: Uint8Array): QueueBody {
  if (bytes.length > MAX_MESSAGE_BODY) throw new DecodeError('INVALID', `queue body longer than ${MAX_MESSAGE_BODY} bytes`);
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (!isQueueBodyVersion(version)) throw new DecodeError('INVALID', `unknown queue body version ${version}`);
  const tag = reader.u8();
  switch (tag) {
    case 1: {
      const keys = decodeConfirmationKeys(reader.bytes(CONFIRMATION_KEYS_LENGTH));
      return { type: 'confirmation', keys, ...readRatchetMessage(reader) };
    }
    case 2:
      return { type: 'message', ...readRatchetMessage(reader) };
    case 3: {
      const messages: RatchetMessage[] = [];
      while (reader.remaining > 0) messages.push(readRatchetMessage(new ByteReader(reader.view(reader.u16()))));
      if (messages.length < 2) throw new DecodeError('INVALID', `a batch of ${messages.length} message`);
      return { type: 'batch', messages };
    }
    case 4:
      // Opened (signature first) by openResync, which needs the connection's keys.
      return { type: 'resync', resync: reader.rest() };
    default:
      throw new DecodeError('INVALID', `unknown queue body type ${tag}`);
  }
}
