// Each backend's X25519 (RFC 7748) and Ed25519 (RFC 8032): the published
// vectors, low-order points, key pairs from seeds and at random, and
// verification that returns false rather than throwing for bad lengths.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.js';
import { backends, EMPTY, isCryptoError, vectors } from '../test-support/crypto.js';
import { ED25519_SIGNATURE_LENGTH, KEY_LENGTH } from './crypto.js';

const BASE_POINT = '09' + '00'.repeat(31);

function first<T>(items: readonly T[], what: string): T {
  const item = items[0];
  assert.ok(item, `no ${what} vectors`);
  return item;
}

for (const backend of backends) {
  describe(backend.name, () => {
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
  });
}
