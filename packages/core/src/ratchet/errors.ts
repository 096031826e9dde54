import { CodedError } from '../errors.js';

/**
 * The closed set of failures of ratchetDecrypt. Every one leaves the caller's
 * state untouched (Double Ratchet §3.5: "if an exception is raised ... discard
 * any changes to the state"), so the caller simply drops the message.
 */
export type RatchetErrorCode =
  /** The message failed authentication: wrong key, or a modified header, ciphertext or associated data. */
  | 'DECRYPT'
  /** The message's key was already used and deleted: a duplicate or replay of a decrypted message. */
  | 'DUPLICATE_OR_OLD'
  /** Decrypting would skip more than MAX_SKIP message keys in one chain. */
  | 'TOO_MANY_SKIPPED'
  /** The header bytes are not a valid header, or carry an unusable ratchet public key. */
  | 'BAD_HEADER';

export class RatchetError extends CodedError<RatchetErrorCode> {
  override readonly name = 'RatchetError';
}
