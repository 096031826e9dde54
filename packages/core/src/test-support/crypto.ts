// Shared by the crypto-*.test.ts files: the vectors of
// docs/protocol/vectors/crypto.json and their shapes, the two backends, a
// CryptoError matcher, and one seal/open over both AEADs.
import type { Crypto } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { CryptoError } from '../errors.js';
import { loadVectors } from './vectors.js';

// Shapes of docs/protocol/vectors/crypto.json (all byte strings are hex).
export interface HashCase {
  readonly comment: string;
  readonly message: string;
  readonly digest: string;
}
export interface HmacCase {
  readonly comment: string;
  readonly key: string;
  readonly data: string;
  readonly mac: string;
  /** The RFC publishes only this many leading bytes of the MAC. */
  readonly truncatedTo?: number;
}
export interface HkdfCase {
  readonly comment: string;
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly length: number;
  readonly prk: string;
  readonly okm: string;
}
export interface X25519Case {
  readonly comment: string;
  readonly scalar: string;
  readonly u: string;
  /** RFC 7748 §5.2 iterated form: repeat (k, u) <- (X25519(k, u), k). */
  readonly iterations?: number;
  readonly output?: string;
  readonly error?: CryptoError['code'];
}
export interface Ed25519Case {
  readonly comment: string;
  readonly seed?: string;
  readonly publicKey: string;
  readonly message: string;
  readonly signature: string;
  readonly valid: boolean;
}
export interface AeadCase {
  readonly comment: string;
  readonly key: string;
  readonly nonce: string;
  readonly ad: string;
  readonly plaintext?: string;
  readonly ciphertext: string;
  readonly tag: string;
  readonly valid: boolean;
}
export interface MlKemCase {
  readonly comment: string;
  /** d || z; absent when the source's key generation predates FIPS 203 final. */
  readonly seed?: string;
  readonly publicKey: string;
  /** The published 2400-byte decapsulation key dk = dkPKE || ek || H(ek) || z. */
  readonly secretKey: string;
  readonly randomness: string;
  readonly ciphertext: string;
  readonly sharedSecret: string;
}
export interface Argon2idCase {
  readonly comment: string;
  readonly password: string;
  readonly salt: string;
  readonly iterations: number;
  readonly memoryKiB: number;
  readonly output: string;
}
export interface CryptoVectors {
  readonly comment: string;
  readonly sha256: readonly HashCase[];
  readonly sha512: readonly HashCase[];
  readonly hmacSha256: readonly HmacCase[];
  readonly hkdfSha256: readonly HkdfCase[];
  readonly x25519: readonly X25519Case[];
  readonly ed25519: readonly Ed25519Case[];
  readonly chacha20Poly1305: readonly AeadCase[];
  readonly xchacha20Poly1305: readonly AeadCase[];
  readonly mlKem768: readonly MlKemCase[];
  readonly argon2id: readonly Argon2idCase[];
}

export const vectors = loadVectors<CryptoVectors>('crypto.json');
export const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];
export const EMPTY = new Uint8Array(0);

export function isCryptoError(code: CryptoError['code']) {
  return (error: unknown): boolean => error instanceof CryptoError && error.code === code;
}

export type AeadName = 'chacha20Poly1305' | 'xchacha20Poly1305';
export const AEADS: readonly { readonly name: AeadName; readonly nonceLength: number }[] = [
  { name: 'chacha20Poly1305', nonceLength: 12 },
  { name: 'xchacha20Poly1305', nonceLength: 24 },
];

export function seal(backend: Crypto, aead: AeadName, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array) {
  return aead === 'chacha20Poly1305'
    ? backend.chacha20Poly1305Encrypt(key, nonce, ad, plaintext)
    : backend.xchacha20Poly1305Encrypt(key, nonce, ad, plaintext);
}

export function open(backend: Crypto, aead: AeadName, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array) {
  return aead === 'chacha20Poly1305'
    ? backend.chacha20Poly1305Decrypt(key, nonce, ad, ciphertext)
    : backend.xchacha20Poly1305Decrypt(key, nonce, ad, ciphertext);
}
