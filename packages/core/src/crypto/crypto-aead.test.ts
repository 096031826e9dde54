// Each backend's ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305: the
// published vectors, and decryption that returns null rather than throwing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.js';
import { AEADS, backends, EMPTY, open, seal, vectors } from '../test-support/crypto.js';
import { AEAD_TAG_LENGTH, KEY_LENGTH } from './crypto.js';

for (const backend of backends) {
  describe(backend.name, () => {
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
  });
}
