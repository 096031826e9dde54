/**
 * Pure-JavaScript backend from the audited noble libraries. Works in any
 * JavaScript runtime; about 20-30x slower than libsodium, so Node processes
 * use crypto/sodium.ts instead.
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { concatBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import type { Crypto, KeyPair } from './crypto.js';

function signingKeyPair(seed: Uint8Array): KeyPair {
  const publicKey = ed25519.getPublicKey(seed);
  return { publicKey, secretKey: concatBytes(seed, publicKey) };
}

function aeadOpen(open: () => Uint8Array): Uint8Array | null {
  try {
    return open();
  } catch {
    return null;
  }
}

export const nobleCrypto: Crypto = {
  name: 'noble',
  randomBytes: (length) => randomBytes(length),
  sha256: (data) => sha256(data),
  sha512: (data) => sha512(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),

  x25519KeyPair() {
    const secretKey = randomBytes(32);
    return { publicKey: x25519.getPublicKey(secretKey), secretKey };
  },
  x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
  x25519(secretKey, publicKey) {
    try {
      return x25519.getSharedSecret(secretKey, publicKey);
    } catch {
      throw new CryptoError('BAD_KEY', 'X25519 produced a low-order result');
    }
  },

  ed25519KeyPair: () => signingKeyPair(randomBytes(32)),
  ed25519KeyPairFromSeed: (seed) => signingKeyPair(seed.slice()),
  ed25519Sign: (secretKey, message) => ed25519.sign(message, secretKey.subarray(0, 32)),
  ed25519Verify(publicKey, message, signature) {
    try {
      // zip215: false selects strict RFC 8032 decoding (canonical A and R) and
      // rejects small-order public keys, as libsodium does; noble's default
      // (ZIP 215) accepts e.g. any message under the identity key.
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },

  chacha20Poly1305Encrypt: (key, nonce, ad, plaintext) => chacha20poly1305(key, nonce, ad).encrypt(plaintext),
  chacha20Poly1305Decrypt: (key, nonce, ad, ciphertext) =>
    aeadOpen(() => chacha20poly1305(key, nonce, ad).decrypt(ciphertext)),
  xchacha20Poly1305Encrypt: (key, nonce, ad, plaintext) => xchacha20poly1305(key, nonce, ad).encrypt(plaintext),
  xchacha20Poly1305Decrypt: (key, nonce, ad, ciphertext) =>
    aeadOpen(() => xchacha20poly1305(key, nonce, ad).decrypt(ciphertext)),

  wipe: (secret) => secret.fill(0),
};
