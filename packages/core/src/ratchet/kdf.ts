/**
 * The Double Ratchet's external functions KDF_RK, KDF_CK, ENCRYPT and DECRYPT
 * (§3.1), instantiated as §5.2 recommends, with XChaCha20-Poly1305 as the AEAD.
 */
import { utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';

const ROOT_INFO = utf8('graphchat ratchet root');
const MESSAGE_INFO = utf8('graphchat ratchet message');
/** §5.2: HMAC with a single byte 0x01 as input gives the message key, 0x02 the next chain key. */
const MESSAGE_KEY_INPUT = Uint8Array.of(0x01);
const CHAIN_KEY_INPUT = Uint8Array.of(0x02);
const KEY_LENGTH = 32;
const EMPTY_SALT = new Uint8Array(0);
const NONCE_LENGTH = 24;

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

/**
 * §5.2 derives the AEAD key (and IV) from mk with HKDF; here HKDF-SHA256(ikm = mk,
 * salt = "", info = "graphchat ratchet message", 56) gives a 32-byte
 * XChaCha20-Poly1305 key and its 24-byte nonce. Each mk encrypts one message,
 * so the deterministic nonce is never reused with a key.
 */
function messageCipher(crypto: Crypto, mk: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const out = crypto.hkdfSha256(mk, EMPTY_SALT, MESSAGE_INFO, KEY_LENGTH + NONCE_LENGTH);
  // Copies, not subarrays: a view of a typed array this small makes V8 move its bytes out of the JS heap.
  const cipher = { key: out.slice(0, KEY_LENGTH), nonce: out.slice(KEY_LENGTH) };
  crypto.wipe(out);
  return cipher;
}

/** ENCRYPT(mk, plaintext, associated_data) of §3.1. */
export function encryptMessage(crypto: Crypto, mk: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  const { key, nonce } = messageCipher(crypto, mk);
  try {
    return crypto.xchacha20Poly1305Encrypt(key, nonce, ad, plaintext);
  } finally {
    crypto.wipe(key);
    crypto.wipe(nonce);
  }
}

/** DECRYPT(mk, ciphertext, associated_data) of §3.1; null when authentication fails. */
export function decryptMessage(crypto: Crypto, mk: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | null {
  const { key, nonce } = messageCipher(crypto, mk);
  try {
    return crypto.xchacha20Poly1305Decrypt(key, nonce, ad, ciphertext);
  } finally {
    crypto.wipe(key);
    crypto.wipe(nonce);
  }
}
