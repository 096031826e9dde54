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
 */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
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

  /** Best-effort erasure of secret material. */
  wipe(secret: Uint8Array): void;
}

export const AEAD_TAG_LENGTH = 16;
export const KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
