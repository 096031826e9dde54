/**
 * Pure-JavaScript backend from the audited noble libraries. Works in any
 * JavaScript runtime; about 20-30x slower than libsodium, so Node processes
 * use crypto/sodium.ts instead.
 */
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concatBytes, equalBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import {
  checkArgon2idArguments,
  ML_KEM_768_CIPHERTEXT_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  ML_KEM_768_SECRET_KEY_LENGTH,
  type Crypto,
  type KeyPair,
} from './crypto.js';

function signingKeyPair(seed: Uint8Array): KeyPair {
  const publicKey = ed25519.getPublicKey(seed);
  return { publicKey, secretKey: concatBytes(seed, publicKey) };
}

/*
 * Ed25519 verification accepts exactly what libsodium's
 * crypto_sign_verify_detached accepts (EMP §3), so that the two backends never
 * disagree on a signature: a relay on one and a client on the other, or two
 * peers, would otherwise judge the same command or envelope differently.
 * noble's verify with zip215: false already refuses non-canonical A and R,
 * S >= L and a small-order A, but it checks the cofactored equation
 * [8][S]B = [8]R + [8][k]A, which RFC 8032 §5.1.7 allows, and accepts an R of
 * small order. libsodium also refuses a small-order R, and checks the
 * cofactorless equation by computing [S]B - [k]A and comparing its encoding
 * with R's bytes. Both are stricter, so noble's verdict is followed by these two.
 */
const { Point } = ed25519;

/** libsodium's rules beyond noble's; only for a signature noble's verify (zip215: false) has accepted. */
function meetsLibsodiumRules(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const encodedR = signature.subarray(0, 32);
  if (Point.fromBytes(encodedR).isSmallOrder()) return false;
  // k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7 step 2, pure Ed25519: no dom2 prefix).
  const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(encodedR, publicKey, message))));
  const s = bytesToNumberLE(signature.subarray(32, 64));
  const sBMinusKA = Point.BASE.multiplyUnsafe(s).subtract(Point.fromBytes(publicKey).multiplyUnsafe(k));
  return equalBytes(sBMinusKA.toBytes(), encodedR);
}

function aeadOpen(open: () => Uint8Array): Uint8Array | null {
  try {
    return open();
  } catch {
    return null;
  }
}

function checkKemLength(name: string, value: Uint8Array, length: number): void {
  if (value.length !== length) throw new CryptoError('BAD_KEY', `${name} must be ${length} bytes, got ${value.length}`);
}

function checkSeedLength(name: string, value: Uint8Array | undefined, length: number): void {
  if (value !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

const ML_KEM_Q = 3329;

/**
 * FIPS 203 §7.2 encapsulation-key check: every 12-bit coefficient of the
 * 1152-byte encoded vector t must be below q, i.e.
 * ByteEncode12(ByteDecode12(ek)) = ek. @noble/post-quantum 0.5.0 performs
 * this comparison, but its ByteDecode12 does not reduce mod q, so the check
 * never fails; hence this explicit one.
 */
function mlKem768PublicKeyIsCanonical(publicKey: Uint8Array): boolean {
  const end = ML_KEM_768_PUBLIC_KEY_LENGTH - 32;
  for (let i = 0; i < end; i += 3) {
    const b0 = publicKey[i] ?? 0;
    const b1 = publicKey[i + 1] ?? 0;
    const b2 = publicKey[i + 2] ?? 0;
    if ((b0 | ((b1 & 0x0f) << 8)) >= ML_KEM_Q || ((b1 >> 4) | (b2 << 4)) >= ML_KEM_Q) return false;
  }
  return true;
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
      return ed25519.verify(signature, message, publicKey, { zip215: false }) && meetsLibsodiumRules(publicKey, message, signature);
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

  // ML-KEM-768 (FIPS 203). libsodium has no ML-KEM, so the sodium backend
  // delegates these three methods here as well.
  mlKem768KeyPair(seed) {
    checkSeedLength('ML-KEM-768 key generation seed', seed, 64);
    return ml_kem768.keygen(seed);
  },
  mlKem768Encapsulate(publicKey, randomness) {
    checkKemLength('ML-KEM-768 public key', publicKey, ML_KEM_768_PUBLIC_KEY_LENGTH);
    checkSeedLength('ML-KEM-768 encapsulation randomness', randomness, 32);
    if (!mlKem768PublicKeyIsCanonical(publicKey)) {
      throw new CryptoError('BAD_KEY', 'ML-KEM-768 public key fails the FIPS 203 modulus check');
    }
    let result: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      result = ml_kem768.encapsulate(publicKey, randomness);
    } catch {
      throw new CryptoError('BAD_KEY', 'ML-KEM-768 public key rejected');
    }
    // noble's sharedSecret is a view into a larger buffer; return a copy of exactly 32 bytes.
    return { ciphertext: result.cipherText, sharedSecret: result.sharedSecret.slice() };
  },
  mlKem768Decapsulate(ciphertext, secretKey) {
    checkKemLength('ML-KEM-768 ciphertext', ciphertext, ML_KEM_768_CIPHERTEXT_LENGTH);
    checkKemLength('ML-KEM-768 secret key', secretKey, ML_KEM_768_SECRET_KEY_LENGTH);
    try {
      return ml_kem768.decapsulate(ciphertext, secretKey).slice();
    } catch {
      throw new CryptoError('BAD_KEY', 'ML-KEM-768 secret key fails the FIPS 203 hash check');
    }
  },

  argon2id(password, salt, params, length) {
    checkArgon2idArguments(salt, params, length);
    return argon2id(password, salt, { t: params.iterations, m: params.memoryKiB, p: 1, dkLen: length });
  },

  wipe: (secret) => secret.fill(0),
};
