/**
 * Typed errors with stable codes. Expected failures (bad input from the
 * network, wrong keys) are instances of these classes and carry a `code`
 * that is also what appears on the wire or in logs; programmer misuse throws
 * the built-in TypeError/RangeError instead.
 */
/**
 * The base of every typed error: a stable `code` from the closed set of its
 * layer, and a message for people. Each subclass names itself in `name` with
 * a string literal rather than `new.target.name`, because the web client's
 * bundle is minified (packages/web/build.mjs), which renames classes.
 */
export abstract class CodedError<Code extends string> extends Error {
  abstract override readonly name: string;

  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type DecodeErrorCode = 'TRUNCATED' | 'TRAILING' | 'INVALID';

/** Bytes that do not match the layout they were decoded as. */
export class DecodeError extends CodedError<DecodeErrorCode> {
  override readonly name = 'DecodeError';
}

export type CryptoErrorCode = 'BAD_KEY' | 'DECRYPT';

export class CryptoError extends CodedError<CryptoErrorCode> {
  override readonly name = 'CryptoError';
}

export type SessionErrorCode =
  /** The relay's static key does not match the fingerprint in its address. */
  | 'IDENTITY'
  /** Client and relay share no protocol version. */
  | 'VERSION'
  /** The handshake failed or was malformed. */
  | 'HANDSHAKE'
  /** A transport frame failed authentication or had the wrong size. */
  | 'FRAME';

/** Failure of the transport session with a relay; the connection is unusable after it. */
export class SessionError extends CodedError<SessionErrorCode> {
  override readonly name = 'SessionError';
}
