import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { concatBytes, fromHex, toHex, utf8 } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { acceptAgreement, createInvitationKeys, joinAgreement } from '../agreement/agreement.js';
import { ratchetDecrypt, ratchetEncrypt } from '../ratchet/ratchet.js';
import { initReceiver, initSender } from '../ratchet/state.js';
import { loadVectors, replayingRandomBytes } from '../test-support/vectors.js';
import type { Content, ProfileContent } from './content.js';
import { envelopeHash, openEnvelope, padPlaintext, signEnvelope, unpadPlaintext, type Envelope } from './envelope.js';
import { decodeInvitation, encodeInvitation, formatInvitationLink, formatInvitationWebLink, parseInvitationLink, type Invitation } from './invitation.js';
import type { QueueAddress } from './queue-address.js';
import { decodeQueueBody, encodeQueueBody } from './queue-body.js';
import { securityCode } from './security-code.js';

/** Shape of docs/protocol/vectors/graph-chat.json (byte strings in hex). */
interface JsonQueue {
  readonly relay: string;
  readonly sender_id: string;
}
interface JsonProfile {
  readonly display_name: string;
  readonly full_name?: string;
  readonly image?: string;
  readonly status?: string;
}
type JsonContent =
  | { readonly type: 'confirm'; readonly reply_queues: readonly JsonQueue[]; readonly sender_keys: readonly string[]; readonly profile: JsonProfile }
  | { readonly type: 'reply'; readonly sender_keys: readonly string[]; readonly profile: JsonProfile }
  | { readonly type: 'hello' }
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'receipt'; readonly seq: number; readonly hash: string }
  | { readonly type: 'profile'; readonly profile: JsonProfile };
interface JsonEnvelope {
  readonly comment: string;
  readonly sender: 'joiner' | 'inviter';
  readonly seq: number;
  readonly timestamp: number;
  readonly prev_sent_hash: string;
  readonly last_received_hash: string;
  readonly content: JsonContent;
  readonly signed: string;
  readonly hash: string;
  readonly padded_length: number;
}
interface ChatVectors {
  readonly comment: string;
  readonly inputs: Readonly<Record<
    | 'inviter_dh_secret'
    | 'inviter_kem_seed'
    | 'inviter_sig_seed'
    | 'joiner_dh_secret'
    | 'joiner_ephemeral_secret'
    | 'joiner_sig_seed'
    | 'kem_randomness'
    | 'joiner_ratchet_secret'
    | 'inviter_ratchet_secret',
    string
  >>;
  readonly inviter_sig_public: string;
  readonly joiner_sig_public: string;
  readonly invitation: {
    readonly versions: { readonly min: number; readonly max: number };
    readonly kind: 'one-time' | 'contact-address';
    readonly queues: readonly JsonQueue[];
    readonly encoded: string;
    readonly link: string;
    readonly web_link: string;
  };
  readonly envelopes: readonly JsonEnvelope[];
  readonly shared_key: string;
  readonly associated_data: string;
  readonly confirmation_nonce: string;
  readonly confirmation_body: string;
  readonly reply_nonce: string;
  readonly reply_body: string;
  readonly security_code: string;
}

const vectors = loadVectors<ChatVectors>('graph-chat.json');
const { inputs } = vectors;

const queue = (q: JsonQueue): QueueAddress => ({ relay: q.relay, senderId: fromHex(q.sender_id) });
function profile(p: JsonProfile): ProfileContent {
  return {
    displayName: p.display_name,
    ...(p.full_name === undefined ? {} : { fullName: p.full_name }),
    ...(p.image === undefined ? {} : { image: fromHex(p.image) }),
    ...(p.status === undefined ? {} : { status: p.status }),
  };
}
function content(c: JsonContent): Content {
  switch (c.type) {
    case 'confirm':
      return { type: 'confirm', replyQueues: c.reply_queues.map(queue), senderKeys: c.sender_keys.map(fromHex), profile: profile(c.profile) };
    case 'reply':
      return { type: 'reply', senderKeys: c.sender_keys.map(fromHex), profile: profile(c.profile) };
    case 'receipt':
      return { type: 'receipt', seq: c.seq, hash: fromHex(c.hash) };
    case 'profile':
      return { type: 'profile', profile: profile(c.profile) };
    default:
      return c;
  }
}
const envelope = (e: JsonEnvelope): Envelope => ({
  seq: e.seq,
  timestamp: e.timestamp,
  prevSentHash: fromHex(e.prev_sent_hash),
  lastReceivedHash: fromHex(e.last_received_hash),
  content: content(e.content),
});

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  const x25519 = (secretHex: string): KeyPair => {
    const secretKey = fromHex(secretHex);
    return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
  };
  const setup = (c: Crypto) => {
    const inviter = createInvitationKeys(c, {
      dh: x25519(inputs.inviter_dh_secret),
      kemSeed: fromHex(inputs.inviter_kem_seed),
      sig: c.ed25519KeyPairFromSeed(fromHex(inputs.inviter_sig_seed)),
    });
    const joinerSig = c.ed25519KeyPairFromSeed(fromHex(inputs.joiner_sig_seed));
    return { inviter, joinerSig };
  };

  describe(`graph-chat.json vectors (${crypto.name})`, () => {
    const { inviter, joinerSig } = setup(crypto);
    const invitation: Invitation = {
      versions: vectors.invitation.versions,
      kind: vectors.invitation.kind,
      keys: inviter.publicKeys,
      queues: vectors.invitation.queues.map(queue),
    };

    test('the invitation encodes to the recorded bytes and links, and back', () => {
      assert.equal(toHex(encodeInvitation(invitation)), vectors.invitation.encoded);
      assert.equal(formatInvitationLink(invitation), vectors.invitation.link);
      assert.equal(formatInvitationWebLink(invitation, 'https://example.org/g'), vectors.invitation.web_link);
      assert.deepEqual(decodeInvitation(fromHex(vectors.invitation.encoded)), invitation);
      assert.deepEqual(parseInvitationLink(vectors.invitation.link), invitation);
      assert.deepEqual(parseInvitationLink(vectors.invitation.web_link), invitation);
    });

    test('every envelope signs to the recorded bytes, hash and padded length, and opens back', () => {
      const keys = { joiner: joinerSig, inviter: inviter.secretKeys.sig };
      assert.equal(toHex(keys.inviter.publicKey), vectors.inviter_sig_public);
      assert.equal(toHex(keys.joiner.publicKey), vectors.joiner_sig_public);
      for (const e of vectors.envelopes) {
        const signed = signEnvelope(crypto, keys[e.sender].secretKey, envelope(e));
        assert.equal(toHex(signed), e.signed, e.comment);
        assert.equal(toHex(envelopeHash(crypto, signed)), e.hash, e.comment);
        assert.equal(toHex(crypto.sha256(fromHex(e.signed))), e.hash, e.comment);
        assert.equal(padPlaintext(signed).length, e.padded_length, e.comment);
        assert.deepEqual(openEnvelope(crypto, keys[e.sender].publicKey, fromHex(e.signed)), envelope(e), e.comment);
        // §4.4 from primitives: Ed25519 over the context string and everything before the signature.
        const split = signed.length - 64;
        assert.ok(crypto.ed25519Verify(keys[e.sender].publicKey, concatBytes(utf8('graphchat envelope v1'), signed.subarray(0, split)), signed.subarray(split)));
      }
    });

    test('the envelopes form the hash chain of §4.5', () => {
      const lastSent: Record<string, string> = {};
      const lastReceived: Record<string, string> = {};
      const zero = '00'.repeat(32);
      const peer = { joiner: 'inviter', inviter: 'joiner' } as const;
      const nextSeq: Record<string, number> = { joiner: 1, inviter: 1 };
      for (const e of vectors.envelopes) {
        assert.equal(e.seq, nextSeq[e.sender]!++, e.comment);
        assert.equal(e.prev_sent_hash, lastSent[e.sender] ?? zero, e.comment);
        assert.equal(e.last_received_hash, lastReceived[e.sender] ?? zero, e.comment);
        lastSent[e.sender] = e.hash;
        lastReceived[peer[e.sender]] = e.hash;
      }
      const receipt = vectors.envelopes.find((e) => e.content.type === 'receipt')!;
      const acknowledged = vectors.envelopes.find((e) => e.sender !== receipt.sender && e.content.type === 'text')!;
      assert.deepEqual(receipt.content, { type: 'receipt', seq: acknowledged.seq, hash: acknowledged.hash });
    });

    test('the confirmation and reply bodies carry envelopes 0 and 1 through the agreement and the ratchet', () => {
      const joined = joinAgreement(crypto, decodeInvitation(fromHex(vectors.invitation.encoded)).keys, {
        dh: x25519(inputs.joiner_dh_secret),
        ephemeral: x25519(inputs.joiner_ephemeral_secret),
        sig: joinerSig,
        kemRandomness: fromHex(inputs.kem_randomness),
      });
      assert.equal(toHex(joined.sharedKey), vectors.shared_key);
      assert.equal(toHex(joined.associatedData), vectors.associated_data);
      const ad = joined.associatedData;
      const joinerRatchet = x25519(inputs.joiner_ratchet_secret);
      const sent = ratchetEncrypt(replayingRandomBytes(crypto, [vectors.confirmation_nonce]), initSender(crypto, joined.sharedKey, inviter.publicKeys.dh, () => joinerRatchet), padPlaintext(fromHex(vectors.envelopes[0]!.signed)), ad);
      // The recorded bodies are of a version 2 connection (the invitation's range is 2..2).
      assert.equal(toHex(encodeQueueBody({ type: 'confirmation', keys: joined.confirmation, header: sent.header, ciphertext: sent.ciphertext }, 2)), vectors.confirmation_body);

      // The inviter's side, from the recorded bytes only.
      const body = decodeQueueBody(fromHex(vectors.confirmation_body));
      assert.equal(body.type, 'confirmation');
      if (body.type !== 'confirmation') return;
      const accepted = acceptAgreement(crypto, inviter.secretKeys, body.keys);
      const inviterRatchet = x25519(inputs.inviter_ratchet_secret);
      const received = ratchetDecrypt(crypto, initReceiver(crypto, accepted.sharedKey, inviter.secretKeys.dh), body.header, body.ciphertext, accepted.associatedData, () => inviterRatchet);
      const confirm = openEnvelope(crypto, body.keys.sig, unpadPlaintext(received.plaintext));
      assert.deepEqual(confirm, envelope(vectors.envelopes[0]!));
      const replied = ratchetEncrypt(replayingRandomBytes(crypto, [vectors.reply_nonce]), received.state, padPlaintext(fromHex(vectors.envelopes[1]!.signed)), accepted.associatedData);
      assert.equal(toHex(encodeQueueBody({ type: 'message', header: replied.header, ciphertext: replied.ciphertext }, 2)), vectors.reply_body);

      const reply = decodeQueueBody(fromHex(vectors.reply_body));
      assert.equal(reply.type, 'message');
      const opened = ratchetDecrypt(crypto, sent.state, reply.header, reply.ciphertext, ad, () => crypto.x25519KeyPair());
      assert.deepEqual(openEnvelope(crypto, inviter.publicKeys.sig, unpadPlaintext(opened.plaintext)), envelope(vectors.envelopes[1]!));
    });

    test('the security code is the recorded one and follows §6 from primitives', () => {
      const ad = fromHex(vectors.associated_data);
      assert.equal(securityCode(crypto, ad), vectors.security_code);
      const digest = crypto.sha512(concatBytes(utf8('graphchat security code v1'), ad));
      const groups = [];
      for (let g = 0; g < 6; g++) groups.push((BigInt('0x' + toHex(digest.subarray(5 * g, 5 * g + 5))) % 100000n).toString().padStart(5, '0'));
      assert.equal(groups.join(' '), vectors.security_code);
    });
  });
}
