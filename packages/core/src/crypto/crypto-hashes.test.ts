// Each backend against the published vectors for SHA-256, SHA-512,
// HMAC-SHA256, HKDF-SHA256 and Argon2id, and Argon2id's dependence on every
// input and its parameter limits; first, that the vector file has cases for
// every primitive, each naming its source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex, utf8 } from '../bytes.js';
import { backends, vectors } from '../test-support/crypto.js';
import type { Argon2idParams } from './crypto.js';

/** Cheap Argon2id parameters: the pure-JavaScript backend is slow, and these tests are about agreement, not cost. */
const FAST_ARGON2: Argon2idParams = { iterations: 1, memoryKiB: 64 };

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
  });
}
