/**
 * Node backend: libsodium through sodium-native for every primitive on the
 * hot path (curves, AEADs, hashes). sodium-native 5 exposes no HMAC-SHA256
 * (its crypto_auth is HMAC-SHA512-256), so HMAC-SHA256 and HKDF-SHA256 are
 * built here on libsodium's SHA-256: the Double Ratchet runs 5 of these HMACs
 * per message on each side. libsodium has no ML-KEM, so ML-KEM-768 is noble's
 * (@noble/post-quantum) in both backends. Argon2id is libsodium's
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

// ---------------------------------------------------------------------------
// Small arguments. V8 keeps a typed array of up to 64 bytes inside its heap,
// and its first pass to native code moves it out, which costs about 0.6 us
// here: more than a SHA-256 of a few blocks. Keys, nonces, digests and
// signatures made per message would pay that on every call, so small inputs
// are copied into off-heap slots before libsodium reads them, and small
// outputs are written to a slot and copied out with slice(). Every function
// below wipes the slots before it returns; they are all synchronous, so no two
// calls ever share them.

const IN_HEAP_MAX = 64;
const slots = bytes(4 * IN_HEAP_MAX); // larger than IN_HEAP_MAX, so off-heap itself

/** `value` as libsodium should read it: copied into slot `i` (0..3) when small enough to sit in V8's heap. */
function input(i: number, value: Uint8Array): Uint8Array {
  if (value.length > IN_HEAP_MAX) return value;
  const slot = slots.subarray(i * IN_HEAP_MAX, i * IN_HEAP_MAX + value.length);
  slot.set(value);
  return slot;
}

/** Slot `i` as a `length`-byte output (at most IN_HEAP_MAX); read it with `take`. */
function output(i: number, length: number): Uint8Array {
  return slots.subarray(i * IN_HEAP_MAX, i * IN_HEAP_MAX + length);
}

/** A copy of `out` (a slot), after which every slot is wiped. */
function take(out: Uint8Array): Uint8Array {
  const copy = out.slice();
  wipeSlots();
  return copy;
}

function wipeSlots(): void {
  slots.fill(0);
}

// ---------------------------------------------------------------------------
// HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) on libsodium's SHA-256.
//
// Like the slots above, they work in module-level buffers that V8 moves out
// of its heap once, and wipe them before every return.

const SHA256_BLOCK = 64;
const SHA256_LENGTH = 32;
const HKDF_MAX_LENGTH = 255 * SHA256_LENGTH;
/** Inputs up to this size go through the reused scratch buffers; longer ones get a buffer of their own. */
const SCRATCH_LIMIT = 1024;

/** (K ^ opad) || SHA-256((K ^ ipad) || data) */
const hmacOuter = bytes(SHA256_BLOCK + SHA256_LENGTH);
const hmacInnerHash = hmacOuter.subarray(SHA256_BLOCK);
/** (K ^ ipad) || data, for data of up to SCRATCH_LIMIT bytes. */
const hmacInner = bytes(SHA256_BLOCK + SCRATCH_LIMIT);
/** SHA-256(K) for keys longer than a block. */
const hmacLongKey = bytes(SHA256_LENGTH);
const hkdfPrk = bytes(SHA256_LENGTH);
const hkdfBlock = bytes(SHA256_LENGTH);
/** T(i-1) || info || i, for info of up to SCRATCH_LIMIT bytes. */
const hkdfInput = bytes(SHA256_LENGTH + SCRATCH_LIMIT + 1);

/** Views of hmacInner by length, each made once rather than on every call. */
const hmacInnerViews: Uint8Array[] = [];
const hmacOut = bytes(SHA256_LENGTH);

function scratch(buffer: Uint8Array, length: number): Uint8Array {
  return length <= buffer.length ? buffer.subarray(0, length) : bytes(length);
}

/** HMAC-SHA256(key, data) into `out` (32 bytes), which may be `key` itself. */
function hmacSha256Into(out: Uint8Array, key: Uint8Array, data: Uint8Array): void {
  if (key.length > SHA256_BLOCK) {
    sodium.crypto_hash_sha256(hmacLongKey, key);
    key = hmacLongKey;
  }
  const length = SHA256_BLOCK + data.length;
  const inner = length <= hmacInner.length ? (hmacInnerViews[length] ??= hmacInner.subarray(0, length)) : bytes(length);
  inner.fill(0x36, 0, SHA256_BLOCK);
  hmacOuter.fill(0x5c, 0, SHA256_BLOCK);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    hmacOuter[i]! ^= key[i]!;
  }
  inner.set(data, SHA256_BLOCK);
  sodium.crypto_hash_sha256(hmacInnerHash, inner);
  sodium.crypto_hash_sha256(out, hmacOuter);
  inner.fill(0);
  hmacOuter.fill(0);
  if (key === hmacLongKey) hmacLongKey.fill(0);
}

function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  hmacSha256Into(hmacOut, key, data);
  const mac = hmacOut.slice();
  hmacOut.fill(0);
  return mac;
}

function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > HKDF_MAX_LENGTH) {
    throw new RangeError(`HKDF-SHA256 output must be 0..${HKDF_MAX_LENGTH} bytes, got ${length}`);
  }
  // Extract: PRK = HMAC(salt, IKM); an empty salt is HashLen zero bytes, which HMAC pads the empty key to anyway.
  hmacSha256Into(hkdfPrk, salt, ikm);
  // Expand: T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty; OKM = the first `length` bytes of T(1) || T(2) || ...
  const expandInput = scratch(hkdfInput, SHA256_LENGTH + info.length + 1);
  expandInput.set(info, SHA256_LENGTH);
  const okm = bytes(length);
  for (let i = 1, offset = 0; offset < length; i++, offset += SHA256_LENGTH) {
    expandInput[expandInput.length - 1] = i;
    hmacSha256Into(hkdfBlock, hkdfPrk, i === 1 ? expandInput.subarray(SHA256_LENGTH) : expandInput);
    okm.set(length - offset < SHA256_LENGTH ? hkdfBlock.subarray(0, length - offset) : hkdfBlock, offset);
    expandInput.set(hkdfBlock);
  }
  hkdfPrk.fill(0);
  hkdfBlock.fill(0);
  expandInput.fill(0);
  return okm;
}

// ---------------------------------------------------------------------------

type Open = (m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array) => number;

type Seal = (c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array) => number;

function aeadSeal(seal: Seal, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = bytes(plaintext.length + AEAD_TAG_LENGTH);
  try {
    seal(out, input(0, plaintext), input(1, ad), null, input(2, nonce), input(3, key));
  } finally {
    wipeSlots();
  }
  return out;
}

function aeadOpen(open: Open, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG_LENGTH) return null;
  const plaintext = bytes(ciphertext.length - AEAD_TAG_LENGTH);
  try {
    open(plaintext, null, input(0, ciphertext), input(1, ad), input(2, nonce), input(3, key));
    return plaintext;
  } catch {
    return null;
  } finally {
    wipeSlots();
  }
}

function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  checkLength('X25519 secret key', secretKey, 32);
  const out = output(0, 32);
  sodium.crypto_scalarmult_base(out, input(1, secretKey));
  return take(out);
}

export const sodiumCrypto: Crypto = {
  name: 'sodium',
  randomBytes(length) {
    if (length > IN_HEAP_MAX) {
      const out = bytes(length);
      sodium.randombytes_buf(out);
      return out;
    }
    const out = output(0, length);
    sodium.randombytes_buf(out);
    return take(out);
  },
  sha256(data) {
    const out = output(0, 32);
    sodium.crypto_hash_sha256(out, input(1, data));
    return take(out);
  },
  sha512(data) {
    const out = output(0, 64);
    sodium.crypto_hash_sha512(out, input(1, data));
    return take(out);
  },
  hmacSha256,
  hkdfSha256,

  x25519KeyPair() {
    const secretKey = output(0, 32);
    const publicKey = output(1, 32);
    sodium.randombytes_buf(secretKey);
    sodium.crypto_scalarmult_base(publicKey, secretKey);
    return { publicKey: publicKey.slice(), secretKey: take(secretKey) };
  },
  x25519PublicKey,
  x25519(secretKey, publicKey) {
    checkLength('X25519 secret key', secretKey, 32);
    checkLength('X25519 public key', publicKey, 32);
    const out = output(0, 32);
    try {
      sodium.crypto_scalarmult(out, input(1, secretKey), input(2, publicKey));
    } catch {
      wipeSlots();
      throw new CryptoError('BAD_KEY', 'X25519 produced a low-order result');
    }
    return take(out);
  },

  ed25519KeyPair(): KeyPair {
    const publicKey = output(0, 32);
    const secretKey = output(1, 64);
    sodium.crypto_sign_keypair(publicKey, secretKey);
    return { publicKey: publicKey.slice(), secretKey: take(secretKey) };
  },
  ed25519KeyPairFromSeed(seed): KeyPair {
    checkLength('Ed25519 seed', seed, 32);
    const publicKey = output(0, 32);
    const secretKey = output(1, 64);
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, input(2, seed));
    return { publicKey: publicKey.slice(), secretKey: take(secretKey) };
  },
  ed25519Sign(secretKey, message) {
    checkLength('Ed25519 secret key', secretKey, 64);
    const signature = output(0, 64);
    sodium.crypto_sign_detached(signature, input(1, message), input(2, secretKey));
    return take(signature);
  },
  ed25519Verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return sodium.crypto_sign_verify_detached(input(0, signature), input(1, message), input(2, publicKey));
    } catch {
      return false;
    } finally {
      wipeSlots();
    }
  },

  chacha20Poly1305Encrypt(key, nonce, ad, plaintext) {
    checkLength('ChaCha20-Poly1305 nonce', nonce, 12);
    return aeadSeal(sodium.crypto_aead_chacha20poly1305_ietf_encrypt, key, nonce, ad, plaintext);
  },
  chacha20Poly1305Decrypt: (key, nonce, ad, ciphertext) =>
    aeadOpen(sodium.crypto_aead_chacha20poly1305_ietf_decrypt, key, nonce, ad, ciphertext),
  xchacha20Poly1305Encrypt(key, nonce, ad, plaintext) {
    checkLength('XChaCha20-Poly1305 nonce', nonce, 24);
    return aeadSeal(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt, key, nonce, ad, plaintext);
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

  // fill(0), not sodium_memzero: handing a small on-heap array to native code
  // would first copy the secret out of V8's heap (see the slots above).
  wipe: (secret) => secret.fill(0),
};
