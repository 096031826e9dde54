import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { concatBytes, fromHex, toHex } from './bytes.js';
import type { Crypto, KeyPair } from './crypto/crypto.js';
import { nobleCrypto } from './crypto/noble.js';
import { sodiumCrypto } from './crypto/sodium.js';
import { CryptoError, DecodeError } from './errors.js';
import { NOISE_PROTOCOL_NAME, NxInitiator, NxResponder, type NoiseSession } from './noise.js';
import { loadVectors } from './test-support/vectors.js';

/** One cacophony-format vector (docs/protocol/vectors/noise.json); keys are X25519 secret keys in hex. */
interface NoiseVector {
  readonly comment: string;
  readonly protocol_name: string;
  readonly init_prologue: string;
  readonly init_ephemeral: string;
  readonly resp_prologue: string;
  readonly resp_static: string;
  readonly resp_ephemeral: string;
  readonly handshake_hash?: string;
  readonly messages: readonly { readonly payload: string; readonly ciphertext: string }[];
}

const { vectors } = loadVectors<{ comment: string; vectors: NoiseVector[] }>('noise.json');
const EMPTY = new Uint8Array(0);
const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];

/** A fresh key pair each time: the handshake wipes ephemeral secret keys once it is done. */
function keyPair(crypto: Crypto, secretHex: string): KeyPair {
  const secretKey = fromHex(secretHex);
  return { publicKey: crypto.x25519PublicKey(secretKey), secretKey };
}

function isCryptoError(code: CryptoError['code']) {
  return (error: unknown): boolean => error instanceof CryptoError && error.code === code;
}

function isDecodeError(code: DecodeError['code']) {
  return (error: unknown): boolean => error instanceof DecodeError && error.code === code;
}

function flipByte(message: Uint8Array, index: number): Uint8Array {
  const copy = message.slice();
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

function messageBytes(vector: NoiseVector, index: number): { payload: Uint8Array; ciphertext: string } {
  const message = vector.messages[index];
  assert.ok(message, `vector has no message ${index}`);
  return { payload: fromHex(message.payload), ciphertext: message.ciphertext };
}

/** The parties of the first vector, for the behaviour tests. */
function vectorParties(crypto: Crypto): { initiator: NxInitiator; responder: NxResponder } {
  const vector = vectors[0]!;
  return {
    initiator: new NxInitiator(crypto, fromHex(vector.init_prologue), keyPair(crypto, vector.init_ephemeral)),
    responder: new NxResponder(
      crypto,
      fromHex(vector.resp_prologue),
      keyPair(crypto, vector.resp_static),
      keyPair(crypto, vector.resp_ephemeral),
    ),
  };
}

/** A complete handshake with fresh ephemerals on both sides. */
function handshake(
  crypto: Crypto,
  staticKey: KeyPair,
  prologue = EMPTY,
): { initiator: NoiseSession; responder: NoiseSession; message2: Uint8Array } {
  const initiator = new NxInitiator(crypto, prologue);
  const responder = new NxResponder(crypto, prologue, staticKey);
  responder.readMessage1(initiator.writeMessage1(EMPTY));
  const { message, session } = responder.writeMessage2(EMPTY);
  return { initiator: initiator.readMessage2(message).session, responder: session, message2: message };
}

test('noise.json holds NX vectors for the protocol noise.ts implements', () => {
  assert.ok(vectors.length >= 1);
  for (const vector of vectors) {
    assert.equal(vector.protocol_name, NOISE_PROTOCOL_NAME);
    assert.ok(vector.messages.length >= 2, 'a vector needs both handshake messages');
  }
  assert.ok(
    vectors.some((vector) => vector.handshake_hash !== undefined),
    'at least one vector must pin the handshake hash',
  );
});

for (const crypto of backends) {
  describe(`Noise NX (${crypto.name})`, () => {
    for (const [index, vector] of vectors.entries()) {
      test(`replays vector ${index + 1}: ${vector.comment}`, () => {
        const initiator = new NxInitiator(crypto, fromHex(vector.init_prologue), keyPair(crypto, vector.init_ephemeral));
        const responderStatic = keyPair(crypto, vector.resp_static);
        const responder = new NxResponder(
          crypto,
          fromHex(vector.resp_prologue),
          responderStatic,
          keyPair(crypto, vector.resp_ephemeral),
        );

        // -> e
        const first = messageBytes(vector, 0);
        const message1 = initiator.writeMessage1(first.payload);
        assert.equal(toHex(message1), first.ciphertext, 'message 1');
        assert.deepEqual(responder.readMessage1(fromHex(first.ciphertext)), first.payload);

        // <- e, ee, s, es
        const second = messageBytes(vector, 1);
        const { message: message2, session: responderSession } = responder.writeMessage2(second.payload);
        assert.equal(toHex(message2), second.ciphertext, 'message 2');
        const received = initiator.readMessage2(fromHex(second.ciphertext));
        assert.deepEqual(received.remoteStatic, responderStatic.publicKey);
        assert.deepEqual(received.payload, second.payload);
        const initiatorSession = received.session;

        assert.equal(toHex(initiatorSession.handshakeHash), toHex(responderSession.handshakeHash));
        if (vector.handshake_hash !== undefined) {
          assert.equal(toHex(initiatorSession.handshakeHash), vector.handshake_hash, 'handshake hash');
        }

        // Transport messages keep alternating; the initiator (who did not send message 2) goes first.
        for (let i = 2; i < vector.messages.length; i++) {
          const { payload, ciphertext } = messageBytes(vector, i);
          const [sender, receiver] = i % 2 === 0 ? [initiatorSession, responderSession] : [responderSession, initiatorSession];
          assert.equal(toHex(sender.send.encryptWithAd(EMPTY, payload)), ciphertext, `message ${i + 1}`);
          assert.deepEqual(receiver.receive.decryptWithAd(EMPTY, fromHex(ciphertext)), payload, `message ${i + 1} payload`);
        }
      });
    }

    test('a tampered message 2 fails authentication in readMessage2', () => {
      const { initiator, responder } = vectorParties(crypto);
      responder.readMessage1(initiator.writeMessage1(EMPTY));
      const { message } = responder.writeMessage2(new TextEncoder().encode('relay hello'));
      // Layout: e (32) || encrypted s (32 + 16 tag) || encrypted payload (n + 16 tag).
      const positions = {
        'static key ciphertext': 32,
        'static key tag': 32 + 32 + 15,
        'payload ciphertext': 80,
        'payload tag': message.length - 1,
      };
      for (const [what, position] of Object.entries(positions)) {
        const { initiator: fresh, responder: freshResponder } = vectorParties(crypto);
        freshResponder.readMessage1(fresh.writeMessage1(EMPTY));
        assert.deepEqual(freshResponder.writeMessage2(new TextEncoder().encode('relay hello')).message, message);
        assert.throws(() => fresh.readMessage2(flipByte(message, position)), isCryptoError('DECRYPT'), what);
      }
    });

    test('a tampered transport message fails and does not advance the receiving nonce', () => {
      const { initiator, responder } = handshake(crypto, crypto.x25519KeyPair());
      const first = new TextEncoder().encode('first');
      const second = new TextEncoder().encode('second');
      const ciphertext1 = initiator.send.encryptWithAd(EMPTY, first);
      const ciphertext2 = initiator.send.encryptWithAd(EMPTY, second);

      assert.throws(() => responder.receive.decryptWithAd(EMPTY, flipByte(ciphertext1, 0)), isCryptoError('DECRYPT'));
      assert.throws(
        () => responder.receive.decryptWithAd(EMPTY, flipByte(ciphertext1, ciphertext1.length - 1)),
        isCryptoError('DECRYPT'),
      );
      assert.throws(() => responder.receive.decryptWithAd(EMPTY, ciphertext1.subarray(0, 15)), isCryptoError('DECRYPT'));
      // The genuine message still decrypts under nonce 0, and the next under nonce 1.
      assert.deepEqual(responder.receive.decryptWithAd(EMPTY, ciphertext1), first);
      assert.deepEqual(responder.receive.decryptWithAd(EMPTY, ciphertext2), second);

      // The other direction too, and a wrong associated data is a tampering like any other.
      const reply = new TextEncoder().encode('reply');
      const replyCiphertext = responder.send.encryptWithAd(EMPTY, reply);
      assert.throws(() => initiator.receive.decryptWithAd(new Uint8Array([1]), replyCiphertext), isCryptoError('DECRYPT'));
      assert.deepEqual(initiator.receive.decryptWithAd(EMPTY, replyCiphertext), reply);
    });

    test('a too-short message 2 is a DecodeError', () => {
      // e (32) + encrypted s (48) + an empty payload's tag (16) = 96 bytes minimum.
      for (const length of [0, 31, 32, 80, 95]) {
        const { initiator, responder } = vectorParties(crypto);
        responder.readMessage1(initiator.writeMessage1(EMPTY));
        const { message } = responder.writeMessage2(EMPTY);
        assert.equal(message.length, 96);
        assert.throws(() => initiator.readMessage2(message.subarray(0, length)), isDecodeError('TRUNCATED'), `length ${length}`);
      }
      // The minimum itself (an empty payload) is a valid message 2.
      const { initiator, responder } = vectorParties(crypto);
      responder.readMessage1(initiator.writeMessage1(EMPTY));
      assert.deepEqual(initiator.readMessage2(responder.writeMessage2(EMPTY).message).payload, EMPTY);
    });

    test('with a payload length, a message 2 of any other length is a DecodeError, and one of that length reads', () => {
      const payload = new Uint8Array(6).fill(7);
      for (const [delta, code] of [[-1, 'TRUNCATED'], [1, 'TRAILING']] as const) {
        const { initiator, responder } = vectorParties(crypto);
        responder.readMessage1(initiator.writeMessage1(EMPTY));
        const { message } = responder.writeMessage2(payload);
        const bad = delta < 0 ? message.subarray(0, message.length - 1) : concatBytes(message, new Uint8Array(1));
        assert.throws(() => initiator.readMessage2(bad, payload.length), isDecodeError(code), `delta ${delta}`);
      }
      const { initiator, responder } = vectorParties(crypto);
      responder.readMessage1(initiator.writeMessage1(EMPTY));
      assert.deepEqual(initiator.readMessage2(responder.writeMessage2(payload).message, payload.length).payload, payload);
    });

    test('two handshakes with the same static key give different hashes and transport keys', () => {
      const staticKey = crypto.x25519KeyPair();
      const a = handshake(crypto, staticKey);
      const b = handshake(crypto, staticKey);
      assert.notEqual(toHex(a.initiator.handshakeHash), toHex(b.initiator.handshakeHash));
      assert.equal(toHex(a.initiator.handshakeHash), toHex(a.responder.handshakeHash));
      assert.equal(toHex(b.initiator.handshakeHash), toHex(b.responder.handshakeHash));

      // Same plaintext at the same nonce gives different ciphertexts, and neither session can read the other's.
      const plaintext = new TextEncoder().encode('same plaintext');
      const fromA = a.initiator.send.encryptWithAd(EMPTY, plaintext);
      const fromB = b.initiator.send.encryptWithAd(EMPTY, plaintext);
      assert.notEqual(toHex(fromA), toHex(fromB));
      assert.throws(() => b.responder.receive.decryptWithAd(EMPTY, fromA), isCryptoError('DECRYPT'));
      assert.deepEqual(b.responder.receive.decryptWithAd(EMPTY, fromB), plaintext);
      assert.deepEqual(a.responder.receive.decryptWithAd(EMPTY, fromA), plaintext);

      const replyA = a.responder.send.encryptWithAd(EMPTY, plaintext);
      const replyB = b.responder.send.encryptWithAd(EMPTY, plaintext);
      assert.notEqual(toHex(replyA), toHex(replyB));
      assert.throws(() => a.initiator.receive.decryptWithAd(EMPTY, replyB), isCryptoError('DECRYPT'));
      // Within one session the two directions use different keys as well.
      assert.notEqual(toHex(a.initiator.send.encryptWithAd(EMPTY, plaintext)), toHex(a.responder.send.encryptWithAd(EMPTY, plaintext)));
    });
  });
}

test('noble and sodium backends interoperate', () => {
  const initiator = new NxInitiator(nobleCrypto, EMPTY);
  const staticKey = sodiumCrypto.x25519KeyPair();
  const responder = new NxResponder(sodiumCrypto, EMPTY, staticKey);
  responder.readMessage1(initiator.writeMessage1(EMPTY));
  const { message, session: responderSession } = responder.writeMessage2(EMPTY);
  const { remoteStatic, session: initiatorSession } = initiator.readMessage2(message);
  assert.deepEqual(remoteStatic, staticKey.publicKey);
  assert.deepEqual(initiatorSession.handshakeHash, responderSession.handshakeHash);
  const plaintext = new TextEncoder().encode('across backends');
  assert.deepEqual(responderSession.receive.decryptWithAd(EMPTY, initiatorSession.send.encryptWithAd(EMPTY, plaintext)), plaintext);
  assert.deepEqual(initiatorSession.receive.decryptWithAd(EMPTY, responderSession.send.encryptWithAd(EMPTY, plaintext)), plaintext);
});
