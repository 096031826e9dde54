import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromHex, toHex } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { SessionError } from '../errors.js';
import { relayFingerprint } from './address.js';
import { decodeBlock, encodeBlock, packBlocks } from './block.js';
import { decodeCommand, decodeTransmission, encodeCommand, encodeSigned, encodeTransmission, signatureInput } from './commands.js';
import { NxResponder } from '../noise.js';
import { encodeClientHello, encodeServerHello, HANDSHAKE_PROLOGUE } from './handshake.js';
import { BLOCK_PLAINTEXT_SIZE, BLOCK_SIZE } from './limits.js';
import { acceptClientHandshake, EmpSession, startClientHandshake, SUPPORTED_VERSIONS } from './session.js';

const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];

function isSessionError(code: SessionError['code']) {
  return (error: unknown): boolean => {
    if (!(error instanceof SessionError)) return false;
    assert.equal(error.code, code, error.message);
    return true;
  };
}

interface Relay {
  readonly staticKey: KeyPair;
  readonly fingerprint: Uint8Array;
}

function newRelay(crypto: Crypto): Relay {
  const staticKey = crypto.x25519KeyPair();
  return { staticKey, fingerprint: relayFingerprint(crypto, staticKey.publicKey) };
}

/** Runs the whole handshake; `client` and `relay` may be different backends. */
function connect(client: Crypto, relayCrypto: Crypto = client, relay: Relay = newRelay(relayCrypto)): { client: EmpSession; relay: EmpSession } {
  const handshake = startClientHandshake(client);
  const accepted = acceptClientHandshake(relayCrypto, relay.staticKey, handshake.message1);
  assert.ok(accepted.session, 'relay session');
  return { client: handshake.complete(accepted.message2, relay.fingerprint), relay: accepted.session };
}

function block(fill: number): Uint8Array {
  return encodeBlock([new Uint8Array(100).fill(fill)]);
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

/** Low-order X25519 points (libsodium's blacklist): 0, 1, the two points of order 8, p-1, p, p+1. */
const LOW_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

for (const crypto of backends) {
  describe(`EMP session [${crypto.name}]`, () => {
    test('with the right fingerprint both sides get the same session id and version, and seal/open work both ways', () => {
      const { client, relay } = connect(crypto);
      assert.equal(client.id.length, 32);
      assert.equal(toHex(client.id), toHex(relay.id));
      assert.equal(client.version, SUPPORTED_VERSIONS.max);
      assert.equal(relay.version, client.version);
      for (let i = 0; i < 3; i++) {
        const up = client.seal(block(i));
        assert.equal(up.length, BLOCK_SIZE);
        assert.deepEqual(relay.open(up), block(i));
        const down = relay.seal(block(0x80 + i));
        assert.equal(down.length, BLOCK_SIZE);
        assert.deepEqual(client.open(down), block(0x80 + i));
      }
    });

    test('every frame differs, even for the same block', () => {
      const { client } = connect(crypto);
      const b = block(1);
      assert.notEqual(toHex(client.seal(b)), toHex(client.seal(b)));
    });

    test('each handshake gives a new session id', () => {
      const relay = newRelay(crypto);
      assert.notEqual(toHex(connect(crypto, crypto, relay).client.id), toHex(connect(crypto, crypto, relay).client.id));
    });

    test('a wrong fingerprint gives SessionError IDENTITY', () => {
      const relay = newRelay(crypto);
      const handshake = startClientHandshake(crypto);
      const { message2 } = acceptClientHandshake(crypto, relay.staticKey, handshake.message1);
      assert.throws(() => handshake.complete(message2, flip(relay.fingerprint, 31)), isSessionError('IDENTITY'));
    });

    test('the fingerprint of another relay gives SessionError IDENTITY', () => {
      const relay = newRelay(crypto);
      const other = newRelay(crypto);
      const handshake = startClientHandshake(crypto);
      const { message2 } = acceptClientHandshake(crypto, other.staticKey, handshake.message1);
      assert.throws(() => handshake.complete(message2, relay.fingerprint), isSessionError('IDENTITY'));
    });

    test('disjoint version ranges: no relay session, and SessionError VERSION on the client', () => {
      for (const [clientRange, relayRange] of [
        [{ min: 2, max: 3 }, { min: 1, max: 1 }],
        [{ min: 1, max: 1 }, { min: 2, max: 5 }],
      ] as const) {
        const relay = newRelay(crypto);
        const handshake = startClientHandshake(crypto, clientRange);
        const accepted = acceptClientHandshake(crypto, relay.staticKey, handshake.message1, relayRange);
        assert.equal(accepted.session, null);
        assert.throws(() => handshake.complete(accepted.message2, relay.fingerprint), isSessionError('VERSION'));
      }
    });

    test('overlapping version ranges agree on the highest common version', () => {
      const relay = newRelay(crypto);
      const handshake = startClientHandshake(crypto, { min: 1, max: 3 });
      const accepted = acceptClientHandshake(crypto, relay.staticKey, handshake.message1, { min: 2, max: 5 });
      assert.equal(accepted.session?.version, 3);
      assert.equal(handshake.complete(accepted.message2, relay.fingerprint).version, 3);
    });

    test('open() of a tampered frame throws SessionError FRAME, and the genuine frame still opens', () => {
      const { client, relay } = connect(crypto);
      const frame = client.seal(block(1));
      for (const index of [0, 1000, BLOCK_SIZE - 17, BLOCK_SIZE - 1]) {
        assert.throws(() => relay.open(flip(frame, index)), isSessionError('FRAME'));
      }
      assert.deepEqual(relay.open(frame), block(1));
    });

    test('open() of a frame of the wrong size throws SessionError FRAME', () => {
      const { client, relay } = connect(crypto);
      const frame = client.seal(block(1));
      for (const bad of [new Uint8Array(0), frame.subarray(0, BLOCK_SIZE - 1), concatBytes(frame, new Uint8Array(1)), new Uint8Array(BLOCK_PLAINTEXT_SIZE)]) {
        assert.throws(() => relay.open(bad), isSessionError('FRAME'));
      }
      assert.deepEqual(relay.open(frame), block(1));
    });

    test('a replayed frame fails the second time', () => {
      const { client, relay } = connect(crypto);
      const frame = client.seal(block(1));
      assert.deepEqual(relay.open(frame), block(1));
      assert.throws(() => relay.open(frame), isSessionError('FRAME'));
    });

    test('reordered, reflected and foreign frames throw SessionError FRAME', () => {
      const { client, relay } = connect(crypto);
      const first = client.seal(block(1));
      const second = client.seal(block(2));
      assert.throws(() => relay.open(second), isSessionError('FRAME'));
      // A frame sent back to its sender (the two directions use different keys).
      assert.throws(() => client.open(first), isSessionError('FRAME'));
      // A frame of another session.
      const other = connect(crypto);
      assert.throws(() => other.relay.open(first), isSessionError('FRAME'));
      assert.deepEqual(relay.open(first), block(1));
      assert.deepEqual(relay.open(second), block(2));
    });

    test('seal() refuses a block of the wrong size with RangeError', () => {
      const { client } = connect(crypto);
      assert.throws(() => client.seal(new Uint8Array(BLOCK_PLAINTEXT_SIZE - 1)), RangeError);
      assert.throws(() => client.seal(new Uint8Array(BLOCK_SIZE)), RangeError);
    });

    test('a low-order client ephemeral key in message 1 gives SessionError HANDSHAKE', () => {
      const relay = newRelay(crypto);
      for (const point of LOW_ORDER_POINTS) {
        const message1 = concatBytes(point, encodeClientHello(SUPPORTED_VERSIONS));
        assert.throws(() => acceptClientHandshake(crypto, relay.staticKey, message1), isSessionError('HANDSHAKE'), toHex(point));
      }
    });

    test('a low-order relay ephemeral key in message 2 gives SessionError HANDSHAKE', () => {
      const relay = newRelay(crypto);
      for (const point of LOW_ORDER_POINTS) {
        const handshake = startClientHandshake(crypto);
        const { message2 } = acceptClientHandshake(crypto, relay.staticKey, handshake.message1);
        const forged = concatBytes(point, message2.subarray(32));
        assert.throws(() => handshake.complete(forged, relay.fingerprint), isSessionError('HANDSHAKE'), toHex(point));
      }
    });

    test('malformed handshake messages give SessionError HANDSHAKE', () => {
      const relay = newRelay(crypto);
      const valid = startClientHandshake(crypto).message1;
      for (const message1 of [new Uint8Array(0), valid.subarray(0, 31), valid.subarray(0, valid.length - 1), concatBytes(valid, new Uint8Array(1))]) {
        assert.throws(() => acceptClientHandshake(crypto, relay.staticKey, message1), isSessionError('HANDSHAKE'));
      }
      // A client hello with an invalid range (min 0).
      const zero = startClientHandshake(crypto, { min: 0, max: 1 });
      assert.throws(() => acceptClientHandshake(crypto, relay.staticKey, zero.message1), isSessionError('HANDSHAKE'));

      for (const damage of [(m: Uint8Array) => m.subarray(0, 40), (m: Uint8Array) => flip(m, 40), (m: Uint8Array) => flip(m, m.length - 1)]) {
        const handshake = startClientHandshake(crypto);
        const { message2 } = acceptClientHandshake(crypto, relay.staticKey, handshake.message1);
        assert.throws(() => handshake.complete(damage(message2), relay.fingerprint), isSessionError('HANDSHAKE'));
      }
    });

    test('a message 2 of any length but 102 bytes gives SessionError HANDSHAKE before any DH, even when authentic', () => {
      const relay = newRelay(crypto);
      let dhCalls = 0;
      const counting: Crypto = { ...crypto, x25519: (secretKey, publicKey) => (dhCalls++, crypto.x25519(secretKey, publicKey)) };
      const handshake = startClientHandshake(counting);
      const { message2 } = acceptClientHandshake(crypto, relay.staticKey, handshake.message1);
      assert.equal(message2.length, 102);
      for (const bad of [message2.subarray(0, 101), concatBytes(message2, new Uint8Array(1)), new Uint8Array(96), new Uint8Array(200)]) {
        assert.throws(() => handshake.complete(bad, relay.fingerprint), isSessionError('HANDSHAKE'), `length ${bad.length}`);
      }
      assert.equal(dhCalls, 0);

      // A relay holding the key that sends a longer (authentic) hello is refused the same way.
      const longer = startClientHandshake(counting);
      const responder = new NxResponder(crypto, HANDSHAKE_PROLOGUE, relay.staticKey);
      responder.readMessage1(longer.message1);
      const { message } = responder.writeMessage2(concatBytes(encodeServerHello({ ...SUPPORTED_VERSIONS, version: 1 }), new Uint8Array(1)));
      assert.equal(message.length, 103);
      assert.throws(() => longer.complete(message, relay.fingerprint), isSessionError('HANDSHAKE'));
      assert.equal(dhCalls, 0);
    });

    test('a tampered client hello makes the handshake fail (the hello is covered by the handshake hash)', () => {
      const relay = newRelay(crypto);
      const handshake = startClientHandshake(crypto, { min: 1, max: 1 });
      // Change the client's range from 1-1 to 1-2: the relay accepts, but the hashes then differ.
      const tampered = handshake.message1.slice();
      tampered[tampered.length - 1] = 2;
      const accepted = acceptClientHandshake(crypto, relay.staticKey, tampered, { min: 1, max: 2 });
      assert.throws(() => handshake.complete(accepted.message2, relay.fingerprint), isSessionError('HANDSHAKE'));
    });

    test('arbitrary message 1 bytes give a session or SessionError HANDSHAKE, nothing else', () => {
      const relay = newRelay(crypto);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 80 }), (message1) => {
          try {
            acceptClientHandshake(crypto, relay.staticKey, message1);
          } catch (error) {
            if (!(error instanceof SessionError && error.code === 'HANDSHAKE')) throw error;
          }
        }),
        { numRuns: 200 },
      );
    });
  });
}

describe('EMP session across backends', () => {
  for (const [client, relay] of [
    [nobleCrypto, sodiumCrypto],
    [sodiumCrypto, nobleCrypto],
  ] as const) {
    test(`client ${client.name}, relay ${relay.name}`, () => {
      const sessions = connect(client, relay);
      assert.equal(toHex(sessions.client.id), toHex(sessions.relay.id));
      assert.deepEqual(sessions.relay.open(sessions.client.seal(block(5))), block(5));
      assert.deepEqual(sessions.client.open(sessions.relay.seal(block(6))), block(6));
    });
  }
});

describe('EMP session carrying signed commands', () => {
  test('signed transmissions travel in blocks and verify only under their own session id', () => {
    const crypto = nobleCrypto;
    const { client, relay } = connect(crypto);
    const other = connect(crypto);
    const signer = crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(0x11));
    const commands = [encodeCommand({ type: 'PING' }), encodeCommand({ type: 'SEND', body: new Uint8Array(5000).fill(1) })];
    const transmissions = commands.map((message, i) => {
      const signed = encodeSigned(new Uint8Array([i]), new Uint8Array(24).fill(2), message);
      return encodeTransmission(crypto.ed25519Sign(signer.secretKey, signatureInput(client.id, signed)), signed);
    });
    const frames = packBlocks(transmissions).map((b) => client.seal(b));
    const received = frames.flatMap((frame) => decodeBlock(relay.open(frame))).map(decodeTransmission);
    assert.equal(received.length, 2);
    for (const [i, t] of received.entries()) {
      assert.deepEqual(decodeCommand(t.message), decodeCommand(commands[i]!));
      assert.equal(crypto.ed25519Verify(signer.publicKey, signatureInput(relay.id, t.signed), t.signature), true);
      assert.equal(crypto.ed25519Verify(signer.publicKey, signatureInput(other.relay.id, t.signed), t.signature), false);
    }
  });
});
