/**
 * Typed errors with stable codes. Expected failures (bad input from the
 * network, wrong keys) are instances of these classes and carry a `code`
 * that is also what appears on the wire or in logs; programmer misuse throws
 * the built-in TypeError/RangeError instead.
 */
export type DecodeErrorCode = 'TRUNCATED' | 'TRAILING' | 'INVALID';

/** Bytes that do not match the layout they were decoded as. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(readonly code: DecodeErrorCode, message: string) {
    super(message);
  }
}

export type CryptoErrorCode = 'BAD_KEY' | 'DECRYPT';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(readonly code: CryptoErrorCode, message: string) {
    super(message);
  }
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
export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(readonly code: SessionErrorCode, message: string) {
    super(message);
  }
}
