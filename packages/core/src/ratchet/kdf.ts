/**
 * The Double Ratchet's external functions KDF_RK, KDF_CK, ENCRYPT and DECRYPT
 * (§3.1): KDF_RK and KDF_CK as §5.2 recommends, XChaCha20-Poly1305 with a
 * random nonce as the AEAD.
 */
import { concatBytes, utf8 } from '../bytes.js';
import { AEAD_TAG_LENGTH, type Crypto } from '../crypto/crypto.js';

const ROOT_INFO = utf8('graphchat ratchet root');
/** §5.2: HMAC with a single byte 0x01 as input gives the message key, 0x02 the next chain key. */
const MESSAGE_KEY_INPUT = Uint8Array.of(0x01);
const CHAIN_KEY_INPUT = Uint8Array.of(0x02);
const KEY_LENGTH = 32;

/** KDF_RK(rk, dh_out) = HKDF-SHA256(salt = rk, ikm = dh_out, info = "graphchat ratchet root", 64) split into (rk, ck) (§5.2). */
export function kdfRk(crypto: Crypto, rk: Uint8Array, dhOut: Uint8Array): { rk: Uint8Array; ck: Uint8Array } {
  const out = crypto.hkdfSha256(dhOut, rk, ROOT_INFO, 2 * KEY_LENGTH);
  const result = { rk: out.slice(0, KEY_LENGTH), ck: out.slice(KEY_LENGTH) };
  crypto.wipe(out);
  return result;
}

/** KDF_CK(ck) = (HMAC-SHA256(ck, 0x02), HMAC-SHA256(ck, 0x01)) as (next chain key, message key) (§5.2). */
export function kdfCk(crypto: Crypto, ck: Uint8Array): { ck: Uint8Array; mk: Uint8Array } {
  return { ck: crypto.hmacSha256(ck, CHAIN_KEY_INPUT), mk: crypto.hmacSha256(ck, MESSAGE_KEY_INPUT) };
}

/** Length of the random XChaCha20-Poly1305 nonce carried in front of every ratchet ciphertext. */
export const MESSAGE_NONCE_LENGTH = 24;
/** A ratchet ciphertext is this many bytes longer than its plaintext: the nonce and the 16-byte Poly1305 tag. */
export const MESSAGE_CIPHERTEXT_OVERHEAD = MESSAGE_NONCE_LENGTH + AEAD_TAG_LENGTH;

/**
 * ENCRYPT(mk, plaintext, associated_data) of §3.1:
 *
 *   ciphertext = nonce:24 || XChaCha20-Poly1305(key = mk, nonce, aad = associated_data, plaintext)
 *
 * with a fresh random nonce from crypto.randomBytes for every message (§3.1
 * lets ENCRYPT use a random nonce). mk is a fresh KDF_CK output per message,
 * but the chain that derives it is state: a state directory restored from a
 * backup, a snapshot or a copy derives the same mk again, and any nonce
 * computed from the state (a constant, a counter, an HKDF of mk) would
 * repeat with it, so the next message after a rollback would reuse a
 * ChaCha20 keystream and a Poly1305 key. A random nonce comes from outside
 * the state and differs anyway; at 192 bits (draft-irtf-cfrg-xchacha) random
 * nonces do not collide even under one key, so the same mk sealing two
 * messages after a rollback is XChaCha20-Poly1305 used as designed. mk stays
 * the key itself: no HKDF split as in §5.2's AES-CBC + HMAC instantiation.
 */
export function encryptMessage(crypto: Crypto, mk: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  const nonce = crypto.randomBytes(MESSAGE_NONCE_LENGTH);
  return concatBytes(nonce, crypto.xchacha20Poly1305Encrypt(mk, nonce, ad, plaintext));
}

/** DECRYPT(mk, ciphertext, associated_data) of §3.1; null when authentication fails or the ciphertext is shorter than nonce and tag. */
export function decryptMessage(crypto: Crypto, mk: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | null {
  if (ciphertext.length < MESSAGE_CIPHERTEXT_OVERHEAD) return null;
  const nonce = ciphertext.subarray(0, MESSAGE_NONCE_LENGTH);
  return crypto.xchacha20Poly1305Decrypt(mk, nonce, ad, ciphertext.subarray(MESSAGE_NONCE_LENGTH));
}
