// Sealing forwarded transmissions (EMP §7.8): what opens, and what does not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { equalBytes, utf8 } from '../bytes.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { openForward, openForwardResponse, padTo, sealForward, sealForwardResponse, unpad } from './forward-seal.js';
import { FORWARD_REQUEST_SIZE, FORWARD_RESPONSE_SIZE } from './limits.js';

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  describe(`forward seal [${crypto.name}]`, () => {
    const relay = crypto.x25519KeyPair();
    const sessionId = crypto.randomBytes(32);
    const transmission = utf8('a transmission');

    test('opens for the destination, in the session it was sealed for, and the answer opens for the client', () => {
      const seal = sealForward(crypto, sessionId, relay.publicKey, transmission);
      assert.equal(seal.sealed.length, FORWARD_REQUEST_SIZE + 16);
      const opened = openForward(crypto, relay, sessionId, seal.ephemeralKey, seal.sealed);
      assert.ok(opened !== null && equalBytes(opened.transmission, transmission));
      const answer = sealForwardResponse(crypto, opened.responseKey, utf8('OK'));
      assert.equal(answer.length, FORWARD_RESPONSE_SIZE + 16);
      assert.deepEqual(openForwardResponse(crypto, seal.responseKey, answer), utf8('OK'));
    });

    test('does not open in another session, under another key, or tampered', () => {
      const seal = sealForward(crypto, sessionId, relay.publicKey, transmission);
      assert.equal(openForward(crypto, relay, crypto.randomBytes(32), seal.ephemeralKey, seal.sealed), null);
      assert.equal(openForward(crypto, crypto.x25519KeyPair(), sessionId, seal.ephemeralKey, seal.sealed), null);
      const tampered = seal.sealed.slice();
      tampered[100] = tampered[100]! ^ 1;
      assert.equal(openForward(crypto, relay, sessionId, seal.ephemeralKey, tampered), null);
      assert.equal(openForward(crypto, relay, sessionId, crypto.x25519KeyPair().publicKey, seal.sealed), null);
      assert.equal(openForward(crypto, relay, sessionId, new Uint8Array(32), seal.sealed), null, 'a low-order ephemeral key');
      assert.equal(openForward(crypto, relay, sessionId, seal.ephemeralKey, seal.sealed.subarray(1)), null);
      assert.equal(openForwardResponse(crypto, seal.responseKey, new Uint8Array(FORWARD_RESPONSE_SIZE + 16)), null);
    });
  });
}

describe('forward padding', () => {
  test('round-trips, refuses what does not fit, a wrong size and non-zero padding', () => {
    const padded = padTo(utf8('abc'), 64);
    assert.deepEqual(unpad(padded, 64), utf8('abc'));
    assert.throws(() => padTo(new Uint8Array(63), 64), RangeError);
    assert.throws(() => unpad(padded.subarray(1), 64));
    const dirty = padded.slice();
    dirty[63] = 1;
    assert.throws(() => unpad(dirty, 64));
    const long = padded.slice();
    long[1] = 200;
    assert.throws(() => unpad(long, 64));
  });
});
