// The sodium backend's own HMAC-SHA256 and HKDF-SHA256, and its reused
// off-heap buffers: checked against noble across the sizes where those
// buffers change strategy (keys over a block, inputs over the scratch limit).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nobleCrypto } from './noble.js';
import { sodiumCrypto } from './sodium.js';

const noble = nobleCrypto;
const sodium = sodiumCrypto;
// size 'max': lengths spread over the whole range, not only the first few bytes.
const sized = (maxLength: number) => fc.uint8Array({ maxLength, size: 'max' });

describe('sodium HMAC-SHA256 and HKDF-SHA256', () => {
  it('agree with noble for keys up to and over a block and data past the scratch buffers', () => {
    fc.assert(
      fc.property(sized(200), sized(2100), (key, data) => {
        assert.deepEqual(sodium.hmacSha256(key, data), noble.hmacSha256(key, data));
      }),
    );
  });

  it('agree with noble for any IKM, salt, info and output length', () => {
    fc.assert(
      fc.property(sized(1100), sized(100), sized(1100), fc.integer({ min: 0, max: 300 }), (ikm, salt, info, length) => {
        assert.deepEqual(sodium.hkdfSha256(ikm, salt, info, length), noble.hkdfSha256(ikm, salt, info, length));
      }),
      { numRuns: 50 },
    );
  });

  it('derive up to 255 blocks and refuse more, or a length that is not a whole number', () => {
    const ikm = Uint8Array.of(1, 2, 3);
    const info = Uint8Array.of(4);
    assert.deepEqual(sodium.hkdfSha256(ikm, ikm, info, 255 * 32), noble.hkdfSha256(ikm, ikm, info, 255 * 32));
    for (const length of [255 * 32 + 1, -1, 1.5, Number.NaN]) {
      assert.throws(() => sodium.hkdfSha256(ikm, ikm, info, length), RangeError, String(length));
    }
  });

  it('accept the same array as key and data, and return arrays of their own', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const mac = sodium.hmacSha256(key, key);
    assert.deepEqual(mac, noble.hmacSha256(key, key));
    const again = sodium.hmacSha256(key, key);
    assert.notEqual(again.buffer, mac.buffer);
    mac.fill(0);
    assert.deepEqual(again, noble.hmacSha256(key, key));
  });
});

describe('sodium results made in reused buffers', () => {
  it('are independent copies, equal to noble', () => {
    const first = sodium.sha256(Uint8Array.of(1));
    const second = sodium.sha256(Uint8Array.of(2));
    assert.notEqual(first.buffer, second.buffer);
    assert.deepEqual(first, noble.sha256(Uint8Array.of(1)));
    assert.deepEqual(second, noble.sha256(Uint8Array.of(2)));

    const pair = sodium.x25519KeyPair();
    assert.deepEqual(sodium.x25519PublicKey(pair.secretKey), pair.publicKey);
    assert.notEqual(pair.publicKey.buffer, pair.secretKey.buffer);

    const signing = sodium.ed25519KeyPair();
    const signature = sodium.ed25519Sign(signing.secretKey, first);
    assert.deepEqual(signature, noble.ed25519Sign(signing.secretKey, first));
    assert.equal(sodium.ed25519Verify(signing.publicKey, first, signature), true);
    assert.equal(sodium.ed25519Verify(signing.publicKey, second, signature), false);
  });

  it('round-trip AEAD with short and long keys, nonces, associated data and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 24, maxLength: 24 }), sized(100), sized(100), (key, nonce, ad, plaintext) => {
        const ciphertext = sodium.xchacha20Poly1305Encrypt(key, nonce, ad, plaintext);
        assert.deepEqual(ciphertext, noble.xchacha20Poly1305Encrypt(key, nonce, ad, plaintext));
        assert.deepEqual(sodium.xchacha20Poly1305Decrypt(key, nonce, ad, ciphertext), plaintext);
      }),
      { numRuns: 50 },
    );
  });

  it('still refuse a key of the wrong length', () => {
    assert.throws(() => sodium.xchacha20Poly1305Encrypt(new Uint8Array(31), new Uint8Array(24), new Uint8Array(0), new Uint8Array(1)));
    assert.equal(sodium.xchacha20Poly1305Decrypt(new Uint8Array(31), new Uint8Array(24), new Uint8Array(0), new Uint8Array(17)), null);
  });
});
