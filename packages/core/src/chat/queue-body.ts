/**
 * The bodies of EMP SENDs between graph-chat clients (docs/protocol/graph-chat.md §3):
 *
 *   confirmation = version:u8 (= 1) || 01 || confirmationKeys:1185 || ratchetHeader:40 || ciphertext
 *   message      = version:u8 (= 1) || 02 || ratchetHeader:40 || ciphertext
 *
 * ciphertext is the ratchet ciphertext (ChaCha20-Poly1305, 16-byte tag) of a
 * padded envelope (§5), so its length is 16 + a positive multiple of 256. A
 * body is at most 16,000 bytes (EMP MAX_MESSAGE_BODY).
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { CONFIRMATION_KEYS_LENGTH, decodeConfirmationKeys, encodeConfirmationKeys, type ConfirmationKeys } from '../agreement/codec.js';
import { AEAD_TAG_LENGTH } from '../crypto/crypto.js';
import { MAX_MESSAGE_BODY } from '../emp/limits.js';
import { DecodeError } from '../errors.js';
import { HEADER_LENGTH } from '../ratchet/header.js';
import { PADDING_BLOCK } from './envelope.js';
import { ChatError } from './errors.js';

export type QueueBody =
  /** Tag 1: the joiner's first message, on an invitation queue. */
  | { readonly type: 'confirmation'; readonly keys: ConfirmationKeys; readonly header: Uint8Array; readonly ciphertext: Uint8Array }
  /** Tag 2: every other message. */
  | { readonly type: 'message'; readonly header: Uint8Array; readonly ciphertext: Uint8Array };

export const QUEUE_BODY_VERSION = 1;
export const QUEUE_BODY_TAGS: Readonly<Record<QueueBody['type'], number>> = { confirmation: 1, message: 2 };

function ciphertextProblem(length: number): string | null {
  const padded = length - AEAD_TAG_LENGTH;
  return padded > 0 && padded % PADDING_BLOCK === 0 ? null : `ciphertext length ${length} is not 16 + a positive multiple of ${PADDING_BLOCK}`;
}

/** Throws RangeError for a header or ciphertext of an impossible length, ChatError TOO_LARGE past 16,000 bytes. */
export function encodeQueueBody(body: QueueBody): Uint8Array {
  if (body.header.length !== HEADER_LENGTH) throw new RangeError(`ratchet header must be ${HEADER_LENGTH} bytes`);
  const problem = ciphertextProblem(body.ciphertext.length);
  if (problem !== null) throw new RangeError(problem);
  const writer = new ByteWriter(2 + CONFIRMATION_KEYS_LENGTH + HEADER_LENGTH + body.ciphertext.length)
    .u8(QUEUE_BODY_VERSION)
    .u8(QUEUE_BODY_TAGS[body.type]);
  if (body.type === 'confirmation') writer.bytes(encodeConfirmationKeys(body.keys));
  const bytes = writer.bytes(body.header).bytes(body.ciphertext).finish();
  if (bytes.length > MAX_MESSAGE_BODY) throw new ChatError('TOO_LARGE', `queue body is ${bytes.length} bytes, at most ${MAX_MESSAGE_BODY} allowed`);
  return bytes;
}

/** Throws DecodeError unless `bytes` is exactly one queue body of version 1. */
export function decodeQueueBody(bytes: Uint8Array): QueueBody {
  if (bytes.length > MAX_MESSAGE_BODY) throw new DecodeError('INVALID', `queue body longer than ${MAX_MESSAGE_BODY} bytes`);
  const reader = new ByteReader(bytes);
  const version = reader.u8();
  if (version !== QUEUE_BODY_VERSION) throw new DecodeError('INVALID', `unknown queue body version ${version}`);
  const tag = reader.u8();
  if (tag !== 1 && tag !== 2) throw new DecodeError('INVALID', `unknown queue body type ${tag}`);
  const keys = tag === 1 ? decodeConfirmationKeys(reader.bytes(CONFIRMATION_KEYS_LENGTH)) : null;
  const header = reader.bytes(HEADER_LENGTH);
  // A view, not a copy: the ciphertext goes straight to the AEAD, and a copy of this size costs as much as decrypting it.
  const ciphertext = reader.view(reader.remaining);
  const problem = ciphertextProblem(ciphertext.length);
  if (problem !== null) throw new DecodeError(ciphertext.length < AEAD_TAG_LENGTH + PADDING_BLOCK ? 'TRUNCATED' : 'INVALID', problem);
  return keys === null ? { type: 'message', header, ciphertext } : { type: 'confirmation', keys, header, ciphertext };
}
