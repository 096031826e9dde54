import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { loadVectors } from '../test-support/vectors.js';
import {
  AEAD_TAG_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  KEY_LENGTH,
  ML_KEM_768_CIPHERTEXT_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  ML_KEM_768_SECRET_KEY_LENGTH,
  type Argon2idParams,
  type Crypto,
} from './crypto.js';
import { nobleCrypto } from './noble.js';
import { sodiumCrypto } from './sodium.js';

// Shapes of docs/protocol/vectors/crypto.json (all byte strings are hex).
interface HashCase {
  readonly comment: string;
  readonly message: string;
  readonly digest: string;
}
interface HmacCase {
  readonly comment: string;
  readonly key: string;
  readonly data: string;
  readonly mac: string;
  /** The RFC publishes only this many leading bytes of the MAC. */
  readonly truncatedTo?: number;
}
interface HkdfCase {
  readonly comment: string;
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly length: number;
  readonly prk: string;
  readonly okm: string;
}
interface X25519Case {
  readonly comment: string;
  readonly scalar: string;
  readonly u: string;
  /** RFC 7748 §5.2 iterated form: repeat (k, u) <- (X25519(k, u), k). */
  readonly iterations?: number;
  readonly output?: string;
  readonly error?: CryptoError['code'];
}
interface Ed25519Case {
  readonly comment: string;
  readonly seed?: string;
  readonly publicKey: string;
  readonly message: string;
  readonly signature: string;
  readonly valid: boolean;
}
interface AeadCase {
  readonly comment: string;
  readonly key: string;
  readonly nonce: string;
  readonly ad: string;
  readonly plaintext?: string;
  readonly ciphertext: string;
  readonly tag: string;
  readonly valid: boolean;
}
interface MlKemCase {
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
interface Argon2idCase {
  readonly comment: string;
  readonly password: string;
  readonly salt: string;
  readonly iterations: number;
  readonly memoryKiB: number;
  readonly output: string;
}
interface CryptoVectors {
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

const vectors = loadVectors<CryptoVectors>('crypto.json');
const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];
const EMPTY = new Uint8Array(0);
const BASE_POINT = '09' + '00'.repeat(31);
/** Cheap Argon2id parameters: the pure-JavaScript backend is slow, and these tests are about agreement, not cost. */
const FAST_ARGON2: Argon2idParams = { iterations: 1, memoryKiB: 64 };

function isCryptoError(code: CryptoError['code']) {
  return (error: unknown): boolean => error instanceof CryptoError && error.code === code;
}

/** Hex result, or the CryptoError code thrown; lets two backends be compared outcome for outcome. */
function outcome(run: () => Uint8Array): string {
  try {
    return toHex(run());
  } catch (error) {
    if (error instanceof CryptoError) return `CryptoError ${error.code}`;
    throw error;
  }
}

function first<T>(items: readonly T[], what: string): T {
  const item = items[0];
  assert.ok(item, `no ${what} vectors`);
  return item;
}

type AeadName = 'chacha20Poly1305' | 'xchacha20Poly1305';
const AEADS: readonly { readonly name: AeadName; readonly nonceLength: number }[] = [
  { name: 'chacha20Poly1305', nonceLength: 12 },
  { name: 'xchacha20Poly1305', nonceLength: 24 },
];

function seal(backend: Crypto, aead: AeadName, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array) {
  return aead === 'chacha20Poly1305'
    ? backend.chacha20Poly1305Encrypt(key, nonce, ad, plaintext)
    : backend.xchacha20Poly1305Encrypt(key, nonce, ad, plaintext);
}

function open(backend: Crypto, aead: AeadName, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array) {
  return aead === 'chacha20Poly1305'
    ? backend.chacha20Poly1305Decrypt(key, nonce, ad, ciphertext)
    : backend.xchacha20Poly1305Decrypt(key, nonce, ad, ciphertext);
}

describe('crypto vector file', () => {
  it('has at least one case for every primitive, each naming its source', () => {
    for (const [name, cases] of Object.entries(vectors)) {
      if (name === 'comment') continue;
      assert.ok(Array.isArray(cases) && cases.length > 0, name);
      for (const c of cases as { comment?: unknown }[]) assert.equal(typeof c.comment, 'string', name);
    }
  });
});

for (const backend of backends) {
  describe(backend.name, () => {
    describe('sha256', () => {
      for (const c of vectors.sha256) {
        it(`returns the published digest: ${c.comment}`, () => {
          assert.equal(toHex(backend.sha256(fromHex(c.message))), c.digest);
        });
      }
    });

    describe('sha512', () => {
      for (const c of vectors.sha512) {
        it(`returns the published digest: ${c.comment}`, () => {
          assert.equal(toHex(backend.sha512(fromHex(c.message))), c.digest);
        });
      }
    });

    describe('hmacSha256', () => {
      for (const c of vectors.hmacSha256) {
        it(`returns the published MAC: ${c.comment}`, () => {
          const mac = backend.hmacSha256(fromHex(c.key), fromHex(c.data));
          assert.equal(mac.length, 32);
          assert.equal(toHex(mac.subarray(0, c.truncatedTo ?? mac.length)), c.mac);
        });
      }
    });

    describe('hkdfSha256', () => {
      for (const c of vectors.hkdfSha256) {
        it(`derives the published OKM: ${c.comment}`, () => {
          const okm = backend.hkdfSha256(fromHex(c.ikm), fromHex(c.salt), fromHex(c.info), c.length);
          assert.equal(toHex(okm), c.okm);
        });
        it(`has an extract step equal to HMAC(salt, IKM) giving the published PRK: ${c.comment}`, () => {
          // RFC 5869 §2.2; an empty salt is HashLen zero bytes, which HMAC pads the empty key to anyway.
          assert.equal(toHex(backend.hmacSha256(fromHex(c.salt), fromHex(c.ikm))), c.prk);
        });
      }
    });

    describe('x25519', () => {
      for (const c of vectors.x25519) {
        if (c.error) {
          const code = c.error;
          it(`throws CryptoError ${code} for a low-order public key: ${c.comment}`, () => {
            assert.throws(() => backend.x25519(fromHex(c.scalar), fromHex(c.u)), isCryptoError(code));
          });
          continue;
        }
        it(`returns the published output: ${c.comment}`, () => {
          let k = fromHex(c.scalar);
          let u = fromHex(c.u);
          for (let i = 0; i < (c.iterations ?? 1); i++) [k, u] = [backend.x25519(k, u), k];
          assert.equal(toHex(k), c.output);
        });
        if (c.u === BASE_POINT && c.iterations === undefined) {
          it(`derives the published public key with x25519PublicKey: ${c.comment}`, () => {
            assert.equal(toHex(backend.x25519PublicKey(fromHex(c.scalar))), c.output);
          });
        }
      }

      it('generates 32-byte key pairs whose public key matches x25519PublicKey', () => {
        const pair = backend.x25519KeyPair();
        assert.equal(pair.secretKey.length, KEY_LENGTH);
        assert.equal(pair.publicKey.length, KEY_LENGTH);
        assert.deepEqual(backend.x25519PublicKey(pair.secretKey), pair.publicKey);
      });

      it('agrees on the shared secret from both sides of a fresh exchange', () => {
        const alice = backend.x25519KeyPair();
        const bob = backend.x25519KeyPair();
        assert.deepEqual(backend.x25519(alice.secretKey, bob.publicKey), backend.x25519(bob.secretKey, alice.publicKey));
      });
    });

    describe('ed25519', () => {
      for (const c of vectors.ed25519) {
        it(`verify returns ${c.valid}: ${c.comment}`, () => {
          assert.equal(backend.ed25519Verify(fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature)), c.valid);
        });
        const seed = c.seed;
        if (seed === undefined) continue;
        it(`expands the seed to the published public key and secretKey = seed || publicKey: ${c.comment}`, () => {
          const pair = backend.ed25519KeyPairFromSeed(fromHex(seed));
          assert.equal(toHex(pair.publicKey), c.publicKey);
          assert.equal(toHex(pair.secretKey), seed + c.publicKey);
        });
        it(`signs to the published signature: ${c.comment}`, () => {
          const { secretKey } = backend.ed25519KeyPairFromSeed(fromHex(seed));
          assert.equal(toHex(backend.ed25519Sign(secretKey, fromHex(c.message))), c.signature);
        });
      }

      const rfcTest1 = first(vectors.ed25519, 'ed25519');
      const publicKey = fromHex(rfcTest1.publicKey);
      const message = fromHex(rfcTest1.message);
      const signature = fromHex(rfcTest1.signature);

      it('returns false instead of throwing for a 31- or 33-byte public key', () => {
        assert.equal(backend.ed25519Verify(publicKey.subarray(0, 31), message, signature), false);
        assert.equal(backend.ed25519Verify(concatBytes(publicKey, new Uint8Array(1)), message, signature), false);
        assert.equal(backend.ed25519Verify(EMPTY, message, signature), false);
      });

      it('returns false instead of throwing for a 63- or 65-byte signature', () => {
        assert.equal(backend.ed25519Verify(publicKey, message, signature.subarray(0, 63)), false);
        assert.equal(backend.ed25519Verify(publicKey, message, concatBytes(signature, new Uint8Array(1))), false);
        assert.equal(backend.ed25519Verify(publicKey, message, EMPTY), false);
      });

      it('generates key pairs with a 64-byte secretKey = seed || publicKey', () => {
        const pair = backend.ed25519KeyPair();
        assert.equal(pair.publicKey.length, 32);
        assert.equal(pair.secretKey.length, 64);
        assert.deepEqual(pair.secretKey.subarray(32), pair.publicKey);
        assert.deepEqual(backend.ed25519KeyPairFromSeed(pair.secretKey.subarray(0, 32)), pair);
      });

      it('signs 64-byte signatures that verify only for the signed message', () => {
        const pair = backend.ed25519KeyPair();
        const text = utf8('graphchat');
        const sig = backend.ed25519Sign(pair.secretKey, text);
        assert.equal(sig.length, ED25519_SIGNATURE_LENGTH);
        assert.equal(backend.ed25519Verify(pair.publicKey, text, sig), true);
        assert.equal(backend.ed25519Verify(pair.publicKey, utf8('graphchaT'), sig), false);
      });

      it('keeps a key pair from a seed usable after the seed buffer is wiped', () => {
        const seed = fromHex(first(vectors.ed25519, 'ed25519').seed ?? '');
        const pair = backend.ed25519KeyPairFromSeed(seed);
        backend.wipe(seed);
        assert.equal(toHex(pair.secretKey.subarray(0, 32)), rfcTest1.seed);
        assert.equal(toHex(backend.ed25519Sign(pair.secretKey, message)), rfcTest1.signature);
      });
    });

    for (const { name, nonceLength } of AEADS) {
      describe(name, () => {
        for (const c of vectors[name]) {
          const key = fromHex(c.key);
          const nonce = fromHex(c.nonce);
          const ad = fromHex(c.ad);
          const sealed = concatBytes(fromHex(c.ciphertext), fromHex(c.tag));
          const plaintext = c.plaintext;
          if (!c.valid || plaintext === undefined) {
            it(`decrypt returns null: ${c.comment}`, () => {
              assert.equal(open(backend, name, key, nonce, ad, sealed), null);
            });
            continue;
          }
          it(`encrypts to the published ciphertext || tag: ${c.comment}`, () => {
            assert.equal(toHex(seal(backend, name, key, nonce, ad, fromHex(plaintext))), c.ciphertext + c.tag);
          });
          it(`decrypts to the published plaintext: ${c.comment}`, () => {
            const opened = open(backend, name, key, nonce, ad, sealed);
            assert.ok(opened);
            assert.equal(toHex(opened), plaintext);
          });
        }

        const key = new Uint8Array(KEY_LENGTH).fill(0x42);
        const nonce = new Uint8Array(nonceLength).fill(0x24);

        it('decrypt returns null rather than throwing for ciphertexts shorter than the tag', () => {
          for (let length = 0; length < AEAD_TAG_LENGTH; length++) {
            assert.equal(open(backend, name, key, nonce, EMPTY, new Uint8Array(length)), null, `length ${length}`);
          }
        });

        it('round-trips an empty plaintext with empty associated data as a bare tag', () => {
          const sealed = seal(backend, name, key, nonce, EMPTY, EMPTY);
          assert.equal(sealed.length, AEAD_TAG_LENGTH);
          assert.deepEqual(open(backend, name, key, nonce, EMPTY, sealed), EMPTY);
        });

        it('decrypt returns null under the wrong key', () => {
          const sealed = seal(backend, name, key, nonce, EMPTY, utf8('hello'));
          assert.equal(open(backend, name, new Uint8Array(KEY_LENGTH), nonce, EMPTY, sealed), null);
        });
      });
    }

    describe('mlKem768', () => {
      for (const c of vectors.mlKem768) {
        const seed = c.seed;
        if (seed !== undefined) {
          it(`derives the published public key and secret key from the seed: ${c.comment}`, () => {
            const pair = backend.mlKem768KeyPair(fromHex(seed));
            assert.equal(toHex(pair.publicKey), c.publicKey);
            assert.equal(toHex(pair.secretKey), c.secretKey);
          });
        }
        it(`decapsulates the published ciphertext with the published secret key to the published shared secret: ${c.comment}`, () => {
          const secretKey = fromHex(c.secretKey);
          assert.equal(secretKey.length, ML_KEM_768_SECRET_KEY_LENGTH);
          assert.equal(toHex(backend.mlKem768Decapsulate(fromHex(c.ciphertext), secretKey)), c.sharedSecret);
        });
        it(`returns the FIPS 203 implicit-rejection secret J(z || c) for a one-bit-corrupted ciphertext: ${c.comment}`, () => {
          const secretKey = fromHex(c.secretKey);
          const tampered = fromHex(c.ciphertext);
          tampered[0] = (tampered[0] ?? 0) ^ 1;
          const z = secretKey.subarray(ML_KEM_768_SECRET_KEY_LENGTH - 32);
          const expected = shake256(concatBytes(z, tampered), { dkLen: 32 });
          assert.equal(toHex(backend.mlKem768Decapsulate(tampered, secretKey)), toHex(expected));
        });
        it(`encapsulates with the published randomness to the published ciphertext and secret: ${c.comment}`, () => {
          const { ciphertext, sharedSecret } = backend.mlKem768Encapsulate(fromHex(c.publicKey), fromHex(c.randomness));
          assert.equal(toHex(ciphertext), c.ciphertext);
          assert.equal(toHex(sharedSecret), c.sharedSecret);
        });
      }

      it('round-trips a fresh key pair with sizes from FIPS 203', () => {
        const pair = backend.mlKem768KeyPair();
        assert.equal(pair.publicKey.length, ML_KEM_768_PUBLIC_KEY_LENGTH);
        assert.equal(pair.secretKey.length, ML_KEM_768_SECRET_KEY_LENGTH);
        const { ciphertext, sharedSecret } = backend.mlKem768Encapsulate(pair.publicKey);
        assert.equal(ciphertext.length, ML_KEM_768_CIPHERTEXT_LENGTH);
        assert.equal(sharedSecret.length, KEY_LENGTH);
        assert.equal(sharedSecret.byteLength, sharedSecret.buffer.byteLength, 'shared secret is not a view into a larger buffer');
        assert.deepEqual(backend.mlKem768Decapsulate(ciphertext, pair.secretKey), sharedSecret);
        assert.notDeepEqual(backend.mlKem768Encapsulate(pair.publicKey).sharedSecret, sharedSecret);
      });

      const pair = backend.mlKem768KeyPair();
      const { ciphertext } = backend.mlKem768Encapsulate(pair.publicKey);

      it('throws CryptoError BAD_KEY for a public key, ciphertext or secret key of the wrong length', () => {
        const bad = isCryptoError('BAD_KEY');
        assert.throws(() => backend.mlKem768Encapsulate(pair.publicKey.subarray(1)), bad);
        assert.throws(() => backend.mlKem768Encapsulate(concatBytes(pair.publicKey, new Uint8Array(1))), bad);
        assert.throws(() => backend.mlKem768Decapsulate(ciphertext.subarray(1), pair.secretKey), bad);
        assert.throws(() => backend.mlKem768Decapsulate(concatBytes(ciphertext, new Uint8Array(1)), pair.secretKey), bad);
        assert.throws(() => backend.mlKem768Decapsulate(ciphertext, pair.secretKey.subarray(1)), bad);
        assert.throws(() => backend.mlKem768Decapsulate(EMPTY, EMPTY), bad);
      });

      it('throws CryptoError BAD_KEY for a public key failing the FIPS 203 modulus check', () => {
        // First coefficient 4095, then q = 3329 itself; then the last coefficient of t set to q.
        const cases: [number, number, number][] = [
          [0, 0xff, 0x0f],
          [0, 0x01, 0x0d],
        ];
        for (const [offset, low, highNibble] of cases) {
          const publicKey = pair.publicKey.slice();
          publicKey[offset] = low;
          publicKey[offset + 1] = ((publicKey[offset + 1] ?? 0) & 0xf0) | highNibble;
          assert.throws(() => backend.mlKem768Encapsulate(publicKey), isCryptoError('BAD_KEY'));
        }
        const publicKey = pair.publicKey.slice();
        const last = ML_KEM_768_PUBLIC_KEY_LENGTH - 32 - 3;
        // Second coefficient of the last 3-byte group: (b1 >> 4) | (b2 << 4) = 3329 = 0xd01.
        publicKey[last + 1] = ((publicKey[last + 1] ?? 0) & 0x0f) | 0x10;
        publicKey[last + 2] = 0xd0;
        assert.throws(() => backend.mlKem768Encapsulate(publicKey), isCryptoError('BAD_KEY'));
      });

      it('throws CryptoError BAD_KEY for a secret key whose embedded H(ek) does not match', () => {
        const secretKey = pair.secretKey.slice();
        const hashOffset = ML_KEM_768_SECRET_KEY_LENGTH - 64;
        secretKey[hashOffset] = (secretKey[hashOffset] ?? 0) ^ 1;
        assert.throws(() => backend.mlKem768Decapsulate(ciphertext, secretKey), isCryptoError('BAD_KEY'));
      });

      it('throws RangeError for a seed or randomness of the wrong length', () => {
        assert.throws(() => backend.mlKem768KeyPair(new Uint8Array(32)), RangeError);
        assert.throws(() => backend.mlKem768Encapsulate(pair.publicKey, new Uint8Array(31)), RangeError);
      });
    });

    describe('argon2id', () => {
      for (const c of vectors.argon2id) {
        it(`returns the published output: ${c.comment}`, () => {
          const params = { iterations: c.iterations, memoryKiB: c.memoryKiB };
          const output = backend.argon2id(fromHex(c.password), fromHex(c.salt), params, c.output.length / 2);
          assert.equal(toHex(output), c.output);
        });
      }

      const salt = new Uint8Array(16).fill(7);
      const password = utf8('correct horse battery staple');

      it('depends on every input', () => {
        const base = toHex(backend.argon2id(password, salt, FAST_ARGON2, 32));
        const variants = [
          backend.argon2id(utf8('correct horse battery stapler'), salt, FAST_ARGON2, 32),
          backend.argon2id(password, new Uint8Array(16).fill(8), FAST_ARGON2, 32),
          backend.argon2id(password, salt, { ...FAST_ARGON2, iterations: 2 }, 32),
          backend.argon2id(password, salt, { ...FAST_ARGON2, memoryKiB: 72 }, 32),
        ].map(toHex);
        for (const v of variants) assert.notEqual(v, base);
        // The output length is an input to H0 (RFC 9106 §3.2), not a truncation.
        assert.notEqual(toHex(backend.argon2id(password, salt, FAST_ARGON2, 16)), base.slice(0, 32));
      });

      it('throws RangeError outside the common ground of the backends', () => {
        assert.throws(() => backend.argon2id(password, salt.subarray(1), FAST_ARGON2, 32), RangeError);
        assert.throws(() => backend.argon2id(password, new Uint8Array(17), FAST_ARGON2, 32), RangeError);
        assert.throws(() => backend.argon2id(password, salt, FAST_ARGON2, 15), RangeError);
        assert.throws(() => backend.argon2id(password, salt, FAST_ARGON2, 65), RangeError);
        assert.throws(() => backend.argon2id(password, salt, FAST_ARGON2, 32.5), RangeError);
        assert.throws(() => backend.argon2id(password, salt, { iterations: 0, memoryKiB: 64 }, 32), RangeError);
        assert.throws(() => backend.argon2id(password, salt, { iterations: 1.5, memoryKiB: 64 }, 32), RangeError);
        assert.throws(() => backend.argon2id(password, salt, { iterations: 1, memoryKiB: 7 }, 32), RangeError);
      });
    });

    describe('randomBytes', () => {
      it('returns exactly the requested number of bytes', () => {
        for (const length of [0, 1, 16, 32, 1000]) {
          const bytes = backend.randomBytes(length);
          assert.ok(bytes instanceof Uint8Array);
          assert.equal(bytes.length, length);
        }
      });

      it('returns distinct values on successive calls', () => {
        const seen = new Set<string>();
        for (let i = 0; i < 16; i++) seen.add(toHex(backend.randomBytes(32)));
        assert.equal(seen.size, 16);
      });
    });

    describe('wipe', () => {
      it('zeroes the whole buffer', () => {
        const secret = backend.randomBytes(64).fill(0xff);
        backend.wipe(secret);
        assert.deepEqual(secret, new Uint8Array(64));
      });
    });
  });
}

describe('noble and sodium interoperate', () => {
  for (const a of backends) {
    for (const b of backends) {
      if (a === b) continue;

      it(`an Ed25519 key pair generated by ${a.name} signs and verifies identically with ${b.name}`, () => {
        const pair = a.ed25519KeyPair();
        const message = utf8('cross-backend');
        const signature = a.ed25519Sign(pair.secretKey, message);
        assert.equal(b.ed25519Verify(pair.publicKey, message, signature), true);
        assert.deepEqual(b.ed25519Sign(pair.secretKey, message), signature);
        assert.deepEqual(b.ed25519KeyPairFromSeed(pair.secretKey.subarray(0, 32)), pair);
      });

      it(`an X25519 key pair generated by ${a.name} agrees with one generated by ${b.name}`, () => {
        const alice = a.x25519KeyPair();
        const bob = b.x25519KeyPair();
        assert.deepEqual(b.x25519PublicKey(alice.secretKey), alice.publicKey);
        assert.deepEqual(a.x25519(alice.secretKey, bob.publicKey), b.x25519(bob.secretKey, alice.publicKey));
      });

      it(`an ML-KEM-768 ciphertext from ${a.name} decapsulates with ${b.name}`, () => {
        const pair = b.mlKem768KeyPair();
        const { ciphertext, sharedSecret } = a.mlKem768Encapsulate(pair.publicKey);
        assert.deepEqual(b.mlKem768Decapsulate(ciphertext, pair.secretKey), sharedSecret);
      });

      for (const { name, nonceLength } of AEADS) {
        it(`${name} ciphertext from ${a.name} decrypts with ${b.name}`, () => {
          const key = a.randomBytes(KEY_LENGTH);
          const nonce = a.randomBytes(nonceLength);
          const ad = utf8('header');
          const sealed = seal(a, name, key, nonce, ad, utf8('payload'));
          assert.deepEqual(open(b, name, key, nonce, ad, sealed), utf8('payload'));
        });
      }
    }
  }
});

describe('noble and sodium agree on arbitrary inputs', () => {
  const [noble, sodium] = [nobleCrypto, sodiumCrypto];
  const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
  const message = fc.uint8Array({ maxLength: 300 });

  it('produce the same SHA-256 and SHA-512 digests', () => {
    fc.assert(
      fc.property(message, (data) => {
        assert.deepEqual(noble.sha256(data), sodium.sha256(data));
        assert.deepEqual(noble.sha512(data), sodium.sha512(data));
      }),
    );
  });

  it('produce the same X25519 output, or both throw the same CryptoError', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), (scalar, u) => {
        assert.equal(outcome(() => noble.x25519(scalar, u)), outcome(() => sodium.x25519(scalar, u)));
      }),
    );
  });

  it('produce the same Ed25519 key pairs and signatures, each verifying under the other', () => {
    fc.assert(
      fc.property(bytes(32), message, (seed, data) => {
        const pair = noble.ed25519KeyPairFromSeed(seed);
        assert.deepEqual(sodium.ed25519KeyPairFromSeed(seed), pair);
        const signature = noble.ed25519Sign(pair.secretKey, data);
        assert.deepEqual(sodium.ed25519Sign(pair.secretKey, data), signature);
        assert.equal(sodium.ed25519Verify(pair.publicKey, data, signature), true);
        assert.equal(noble.ed25519Verify(pair.publicKey, data, signature), true);
      }),
      { numRuns: 50 },
    );
  });

  it('give the same verdict on arbitrary Ed25519 public keys and signatures', () => {
    fc.assert(
      fc.property(bytes(32), message, bytes(64), (publicKey, data, signature) => {
        assert.equal(noble.ed25519Verify(publicKey, data, signature), sodium.ed25519Verify(publicKey, data, signature));
      }),
    );
  });

  it('refuse every signature whose R has a small-order part, though it satisfies the cofactored equation (EMP §3)', () => {
    // The 8 points of order 1, 2, 4 and 8, the identity first.
    const smallOrder = [
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0000000000000000000000000000000000000000000000000000000000000080',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    ].map((encoding) => ed25519.Point.fromBytes(fromHex(encoding)));
    const { Point } = ed25519;
    fc.assert(
      fc.property(bytes(32), message, fc.bigInt({ min: 0n, max: Point.Fn.ORDER - 1n }), fc.nat(7), (seed, data, r, t) => {
        // R = [r]B + T and S = r + k * a: [8][S]B = [8]R + [8][k]A holds, [S]B = R + [k]A only if T is the identity.
        const { scalar, pointBytes: publicKey } = ed25519.utils.getExtendedPublicKey(seed);
        const encodedR = (r === 0n ? Point.ZERO : Point.BASE.multiply(r)).add(smallOrder[t]!).toBytes();
        const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(encodedR, publicKey, data))));
        const signature = concatBytes(encodedR, numberToBytesLE(Point.Fn.create(r + k * scalar), 32));
        const genuine = t === 0 && r !== 0n;
        assert.equal(noble.ed25519Verify(publicKey, data, signature), genuine, 'noble');
        assert.equal(sodium.ed25519Verify(publicKey, data, signature), genuine, 'sodium');
      }),
      { numRuns: 50 },
    );
  });

  it('produce the same ML-KEM-768 keys, ciphertexts and secrets, including for corrupted ciphertexts', () => {
    fc.assert(
      fc.property(bytes(64), bytes(32), fc.nat(ML_KEM_768_CIPHERTEXT_LENGTH * 8 - 1), (seed, randomness, bit) => {
        const pair = noble.mlKem768KeyPair(seed);
        assert.deepEqual(sodium.mlKem768KeyPair(seed), pair);
        const sealed = noble.mlKem768Encapsulate(pair.publicKey, randomness);
        assert.deepEqual(sodium.mlKem768Encapsulate(pair.publicKey, randomness), sealed);
        const tampered = sealed.ciphertext.slice();
        tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        const rejected = noble.mlKem768Decapsulate(tampered, pair.secretKey);
        assert.deepEqual(sodium.mlKem768Decapsulate(tampered, pair.secretKey), rejected);
        assert.notDeepEqual(rejected, sealed.sharedSecret);
      }),
      { numRuns: 20 },
    );
  });

  it('produce the same Argon2id output for arbitrary passwords, salts, cheap costs and lengths', () => {
    fc.assert(
      fc.property(
        message,
        bytes(16),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 8, max: 128 }),
        fc.integer({ min: 16, max: 64 }),
        (password, salt, iterations, memoryKiB, length) => {
          const params = { iterations, memoryKiB };
          const output = noble.argon2id(password, salt, params, length);
          assert.equal(output.length, length);
          assert.deepEqual(sodium.argon2id(password, salt, params, length), output);
        },
      ),
      { numRuns: 30 },
    );
  });

  for (const { name, nonceLength } of AEADS) {
    it(`produce the same ${name} ciphertexts, which decrypt back to the plaintext`, () => {
      fc.assert(
        fc.property(bytes(KEY_LENGTH), bytes(nonceLength), message, message, (key, nonce, ad, plaintext) => {
          const sealed = seal(noble, name, key, nonce, ad, plaintext);
          assert.deepEqual(seal(sodium, name, key, nonce, ad, plaintext), sealed);
          assert.deepEqual(open(noble, name, key, nonce, ad, sealed), plaintext);
          assert.deepEqual(open(sodium, name, key, nonce, ad, sealed), plaintext);
        }),
      );
    });
  }
});
