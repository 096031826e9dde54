/**
 * The primitives graphchat's protocols use, behind one small interface so that
 * every backend (libsodium in Node, WebCrypto/noble in the browser) can be
 * checked against the same vectors (docs/protocol/vectors/crypto.json).
 *
 * Byte conventions follow the defining RFCs:
 * - X25519 (RFC 7748): 32-byte private and public keys.
 * - Ed25519 (RFC 8032): 32-byte public key, 64-byte signature. The secret key
 *   is the 64-byte libsodium form `seed || publicKey`, so that signing never
 *   re-derives the public key; `seed` is the RFC 8032 private key.
 * - ChaCha20-Poly1305 (RFC 8439) with a 12-byte nonce, XChaCha20-Poly1305
 *   (draft-irtf-cfrg-xchacha) with a 24-byte nonce; ciphertext = c || 16-byte tag.
 * - HKDF-SHA256 (RFC 5869), HMAC-SHA256 (RFC 2104), SHA-256/512 (FIPS 180-4).
 * - ML-KEM-768 (FIPS 203): 1184-byte encapsulation (public) key, 2400-byte
 *   decapsulation (secret) key in the FIPS 203 expanded form
 *   dkPKE || ek || H(ek) || z, 1088-byte ciphertext, 32-byte shared secret.
 *   Every backend uses @noble/post-quantum for it (libsodium has no ML-KEM).
 * - Argon2id version 0x13 (RFC 9106) restricted to what libsodium's
 *   crypto_pwhash and noble's argon2id both compute: parallelism 1, a 16-byte
 *   salt, no secret key or associated data, 16..64 output bytes.
 */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** Argon2id cost parameters (parallelism is always 1). */
export interface Argon2idParams {
  /** Passes over memory (RFC 9106 t, libsodium opslimit); at least 1. */
  readonly iterations: number;
  /**
   * Memory in KiB (RFC 9106 m; libsodium memlimit = memoryKiB * 1024); at
   * least 8. Production values are still to be chosen per platform (the
   * noble backend is pure JavaScript and many times slower than libsodium);
   * the tests use small values only.
   */
  readonly memoryKiB: number;
}

export interface MlKemEncapsulation {
  readonly ciphertext: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

export interface Crypto {
  /** Backend name, for diagnostics only. */
  readonly name: string;
  randomBytes(length: number): Uint8Array;

  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  x25519KeyPair(): KeyPair;
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** Throws CryptoError BAD_KEY when the result is all zeros (a low-order point, RFC 7748 §6.1). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;

  ed25519KeyPair(): KeyPair;
  /** Expands a 32-byte RFC 8032 private key (seed) into a key pair. */
  ed25519KeyPairFromSeed(seed: Uint8Array): KeyPair;
  ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** False for any invalid key, signature or message; never throws on bad input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  chacha20Poly1305Encrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Null when authentication fails. */
  chacha20Poly1305Decrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;
  xchacha20Poly1305Encrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Null when authentication fails. */
  xchacha20Poly1305Decrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null;

  /**
   * ML-KEM-768 key pair. `seed` (64 bytes, d || z as in FIPS 203
   * ML-KEM.KeyGen_internal) is for known-answer tests only; omit it to draw
   * fresh randomness.
   */
  mlKem768KeyPair(seed?: Uint8Array): KeyPair;
  /**
   * `randomness` (32 bytes, m of FIPS 203 ML-KEM.Encaps_internal) is for
   * known-answer tests only. Throws CryptoError BAD_KEY for a public key of
   * the wrong length or failing the FIPS 203 modulus check.
   */
  mlKem768Encapsulate(publicKey: Uint8Array, randomness?: Uint8Array): MlKemEncapsulation;
  /**
   * Never fails for a well-formed ciphertext: a tampered one yields a
   * pseudo-random secret (FIPS 203 implicit rejection), so the failure shows
   * only when the secret is used. Throws CryptoError BAD_KEY for a ciphertext
   * or secret key of the wrong length, or a secret key failing the FIPS 203
   * hash check.
   */
  mlKem768Decapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array;

  /**
   * Argon2id (RFC 9106, version 0x13, parallelism 1) of `password` under a
   * 16-byte `salt`, `length` (16..64) bytes long. Throws RangeError for
   * parameters outside that common ground.
   */
  argon2id(password: Uint8Array, salt: Uint8Array, params: Argon2idParams, length: number): Uint8Array;

  /** Best-effort erasure of secret material. */
  wipe(secret: Uint8Array): void;
}

export const AEAD_TAG_LENGTH = 16;
export const KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
export const ML_KEM_768_PUBLIC_KEY_LENGTH = 1184;
export const ML_KEM_768_SECRET_KEY_LENGTH = 2400;
export const ML_KEM_768_CIPHERTEXT_LENGTH = 1088;
export const ARGON2ID_SALT_LENGTH = 16;
export const ARGON2ID_MIN_LENGTH = 16;
export const ARGON2ID_MAX_LENGTH = 64;
export const ARGON2ID_MIN_MEMORY_KIB = 8;

/**
 * Throws RangeError unless the Argon2id arguments lie in the ground common to
 * every backend. libsodium's crypto_pwhash takes exactly 16 salt bytes, at
 * least 16 output bytes, opslimit >= 1 and memlimit >= 8 KiB. noble 2.0.1
 * truncates outputs longer than 64 bytes whose length is not a multiple of 4
 * (its H' returns whole 32-bit words), so outputs stop at 64 bytes, which
 * covers every key graphchat derives.
 */
export function checkArgon2idArguments(salt: Uint8Array, params: Argon2idParams, length: number): void {
  if (salt.length !== ARGON2ID_SALT_LENGTH) {
    throw new RangeError(`Argon2id salt must be ${ARGON2ID_SALT_LENGTH} bytes, got ${salt.length}`);
  }
  if (!Number.isInteger(length) || length < ARGON2ID_MIN_LENGTH || length > ARGON2ID_MAX_LENGTH) {
    throw new RangeError(`Argon2id output length must be ${ARGON2ID_MIN_LENGTH}..${ARGON2ID_MAX_LENGTH}, got ${length}`);
  }
  const { iterations, memoryKiB } = params;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 0xffffffff) {
    throw new RangeError(`Argon2id iterations must be an integer >= 1, got ${iterations}`);
  }
  if (!Number.isInteger(memoryKiB) || memoryKiB < ARGON2ID_MIN_MEMORY_KIB || memoryKiB > 0xffffffff) {
    throw new RangeError(`Argon2id memoryKiB must be an integer >= ${ARGON2ID_MIN_MEMORY_KIB}, got ${memoryKiB}`);
  }
}
