/**
 * Sealing a forwarded transmission for the destination relay, and its
 * answer for the client (docs/protocol/edge-messaging.md §7.8). ECIES in the
 * style of HPKE's Base mode (RFC 9180): a fresh ephemeral X25519 key per
 * transmission, DH with the destination's static key, HKDF-SHA256 bound to
 * the forwarding session and both public keys, and XChaCha20-Poly1305. Each
 * derived key encrypts exactly one plaintext, so the nonce is zero. Both
 * plaintexts are padded to one fixed size each, so the forwarding relay
 * learns nothing from lengths.
 */
import { ByteReader, ByteWriter, concatBytes, utf8 } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { DecodeError } from '../errors.js';
import { FORWARD_REQUEST_SIZE, FORWARD_RESPONSE_SIZE, KEY_LENGTH } from './limits.js';

/** HKDF info prefix; the ephemeral and the relay's static key follow it. */
const FORWARD_INFO = utf8('graphchat-emp forward');
const ZERO_NONCE = new Uint8Array(24);
const EMPTY = new Uint8Array(0);

export interface ForwardKeys {
  /** Encrypts the forwarded transmission (client → destination). */
  readonly requestKey: Uint8Array;
  /** Encrypts the destination's answer (destination → client). */
  readonly responseKey: Uint8Array;
}

/** The two one-use keys: HKDF-SHA256(shared, salt = sessionId, info = "graphchat-emp forward" ‖ ephemeralKey ‖ relayKey, 64). */
export function forwardKeys(crypto: Crypto, shared: Uint8Array, sessionId: Uint8Array, ephemeralKey: Uint8Array, relayKey: Uint8Array): ForwardKeys {
  const okm = crypto.hkdfSha256(shared, sessionId, concatBytes(FORWARD_INFO, ephemeralKey, relayKey), 2 * KEY_LENGTH);
  return { requestKey: okm.slice(0, KEY_LENGTH), responseKey: okm.slice(KEY_LENGTH) };
}

/** `len:u16 ‖ bytes ‖ zeros` of exactly `size` bytes; RangeError when `bytes` does not fit. */
export function padTo(bytes: Uint8Array, size: number): Uint8Array {
  if (bytes.length > size - 2) throw new RangeError(`forwarded transmission over ${size - 2} bytes`);
  const out = new Uint8Array(size);
  out.set(new ByteWriter(bytes.length + 2).longBytes(bytes).finish());
  return out;
}

/** The inverse of padTo; DecodeError for a wrong size, a length past the end or non-zero padding. */
export function unpad(padded: Uint8Array, size: number): Uint8Array {
  if (padded.length !== size) throw new DecodeError('INVALID', `padded forward must be ${size} bytes`);
  const r = new ByteReader(padded);
  const bytes = r.longBytes();
  if (r.rest().some((b) => b !== 0)) throw new DecodeError('INVALID', 'non-zero padding in a forwarded transmission');
  return bytes;
}

export interface SealedForward {
  readonly ephemeralKey: Uint8Array;
  readonly sealed: Uint8Array;
  /** Kept by the client to open the answer. */
  readonly responseKey: Uint8Array;
}

/**
 * Seals `transmission` for the relay whose static key is `relayKey`, within
 * the forwarding session `sessionId`. `ephemeral` is for known-answer tests
 * only; omit it to draw a fresh key. CryptoError BAD_KEY for a low-order `relayKey`.
 */
export function sealForward(crypto: Crypto, sessionId: Uint8Array, relayKey: Uint8Array, transmission: Uint8Array, ephemeral?: KeyPair): SealedForward {
  const e = ephemeral ?? crypto.x25519KeyPair();
  const shared = crypto.x25519(e.secretKey, relayKey);
  const keys = forwardKeys(crypto, shared, sessionId, e.publicKey, relayKey);
  const sealed = crypto.xchacha20Poly1305Encrypt(keys.requestKey, ZERO_NONCE, EMPTY, padTo(transmission, FORWARD_REQUEST_SIZE));
  crypto.wipe(shared);
  crypto.wipe(keys.requestKey);
  if (ephemeral === undefined) crypto.wipe(e.secretKey);
  return { ephemeralKey: e.publicKey, sealed, responseKey: keys.responseKey };
}

/**
 * The destination's side: the forwarded transmission and the key for its
 * answer, or null when the seal does not open (wrong key, tampered, wrong
 * session, low-order ephemeral key, bad padding).
 */
export function openForward(
  crypto: Crypto,
  staticKey: KeyPair,
  sessionId: Uint8Array,
  ephemeralKey: Uint8Array,
  sealed: Uint8Array,
): { transmission: Uint8Array; responseKey: Uint8Array } | null {
  let shared: Uint8Array;
  try {
    shared = crypto.x25519(staticKey.secretKey, ephemeralKey);
  } catch {
    return null;
  }
  const keys = forwardKeys(crypto, shared, sessionId, ephemeralKey, staticKey.publicKey);
  crypto.wipe(shared);
  const padded = crypto.xchacha20Poly1305Decrypt(keys.requestKey, ZERO_NONCE, EMPTY, sealed);
  crypto.wipe(keys.requestKey);
  if (padded === null) return null;
  try {
    return { transmission: unpad(padded, FORWARD_REQUEST_SIZE), responseKey: keys.responseKey };
  } catch {
    return null;
  }
}

export function sealForwardResponse(crypto: Crypto, responseKey: Uint8Array, transmission: Uint8Array): Uint8Array {
  return crypto.xchacha20Poly1305Encrypt(responseKey, ZERO_NONCE, EMPTY, padTo(transmission, FORWARD_RESPONSE_SIZE));
}

/** Null when the answer does not open or is badly padded. */
export function openForwardResponse(crypto: Crypto, responseKey: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const padded = crypto.xchacha20Poly1305Decrypt(responseKey, ZERO_NONCE, EMPTY, sealed);
  if (padded === null) return null;
  try {
    return unpad(padded, FORWARD_RESPONSE_SIZE);
  } catch {
    return null;
  }
}
