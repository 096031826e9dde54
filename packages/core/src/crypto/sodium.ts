/**
 * Node backend: libsodium through sodium-native for every primitive on the
 * hot path (curves, AEADs, hashes). libsodium has no HMAC-SHA256/HKDF in this
 * binding, so those come from the noble backend; they run only during
 * handshakes and queue creation. libsodium has no ML-KEM either, so ML-KEM-768
 * is noble's (@noble/post-quantum) in both backends. Argon2id is libsodium's
 * crypto_pwhash, which fixes parallelism at 1.
 *
 * Import as `@graphchat/core/crypto-sodium`; it is deliberately not part of the
 * package index, which must stay loadable in a browser.
 */
import sodium from 'sodium-native';
import { CryptoError } from '../errors.js';
import { AEAD_TAG_LENGTH, checkArgon2idArguments, type Crypto, type KeyPair } from './crypto.js';
import { nobleCrypto } from './noble.js';

function bytes(length: number): Uint8Array {
  return new Uint8Array(length);
}

function checkLength(name: string, value: Uint8Array, length: number): void {
  if (value.length !== length) throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
}

type Open = (m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array) => number;

function aeadOpen(open: Open, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_LENGTH) return null;
  const plaintext = bytes(ciphertext.length - AEAD_TAG_LENGTH);
  try {
    open(plaintext, null, ciphertext, ad, nonce, key);
    return plaintext;
  } catch {
    return null;
  }
}

function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  checkLength('X25519 secret key', secretKey, 32);
  const out = bytes(32);
  sodium.crypto_scalarmult_base(out, secretKey);
  return out;
}

export const sodiumCrypto: Crypto = {
  name: 'sodium',
  randomBytes(length) {
    const out = bytes(length);
    sodium.randombytes_buf(out);
    return out;
  },
  sha256(data) {
    const out = bytes(32);
    sodium.crypto_hash_sha256(out, data);
    return out;
  },
  sha512(data) {
    const out = bytes(64);
    sodium.crypto_hash_sha512(out, data);
    return out;
  },
  hmacSha256: nobleCrypto.hmacSha256,
  hkdfSha256: nobleCrypto.hkdfSha256,

  x25519KeyPair() {
    const secretKey = bytes(32);
    sodium.randombytes_buf(secretKey);
    return { publicKey: x25519PublicKey(secretKey), secretKey };
  },
  x25519PublicKey,
  x25519(secretKey, publicKey) {
    checkLength('X25519 secret key', secretKey, 32);
    checkLength('X25519 public key', publicKey, 32);
    const out = bytes(32);
    try {
      sodium.crypto_scalarmult(out, secretKey, publicKey);
    } catch {
      throw new CryptoError('BAD_KEY', 'X25519 produced a low-order result');
    }
    return out;
  },

  ed25519KeyPair(): KeyPair {
    const publicKey = bytes(32);
    const secretKey = bytes(64);
    sodium.crypto_sign_keypair(publicKey, secretKey);
    return { publicKey, secretKey };
  },
  ed25519KeyPairFromSeed(seed): KeyPair {
    checkLength('Ed25519 seed', seed, 32);
    const publicKey = bytes(32);
    const secretKey = bytes(64);
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
    return { publicKey, secretKey };
  },
  ed25519Sign(secretKey, message) {
    checkLength('Ed25519 secret key', secretKey, 64);
    const signature = bytes(64);
    sodium.crypto_sign_detached(signature, message, secretKey);
    return signature;
  },
  ed25519Verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    } catch {
      return false;
    }
  },

  chacha20Poly1305Encrypt(key, nonce, ad, plaintext) {
    checkLength('ChaCha20-Poly1305 nonce', nonce, 12);
    const out = bytes(plaintext.length + AEAD_TAG_LENGTH);
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key);
    return out;
  },
  chacha20Poly1305Decrypt: (key, nonce, ad, ciphertext) =>
    aeadOpen(sodium.crypto_aead_chacha20poly1305_ietf_decrypt, key, nonce, ad, ciphertext),
  xchacha20Poly1305Encrypt(key, nonce, ad, plaintext) {
    checkLength('XChaCha20-Poly1305 nonce', nonce, 24);
    const out = bytes(plaintext.length + AEAD_TAG_LENGTH);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, key);
    return out;
  },
  xchacha20Poly1305Decrypt: (key, nonce, ad, ciphertext) =>
    aeadOpen(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt, key, nonce, ad, ciphertext),

  mlKem768KeyPair: nobleCrypto.mlKem768KeyPair,
  mlKem768Encapsulate: nobleCrypto.mlKem768Encapsulate,
  mlKem768Decapsulate: nobleCrypto.mlKem768Decapsulate,

  argon2id(password, salt, params, length) {
    checkArgon2idArguments(salt, params, length);
    const out = bytes(length);
    sodium.crypto_pwhash(
      out,
      password,
      salt,
      params.iterations,
      params.memoryKiB * 1024,
      sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
    return out;
  },

  wipe: (secret) => sodium.sodium_memzero(secret),
};
