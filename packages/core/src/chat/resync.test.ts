// Resync offers and answers (graph-chat §8.7): the recorded bodies of
// graph-chat.json `resync`, rebuilt from their inputs on both backends, and
// what a relay or a malformed body gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptAgreement, createInvitationKeys, joinAgreement } from '../agreement/agreement.js';
import { fromHex, toHex } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { DecodeError } from '../errors.js';
import { ratchetDecrypt, ratchetEncrypt } from '../ratchet/ratchet.js';
import { initReceiver, initSender } from '../ratchet/state.js';
import { loadVectors, replayingRandomBytes } from '../test-support/vectors.js';
import { padPlaintext, signEnvelope, unpadPlaintext, openEnvelope, ZERO_HASH } from './envelope.js';
import { ChatError } from './errors.js';
import { decodeQueueBody } from './queue-body.js';
import { openResync, RESYNC_WINDOW, resyncRootKey, sealResync, type Resync, type ResyncView } from './resync.js';

interface JsonView {
  readonly last_sent_seq: number;
  readonly last_sent_hash: string;
  readonly last_received_seq: number;
  readonly received_hashes: readonly string[];
}
interface ResyncVectors {
  readonly comment: string;
  readonly associated_data: string;
  readonly resync_key: string;
  readonly offer_sig_seed: string;
  readonly answer_sig_seed: string;
  readonly offer: { readonly timestamp: number; readonly restored: boolean; readonly view: JsonView; readonly dh_secret: string; readonly kem_seed: string; readonly body: string; readonly hash: string };
  readonly answer: {
    readonly timestamp: number;
    readonly restored: boolean;
    readonly view: JsonView;
    readonly dh_secret: string;
    readonly ephemeral_secret: string;
    readonly kem_randomness: string;
    readonly ratchet_secret: string;
    readonly nonce: string;
    readonly hello: { readonly seq: number; readonly timestamp: number; readonly prev_sent_hash: string; readonly last_received_hash: string };
    readonly shared_key: string;
    readonly root_key: string;
    readonly body: string;
  };
}

const vectors = loadVectors<{ resync: ResyncVectors }>('graph-chat.json').resync;
const view = (v: JsonView): ResyncView => ({ lastSentSeq: v.last_sent_seq, lastSentHash: fromHex(v.last_sent_hash), lastReceivedSeq: v.last_received_seq, receivedHashes: v.received_hashes.map(fromHex) });
const ad = fromHex(vectors.associated_data);

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  const x25519 = (secretHex: string): KeyPair => {
    const secretKey = fromHex(secretHex);
    return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
  };
  const offerSig = crypto.ed25519KeyPairFromSeed(fromHex(vectors.offer_sig_seed));
  const answerSig = crypto.ed25519KeyPairFromSeed(fromHex(vectors.answer_sig_seed));
  const offerKeys = createInvitationKeys(crypto, { dh: x25519(vectors.offer.dh_secret), kemSeed: fromHex(vectors.offer.kem_seed), sig: offerSig });
  const offer: Resync = { kind: 'offer', timestamp: vectors.offer.timestamp, restored: vectors.offer.restored, view: view(vectors.offer.view), keys: offerKeys.publicKeys };

  /** The answer rebuilt from its inputs: the agreement against the offer, then the hello as the new ratchet's first message. */
  const answer = (c: Crypto) => {
    const joined = joinAgreement(c, offerKeys.publicKeys, {
      dh: x25519(vectors.answer.dh_secret),
      ephemeral: x25519(vectors.answer.ephemeral_secret),
      sig: answerSig,
      kemRandomness: fromHex(vectors.answer.kem_randomness),
    });
    const h = vectors.answer.hello;
    const hello = signEnvelope(c, answerSig.secretKey, { seq: h.seq, timestamp: h.timestamp, prevSentHash: fromHex(h.prev_sent_hash), lastReceivedHash: fromHex(h.last_received_hash), content: { type: 'hello' } });
    const root = resyncRootKey(c, fromHex(vectors.resync_key), joined.sharedKey);
    const ratchet = initSender(c, root, offerKeys.publicKeys.dh, () => x25519(vectors.answer.ratchet_secret));
    const sent = ratchetEncrypt(replayingRandomBytes(c, [vectors.answer.nonce]), ratchet, padPlaintext(hello), ad);
    const resync: Resync = {
      kind: 'answer',
      timestamp: vectors.answer.timestamp,
      restored: vectors.answer.restored,
      view: view(vectors.answer.view),
      offerHash: fromHex(vectors.offer.hash),
      keys: joined.confirmation,
      header: sent.header,
      ciphertext: sent.ciphertext,
    };
    return { sharedKey: joined.sharedKey, root, hello, resync };
  };

  describe(`resync (${crypto.name})`, () => {
    test('the offer signs to the recorded body and hash, and opens back', () => {
      // The recorded resync is of a version 2 connection.
      const body = sealResync(crypto, offerSig.secretKey, ad, offer, 2);
      assert.equal(toHex(body), vectors.offer.body);
      assert.equal(toHex(crypto.sha256(body)), vectors.offer.hash);
      const decoded = decodeQueueBody(body);
      assert.ok(decoded.type === 'resync');
      assert.deepEqual(openResync(crypto, offerSig.publicKey, ad, decoded.resync), offer);
    });

    test('the answer runs the agreement against the offer and carries the first message of the new ratchet', () => {
      const built = answer(crypto);
      assert.equal(toHex(built.sharedKey), vectors.answer.shared_key);
      assert.equal(toHex(built.root), vectors.answer.root_key);
      // The root key from primitives: HKDF-SHA256(resync key || SK, 32 zero bytes, "graphchat resync root v2").
      const ikm = new Uint8Array([...fromHex(vectors.resync_key), ...built.sharedKey]);
      assert.equal(toHex(crypto.hkdfSha256(ikm, new Uint8Array(32), new TextEncoder().encode('graphchat resync root v2'), 32)), vectors.answer.root_key);
      const body = sealResync(crypto, answerSig.secretKey, ad, built.resync, 2);
      assert.equal(toHex(body), vectors.answer.body);
      // The offerer's side, from the recorded bytes and its own secrets only.
      const decoded = decodeQueueBody(fromHex(vectors.answer.body));
      assert.ok(decoded.type === 'resync');
      const opened = openResync(crypto, answerSig.publicKey, ad, decoded.resync);
      assert.ok(opened.kind === 'answer');
      assert.equal(toHex(opened.offerHash), vectors.offer.hash);
      const agreed = acceptAgreement(crypto, offerKeys.secretKeys, opened.keys);
      assert.equal(toHex(agreed.sharedKey), vectors.answer.shared_key);
      const root = resyncRootKey(crypto, fromHex(vectors.resync_key), agreed.sharedKey);
      const received = ratchetDecrypt(crypto, initReceiver(crypto, root, offerKeys.secretKeys.dh), opened.header, opened.ciphertext, ad);
      assert.deepEqual(openEnvelope(crypto, answerSig.publicKey, unpadPlaintext(received.plaintext)).content, { type: 'hello' });
    });

    test('a changed byte anywhere, another connection, or the other key fails the signature', () => {
      const body = fromHex(vectors.answer.body).subarray(2);
      for (let i = 0; i < body.length; i += 97) {
        const changed = body.slice();
        changed[i]! ^= 1;
        assert.throws(() => openResync(crypto, answerSig.publicKey, ad, changed), ChatError, `byte ${i}`);
      }
      const otherAd = ad.slice();
      otherAd[otherAd.length - 1]! ^= 1;
      assert.throws(() => openResync(crypto, answerSig.publicKey, otherAd, body), ChatError);
      assert.throws(() => openResync(crypto, offerSig.publicKey, ad, body), ChatError);
    });
  });
}

describe('resync bodies, malformed', () => {
  const crypto = sodiumCrypto;
  const key = crypto.ed25519KeyPair();
  const keys = createInvitationKeys(crypto).publicKeys;
  const sign = (resync: Resync) => (decodeQueueBody(sealResync(crypto, key.secretKey, new Uint8Array(0), resync)) as { resync: Uint8Array }).resync;
  const base = { kind: 'offer', timestamp: 1, restored: false, keys } as const;

  test('a view must name min(16, lastReceivedSeq) received hashes', () => {
    for (const [lastReceivedSeq, count] of [[0, 1], [3, 2], [40, 15], [40, 17]] as const) {
      const bad = { ...base, view: { lastSentSeq: 0, lastSentHash: ZERO_HASH, lastReceivedSeq, receivedHashes: Array.from({ length: count }, () => ZERO_HASH) } };
      assert.throws(() => sealResync(crypto, key.secretKey, new Uint8Array(0), bad), RangeError);
    }
    const full = sign({ ...base, view: { lastSentSeq: 9, lastSentHash: ZERO_HASH, lastReceivedSeq: 40, receivedHashes: Array.from({ length: RESYNC_WINDOW }, () => ZERO_HASH) } });
    assert.equal(openResync(crypto, key.publicKey, new Uint8Array(0), full).view.receivedHashes.length, RESYNC_WINDOW);
  });

  test('a rekey is reason 2, only from version 3 on, and never also restored', () => {
    const v = { lastSentSeq: 0, lastSentHash: ZERO_HASH, lastReceivedSeq: 0, receivedHashes: [] };
    const signed = (resync: Resync, version?: number) => sealResync(crypto, key.secretKey, new Uint8Array(0), resync, version);
    const rekey = { ...base, rekey: true, view: v } as const;
    const body = signed(rekey);
    assert.deepEqual([...body.subarray(0, 2)], [4, 4]);
    assert.equal(body[2 + 64 + 1 + 8], 2, 'reason byte');
    assert.deepEqual(openResync(crypto, key.publicKey, new Uint8Array(0), body.subarray(2)), rekey);
    const v3 = signed(rekey, 3);
    assert.deepEqual([...v3.subarray(0, 2)], [3, 4]);
    assert.equal(v3[2 + 64 + 1 + 8], 2, 'reason byte, version 3');
    assert.deepEqual(openResync(crypto, key.publicKey, new Uint8Array(0), v3.subarray(2)), rekey);
    assert.throws(() => signed(rekey, 2), RangeError);
    assert.throws(() => signed({ ...rekey, restored: true }), RangeError);
    assert.equal(signed({ ...base, restored: true, view: v })[2 + 64 + 1 + 8], 1);
    assert.equal(signed({ ...base, view: v }, 2)[2 + 64 + 1 + 8], 0);
    const plain = openResync(crypto, key.publicKey, new Uint8Array(0), signed({ ...base, view: v }).subarray(2));
    assert.equal(plain.rekey, undefined);
  });

  test('truncated, extended, of an unknown kind or reason: DecodeError, never anything else', () => {
    const good = sign({ ...base, view: { lastSentSeq: 0, lastSentHash: ZERO_HASH, lastReceivedSeq: 0, receivedHashes: [] } });
    const resigned = (signed: Uint8Array) => {
      const out = new Uint8Array(64 + signed.length);
      out.set(crypto.ed25519Sign(key.secretKey, new Uint8Array([...new TextEncoder().encode('graphchat resync v2'), ...signed])));
      out.set(signed, 64);
      return out;
    };
    const signed = good.subarray(64);
    const cases = [signed.subarray(0, signed.length - 1), new Uint8Array([...signed, 0]), Uint8Array.of(3, ...signed.subarray(1)), Uint8Array.of(1, ...signed.subarray(1, 9), 3, ...signed.subarray(10)), Uint8Array.of(1, ...signed.subarray(1, 9), 255, ...signed.subarray(10))];
    for (const bad of cases) assert.throws(() => openResync(crypto, key.publicKey, new Uint8Array(0), resigned(bad)), DecodeError);
    assert.throws(() => openResync(crypto, key.publicKey, new Uint8Array(0), new Uint8Array(10)), DecodeError);
  });
});
