// Each backend's randomBytes (lengths, distinct values) and wipe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../bytes.js';
import { backends } from '../test-support/crypto.js';

for (const backend of backends) {
  describe(backend.name, () => {
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
