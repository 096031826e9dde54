/**
 * The Double Ratchet's external functions KDF_RK, KDF_CK, ENCRYPT and DECRYPT
 * (§3.1): KDF_RK and KDF_CK as §5.2 recommends, ChaCha20-Poly1305 as the AEAD.
 */
import { utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';

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

/**
 * ENCRYPT uses mk itself as the key of ChaCha20-Poly1305 (RFC 8439) with a
 * constant all-zero nonce. §3.1 allows a nonce fixed to a constant because
 * each message key is used only once: mk is a fresh HMAC-SHA256 output for
 * every message, so a (key, nonce) pair never repeats. It spares the HKDF that §5.2's
 * AES-CBC + HMAC instantiation needs to split mk into several keys, three
 * HMACs per message on each side.
 */
const MESSAGE_NONCE = new Uint8Array(12);

/** ENCRYPT(mk, plaintext, associated_data) of §3.1. */
export function encryptMessage(crypto: Crypto, mk: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  return crypto.chacha20Poly1305Encrypt(mk, MESSAGE_NONCE, ad, plaintext);
}

/** DECRYPT(mk, ciphertext, associated_data) of §3.1; null when authentication fails. */
export function decryptMessage(crypto: Crypto, mk: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | null {
  return crypto.chacha20Poly1305Decrypt(mk, MESSAGE_NONCE, ad, ciphertext);
}
