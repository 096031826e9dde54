// Each backend's ML-KEM-768 (FIPS 203): the published vectors, implicit
// rejection of corrupted ciphertexts, the sizes, and CryptoError BAD_KEY for
// keys and ciphertexts of the wrong length or failing the FIPS 203 checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shake256 } from '@noble/hashes/sha3.js';
import { concatBytes, fromHex, toHex } from '../bytes.js';
import { backends, EMPTY, isCryptoError, vectors } from '../test-support/crypto.js';
import { KEY_LENGTH, ML_KEM_768_CIPHERTEXT_LENGTH, ML_KEM_768_PUBLIC_KEY_LENGTH, ML_KEM_768_SECRET_KEY_LENGTH } from './crypto.js';

for (const backend of backends) {
  describe(backend.name, () => {
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
  });
}
