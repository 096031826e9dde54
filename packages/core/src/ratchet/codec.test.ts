import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../bytes.js';
import { nobleCrypto } from '../crypto/noble.js';
import { DecodeError } from '../errors.js';
import { concatAd, concatAdTransient, decodeHeader, encodeHeader } from './header.js';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet.js';
import { decodeRatchetState, encodeRatchetState } from './state-codec.js';
import { initReceiver, initSender } from './state.js';

const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

describe('ratchet header', () => {
  test('encodeHeader() writes dh || pn:u32 || n:u32, big-endian', () => {
    const dh = new Uint8Array(32).fill(0xab);
    assert.equal(toHex(encodeHeader({ dh, pn: 0x01020304, n: 0xfffffffe })), 'ab'.repeat(32) + '01020304' + 'fffffffe');
  });

  test('decodeHeader() inverts encodeHeader()', () => {
    fc.assert(fc.property(key, u32, u32, (dh, pn, n) => assert.deepEqual(decodeHeader(encodeHeader({ dh, pn, n })), { dh, pn, n })));
  });

  test('decodeHeader() rejects any other length with DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }).filter((b) => b.length !== 40), (bytes) => {
        assert.throws(() => decodeHeader(bytes), isDecodeError);
      }),
    );
  });

  test('concatAd() prefixes the associated data with its u32 length', () => {
    assert.equal(toHex(concatAd(fromHex('aabb'), fromHex('cc'))), '00000002aabbcc');
  });

  test('concatAdTransient() gives the bytes of concatAd() for associated data of any size', () => {
    const header = encodeHeader({ dh: new Uint8Array(32).fill(7), pn: 1, n: 2 });
    for (const length of [0, 1, 64, 980, 981, 2000]) {
      const ad = new Uint8Array(length).fill(length & 0xff);
      assert.deepEqual(concatAdTransient(ad, header), concatAd(ad, header), `${length}-byte AD`);
    }
  });
});

describe('ratchet state encoding', () => {
  test('round-trips states at every stage of a session', () => {
    const crypto = nobleCrypto;
    const bobKeys = crypto.x25519KeyPair();
    const sk = crypto.randomBytes(32);
    let alice = initSender(crypto, sk, bobKeys.publicKey);
    let bob = initReceiver(crypto, sk, bobKeys);
    const check = (): void => {
      for (const state of [alice, bob]) {
        const encoded = encodeRatchetState(state);
        const decoded = decodeRatchetState(encoded);
        assert.deepEqual(decoded, state);
        assert.deepEqual(encodeRatchetState(decoded), encoded);
      }
    };
    check();
    const m0 = ratchetEncrypt(crypto, alice, new Uint8Array(1), new Uint8Array(0));
    const m1 = ratchetEncrypt(crypto, m0.state, new Uint8Array(1), new Uint8Array(0));
    alice = m1.state;
    bob = ratchetDecrypt(crypto, bob, m1.header, m1.ciphertext, new Uint8Array(0)).state;
    check();
    const reply = ratchetEncrypt(crypto, bob, new Uint8Array(1), new Uint8Array(0));
    bob = reply.state;
    alice = ratchetDecrypt(crypto, alice, reply.header, reply.ciphertext, new Uint8Array(0)).state;
    check();
  });

  test('arbitrary bytes either decode or fail with DecodeError', () => {
    const valid = encodeRatchetState(initSender(nobleCrypto, new Uint8Array(32), nobleCrypto.x25519KeyPair().publicKey));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), fc.nat(255), (noise, at, value) => {
        for (const bytes of [noise, Uint8Array.of(1, ...noise), valid.slice(0, at % valid.length), mutate(valid, at, value)]) {
          try {
            decodeRatchetState(bytes);
          } catch (error) {
            assert.ok(isDecodeError(error), String(error));
          }
        }
      }),
    );
  });

  test('decodeRatchetState() rejects an unknown version', () => {
    const valid = encodeRatchetState(initSender(nobleCrypto, new Uint8Array(32), nobleCrypto.x25519KeyPair().publicKey));
    assert.throws(() => decodeRatchetState(mutate(valid, 0, 2)), isDecodeError);
  });
});

function mutate(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at % copy.length] = value;
  return copy;
}
