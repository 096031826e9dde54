import { CodedError } from '../errors.js';

/**
 * The closed set of failures of the graph-chat client protocol encodings
 * (docs/protocol/graph-chat.md). Bytes that do not match their layout throw
 * DecodeError (../errors.js) instead, as every other decoder does; values a
 * caller builds wrongly (a key of the wrong length, a display name with a
 * control character) throw RangeError.
 */
export type ChatErrorCode =
  /** Not an invitation link: wrong scheme or path, no fragment, bad base64url, or the kind in the path differs from the kind inside (§2.3). */
  | 'BAD_LINK'
  /** An envelope's Ed25519 signature does not verify under the sender's key (§4.4). */
  | 'BAD_SIGNATURE'
  /** An invitation's graph-chat version range has no version in common with CHAT_VERSIONS (§2.2). */
  | 'UNSUPPORTED_VERSION'
  /** Content or a queue body exceeds a size limit (§4.3, §4.6, §3). */
  | 'TOO_LARGE';

/** Every ChatErrorCode, for tables and exhaustive checks. */
export const CHAT_ERROR_CODES: readonly ChatErrorCode[] = ['BAD_LINK', 'BAD_SIGNATURE', 'UNSUPPORTED_VERSION', 'TOO_LARGE'] satisfies readonly ChatErrorCode[];

export class ChatError extends CodedError<ChatErrorCode> {
  override readonly name = 'ChatError';
}
