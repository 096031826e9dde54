import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, fromUtf8, toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { loadVectors, replayingRandomBytes } from '../test-support/vectors.js';
import { ratchetDecrypt, ratchetEncrypt } from './ratchet.js';
import { initReceiver, initSender, type KeyPairGenerator } from './state.js';

/** Shape of docs/protocol/vectors/ratchet.json (byte strings in hex). */
interface RatchetVectors {
  readonly comment: string;
  readonly shared_key: string;
  readonly ad: string;
  readonly bob_initial_ratchet_secret: string;
  readonly alice_ratchet_secrets: readonly string[];
  readonly bob_ratchet_secrets: readonly string[];
  readonly messages: readonly {
    readonly comment: string;
    readonly from: 'alice' | 'bob';
    readonly plaintext: string;
    readonly header: string;
    readonly nonce: string;
    readonly ciphertext: string;
  }[];
}

const vectors = loadVectors<RatchetVectors>('ratchet.json');

function keyPair(crypto: Crypto, secretHex: string): KeyPair {
  const secretKey = fromHex(secretHex);
  return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
}

function fixedKeyPairs(crypto: Crypto, secrets: readonly string[]): KeyPairGenerator {
  let next = 0;
  return () => {
    const secret = secrets[next++];
    if (secret === undefined) throw new Error('vector ran out of ratchet secrets');
    return keyPair(crypto, secret);
  };
}

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  describe(`ratchet.json vectors (${crypto.name})`, () => {
    test('the transcript encrypts to the recorded headers and ciphertexts, with the recorded nonces, and decrypts back', () => {
      const sealing = replayingRandomBytes(crypto, vectors.messages.map((m) => m.nonce));
      const sharedKey = fromHex(vectors.shared_key);
      const ad = fromHex(vectors.ad);
      const bobInitial = keyPair(crypto, vectors.bob_initial_ratchet_secret);
      const keys = {
        alice: fixedKeyPairs(crypto, vectors.alice_ratchet_secrets),
        bob: fixedKeyPairs(crypto, vectors.bob_ratchet_secrets),
      };
      const states = {
        alice: initSender(crypto, sharedKey, bobInitial.publicKey, keys.alice),
        bob: initReceiver(crypto, sharedKey, bobInitial),
      };
      for (const message of vectors.messages) {
        const to = message.from === 'alice' ? 'bob' : 'alice';
        const sent = ratchetEncrypt(sealing, states[message.from], utf8(message.plaintext), ad);
        states[message.from] = sent.state;
        assert.equal(toHex(sent.header), message.header, message.comment);
        assert.equal(toHex(sent.ciphertext.subarray(0, 24)), message.nonce, message.comment);
        assert.equal(toHex(sent.ciphertext), message.ciphertext, message.comment);
        const received = ratchetDecrypt(crypto, states[to], fromHex(message.header), fromHex(message.ciphertext), ad, keys[to]);
        states[to] = received.state;
        assert.equal(fromUtf8(received.plaintext), message.plaintext, message.comment);
      }
    });
  });
}
