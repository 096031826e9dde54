// Queue moves and rekey (graph-chat §8.6, version 3): the recorded vectors of
// docs/protocol/vectors/queue-moves.json, rebuilt from their inputs on both
// backends — content items, the signed envelopes of one move, a version 3
// message body, a rekey offer (reason 2) and the agreement it leads to — and
// the malformed bytes every decoder must refuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acceptAgreement, createInvitationKeys, joinAgreement } from '../agreement/agreement.js';
import { ByteWriter, fromHex, toHex } from '../bytes.js';
import type { KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { DecodeError } from '../errors.js';
import { ratchetDecrypt, ratchetEncrypt } from '../ratchet/ratchet.js';
import { initReceiver, initSender } from '../ratchet/state.js';
import { loadVectors, replayingRandomBytes } from '../test-support/vectors.js';
import { decodeContent, encodeContent, QUEUE_MOVE_CONTENT, type Content } from './content.js';
import { decodeUnsignedEnvelope, encodeUnsignedEnvelope, envelopeHash, openEnvelope, padPlaintext, signEnvelope, unpadPlaintext, ZERO_HASH, type Envelope } from './envelope.js';
import { decodeQueueBody, encodeQueueBody } from './queue-body.js';
import { openResync, sealResync, type Resync } from './resync.js';
import { securityCode } from './security-code.js';

interface JsonQueue {
  readonly relay: string;
  readonly sender_id: string;
}
type JsonContent =
  | { readonly type: 'queues-add'; readonly queues: readonly JsonQueue[] }
  | { readonly type: 'queues-keys'; readonly add_hash: string; readonly sender_keys: readonly string[] }
  | { readonly type: 'queues-use'; readonly use: readonly string[]; readonly retire: readonly string[] }
  | { readonly type: 'queues-test' };
interface JsonView {
  readonly last_sent_seq: number;
  readonly last_sent_hash: string;
  readonly last_received_seq: number;
  readonly received_hashes: readonly string[];
}
interface MoveVectors {
  readonly inputs: { readonly r_sig_seed: string; readonly s_sig_seed: string; readonly sender_key_seeds: readonly string[] };
  readonly r_sig_public: string;
  readonly s_sig_public: string;
  readonly contents: readonly { readonly comment: string; readonly content: JsonContent; readonly encoded: string }[];
  readonly envelopes: readonly {
    readonly comment: string;
    readonly sender: 'r' | 's';
    readonly seq: number;
    readonly timestamp: number;
    readonly prev_sent_hash: string;
    readonly last_received_hash: string;
    readonly content: JsonContent;
    readonly signed: string;
    readonly hash: string;
    readonly padded_length: number;
  }[];
  readonly unsigned: { readonly seq: number; readonly timestamp: number; readonly content: JsonContent; readonly encoded: string };
  readonly message_body: {
    readonly root_key: string;
    readonly receiver_dh_secret: string;
    readonly ratchet_secret: string;
    readonly nonce: string;
    readonly associated_data: string;
    readonly envelope: number;
    readonly body: string;
  };
  readonly rekey: {
    readonly handshake_associated_data: string;
    readonly offer_sig_seed: string;
    readonly answer_sig_seed: string;
    readonly dh_secret: string;
    readonly kem_seed: string;
    readonly timestamp: number;
    readonly view: JsonView;
    readonly offer_body: string;
    readonly offer_hash: string;
    readonly answer: {
      readonly dh_secret: string;
      readonly ephemeral_secret: string;
      readonly kem_randomness: string;
      readonly shared_key: string;
      readonly associated_data: string;
      readonly security_code: string;
    };
    readonly handshake_security_code: string;
    readonly reason_3_body: string;
  };
  readonly malformed_contents: readonly { readonly comment: string; readonly bytes: string }[];
}

const vectors = loadVectors<MoveVectors>('queue-moves.json');

function content(c: JsonContent): Content {
  switch (c.type) {
    case 'queues-add':
      return { type: 'queues-add', queues: c.queues.map((q) => ({ relay: q.relay, senderId: fromHex(q.sender_id) })) };
    case 'queues-keys':
      return { type: 'queues-keys', addHash: fromHex(c.add_hash), senderKeys: c.sender_keys.map(fromHex) };
    case 'queues-use':
      return { type: 'queues-use', use: c.use.map(fromHex), retire: c.retire.map(fromHex) };
    case 'queues-test':
      return { type: 'queues-test' };
  }
}
const envelope = (e: MoveVectors['envelopes'][number]): Envelope => ({
  seq: e.seq,
  timestamp: e.timestamp,
  prevSentHash: fromHex(e.prev_sent_hash),
  lastReceivedHash: fromHex(e.last_received_hash),
  content: content(e.content),
});

describe('queue-moves.json: contents', () => {
  test('every content item encodes to the recorded bytes and decodes back', () => {
    for (const item of vectors.contents) {
      assert.equal(toHex(encodeContent(content(item.content))), item.encoded, item.comment);
      assert.deepEqual(decodeContent(fromHex(item.encoded)), content(item.content), item.comment);
    }
  });

  test('the vectors cover the four types, and a queues-use with an empty retire list', () => {
    assert.deepEqual([...new Set(vectors.contents.map((c) => c.content.type))].sort(), [...QUEUE_MOVE_CONTENT].sort());
    assert.ok(vectors.contents.some((c) => c.content.type === 'queues-use' && c.content.retire.length === 0));
    assert.ok(vectors.contents.some((c) => c.content.type === 'queues-use' && c.content.retire.length > 0));
    assert.deepEqual(
      vectors.contents.map((c) => c.encoded.slice(0, 2)),
      vectors.contents.map((c) => ({ 'queues-add': '0a', 'queues-keys': '0b', 'queues-use': '0c', 'queues-test': '0d' })[c.content.type]),
    );
  });

  test('every malformed content is DecodeError', () => {
    assert.ok(vectors.malformed_contents.length >= 10);
    for (const bad of vectors.malformed_contents) assert.throws(() => decodeContent(fromHex(bad.bytes)), DecodeError, bad.comment);
  });
});

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  const x25519 = (secretHex: string): KeyPair => {
    const secretKey = fromHex(secretHex);
    return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
  };
  const sig = {
    r: crypto.ed25519KeyPairFromSeed(fromHex(vectors.inputs.r_sig_seed)),
    s: crypto.ed25519KeyPairFromSeed(fromHex(vectors.inputs.s_sig_seed)),
  };

  describe(`queue-moves.json (${crypto.name})`, () => {
    test('the move envelopes sign to the recorded bytes, hash and padded length, and open back', () => {
      assert.equal(toHex(sig.r.publicKey), vectors.r_sig_public);
      assert.equal(toHex(sig.s.publicKey), vectors.s_sig_public);
      for (const e of vectors.envelopes) {
        const signed = signEnvelope(crypto, sig[e.sender].secretKey, envelope(e));
        assert.equal(toHex(signed), e.signed, e.comment);
        assert.equal(toHex(envelopeHash(crypto, signed)), e.hash, e.comment);
        assert.equal(padPlaintext(signed).length, e.padded_length, e.comment);
        assert.deepEqual(openEnvelope(crypto, sig[e.sender].publicKey, fromHex(e.signed)), envelope(e), e.comment);
      }
    });

    test('the envelopes are one move: add, keys naming it by hash for its queues (drawn by S), use of exactly those queues, test; chained as §4.5', () => {
      const [add, keys, use, testEnvelope] = vectors.envelopes.map((e) => ({ sender: e.sender, content: content(e.content) }));
      // S's queues-keys names the queues-add it answers: the hash of R's envelope, as signed and recomputed here.
      const addHash = toHex(envelopeHash(crypto, signEnvelope(crypto, sig.r.secretKey, envelope(vectors.envelopes[0]!))));
      assert.equal(addHash, vectors.envelopes[0]!.hash);
      assert.deepEqual([add?.sender, keys?.sender, use?.sender, testEnvelope?.sender], ['r', 's', 'r', 's']);
      assert.ok(add?.content.type === 'queues-add' && keys?.content.type === 'queues-keys' && use?.content.type === 'queues-use');
      assert.equal(testEnvelope?.content.type, 'queues-test');
      const drawn = vectors.inputs.sender_key_seeds.map((seed) => toHex(crypto.ed25519KeyPairFromSeed(fromHex(seed)).publicKey));
      assert.equal(toHex(keys.content.addHash), addHash, 'queues-keys names the queues-add envelope of the chain');
      assert.equal(keys.content.addHash.length, 32);
      assert.deepEqual(keys.content.senderKeys.map(toHex), drawn);
      assert.equal(keys.content.senderKeys.length, add.content.queues.length);
      assert.deepEqual(use.content.use.map(toHex), add.content.queues.map((q) => toHex(q.senderId)));
      for (const retired of use.content.retire) assert.ok(!use.content.use.some((id) => toHex(id) === toHex(retired)));
      const lastSent: Record<string, string> = {};
      const lastReceived: Record<string, string> = {};
      for (const e of vectors.envelopes) {
        if (lastSent[e.sender] !== undefined) assert.equal(e.prev_sent_hash, lastSent[e.sender], e.comment);
        if (lastReceived[e.sender] !== undefined) assert.equal(e.last_received_hash, lastReceived[e.sender], e.comment);
        lastSent[e.sender] = e.hash;
        lastReceived[e.sender === 'r' ? 's' : 'r'] = e.hash;
      }
    });

    test('off the record, a queues-use is an unsigned envelope', () => {
      const u = vectors.unsigned;
      const unsigned: Envelope = { seq: u.seq, timestamp: u.timestamp, prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content: content(u.content) };
      assert.equal(toHex(encodeUnsignedEnvelope(unsigned)), u.encoded);
      assert.deepEqual(decodeUnsignedEnvelope(fromHex(u.encoded)), unsigned);
    });

    test('a version 3 message body carries the queues-test through the ratchet', () => {
      const m = vectors.message_body;
      const ad = fromHex(m.associated_data);
      const receiver = x25519(m.receiver_dh_secret);
      const signed = fromHex(vectors.envelopes[m.envelope]!.signed);
      const sent = ratchetEncrypt(replayingRandomBytes(crypto, [m.nonce]), initSender(crypto, fromHex(m.root_key), receiver.publicKey, () => x25519(m.ratchet_secret)), padPlaintext(signed), ad);
      assert.equal(toHex(encodeQueueBody({ type: 'message', header: sent.header, ciphertext: sent.ciphertext }, 3)), m.body);
      assert.equal(m.body.slice(0, 4), '0302', 'version 3, tag 2');
      const body = decodeQueueBody(fromHex(m.body));
      assert.ok(body.type === 'message');
      const received = ratchetDecrypt(crypto, initReceiver(crypto, fromHex(m.root_key), receiver), body.header, body.ciphertext, ad);
      assert.deepEqual(unpadPlaintext(received.plaintext), signed);
      assert.deepEqual(openEnvelope(crypto, sig.s.publicKey, signed).content, { type: 'queues-test' });
    });

    describe('rekey', () => {
      const rk = vectors.rekey;
      const handshakeAD = fromHex(rk.handshake_associated_data);
      const offerSig = crypto.ed25519KeyPairFromSeed(fromHex(rk.offer_sig_seed));
      const answerSig = crypto.ed25519KeyPairFromSeed(fromHex(rk.answer_sig_seed));
      const offerKeys = createInvitationKeys(crypto, { dh: x25519(rk.dh_secret), kemSeed: fromHex(rk.kem_seed), sig: offerSig });
      const view = { lastSentSeq: rk.view.last_sent_seq, lastSentHash: fromHex(rk.view.last_sent_hash), lastReceivedSeq: rk.view.last_received_seq, receivedHashes: rk.view.received_hashes.map(fromHex) };
      const offer: Resync = { kind: 'offer', timestamp: rk.timestamp, restored: false, rekey: true, view, keys: offerKeys.publicKeys };

      test('the offer is a version 3 resync body with reason 2, signed under the handshake AD, and opens back', () => {
        const body = sealResync(crypto, offerSig.secretKey, handshakeAD, offer, 3);
        assert.equal(toHex(body), rk.offer_body);
        assert.equal(toHex(crypto.sha256(body)), rk.offer_hash);
        assert.deepEqual([...body.subarray(0, 2)], [3, 4]);
        assert.equal(body[2 + 64 + 1 + 8], 2, 'reason byte: kind, timestamp, then reason');
        const decoded = decodeQueueBody(fromHex(rk.offer_body));
        assert.ok(decoded.type === 'resync');
        const opened = openResync(crypto, offerSig.publicKey, handshakeAD, decoded.resync);
        assert.deepEqual(opened, offer);
        // The offer's invitation keys carry the offerer's connection signing key (A_sig).
        assert.ok(opened.kind === 'offer');
        assert.deepEqual(opened.keys.sig, offerSig.publicKey);
        assert.throws(() => sealResync(crypto, offerSig.secretKey, handshakeAD, offer, 2), RangeError);
      });

      test('the answer\'s agreement gives the new AD and a new security code; the handshake\'s stays for signatures', () => {
        const a = rk.answer;
        const joined = joinAgreement(crypto, offerKeys.publicKeys, { dh: x25519(a.dh_secret), ephemeral: x25519(a.ephemeral_secret), sig: answerSig, kemRandomness: fromHex(a.kem_randomness) });
        assert.equal(toHex(joined.sharedKey), a.shared_key);
        assert.equal(toHex(joined.associatedData), a.associated_data);
        // AD = lp(offer dh) || lp(offer kem) || lp(offerer sig) || lp(answer dh) || lp(answerer sig), lp = len:u16 || bytes.
        const expected = new ByteWriter().longBytes(offerKeys.publicKeys.dh).longBytes(offerKeys.publicKeys.kem).longBytes(offerSig.publicKey).longBytes(joined.confirmation.dh).longBytes(answerSig.publicKey).finish();
        assert.equal(a.associated_data, toHex(expected));
        const accepted = acceptAgreement(crypto, offerKeys.secretKeys, joined.confirmation);
        assert.equal(toHex(accepted.sharedKey), a.shared_key);
        assert.equal(toHex(accepted.associatedData), a.associated_data);
        assert.equal(securityCode(crypto, joined.associatedData), a.security_code);
        assert.equal(securityCode(crypto, handshakeAD), rk.handshake_security_code);
        assert.notEqual(a.security_code, rk.handshake_security_code);
      });

      test('reason 3, correctly signed, is DecodeError', () => {
        const decoded = decodeQueueBody(fromHex(rk.reason_3_body));
        assert.ok(decoded.type === 'resync');
        assert.equal(decoded.resync[64 + 1 + 8], 3);
        assert.throws(() => openResync(crypto, offerSig.publicKey, handshakeAD, decoded.resync), DecodeError);
      });
    });
  });
}
