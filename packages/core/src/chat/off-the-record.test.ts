// Off-the-record pieces of graph-chat (§2.1 kind 3, §4.2 type 9, §4.7): unsigned
// envelopes, the mode content, and the off-the-record invitation kind.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../errors.js';
import { nobleCrypto as crypto } from '../crypto/noble.js';
import { decodeContent, encodeContent } from './content.js';
import { decodeUnsignedEnvelope, encodeUnsignedEnvelope, isUnsignedEnvelope, openEnvelope, signEnvelope, ZERO_HASH, type Envelope } from './envelope.js';
import { ChatError } from './errors.js';
import { decodeInvitation, encodeInvitation, formatInvitationLink, parseInvitationLink, type Invitation } from './invitation.js';

const envelope: Envelope = { seq: 7, timestamp: 1767225600000, prevSentHash: new Uint8Array(32).fill(1), lastReceivedHash: ZERO_HASH, content: { type: 'text', text: 'off the record' } };

describe('off the record', () => {
  test('an unsigned envelope is version 2 and the fields of §4.1, with no signature, and decodes back', () => {
    const bytes = encodeUnsignedEnvelope(envelope);
    assert.equal(bytes[0], 2);
    assert.equal(isUnsignedEnvelope(bytes), true);
    const signed = signEnvelope(crypto, crypto.ed25519KeyPair().secretKey, envelope);
    assert.equal(isUnsignedEnvelope(signed), false);
    assert.equal(bytes.length, signed.length - 64, 'the signed layout less the signature');
    assert.deepEqual(bytes.subarray(1), signed.subarray(1, signed.length - 64));
    assert.deepEqual(decodeUnsignedEnvelope(bytes), envelope);
  });

  test('versions do not mix: a signed reader refuses an unsigned envelope and the other way round', () => {
    const key = crypto.ed25519KeyPair();
    const unsigned = encodeUnsignedEnvelope(envelope);
    assert.throws(() => openEnvelope(crypto, key.publicKey, unsigned), (e) => e instanceof DecodeError || e instanceof ChatError);
    assert.throws(() => decodeUnsignedEnvelope(signEnvelope(crypto, key.secretKey, envelope)), DecodeError);
    assert.throws(() => decodeUnsignedEnvelope(unsigned.subarray(0, unsigned.length - 1)), DecodeError);
  });

  test('the mode content: a proposal or an answer, on or off; other flag values are refused', () => {
    for (const offTheRecord of [true, false]) {
      for (const answer of [true, false]) {
        const content = { type: 'mode', offTheRecord, answer } as const;
        const bytes = encodeContent(content);
        assert.deepEqual([...bytes], [9, offTheRecord ? 1 : 0, answer ? 1 : 0]);
        assert.deepEqual(decodeContent(bytes), content);
      }
    }
    assert.throws(() => decodeContent(Uint8Array.of(9, 2, 0)), DecodeError);
    assert.throws(() => decodeContent(Uint8Array.of(9, 1)), DecodeError);
  });

  test('an off-the-record invitation is kind 3 under the invite path', () => {
    const keys = { dh: new Uint8Array(32).fill(1), kem: new Uint8Array(1184).fill(2), sig: new Uint8Array(32).fill(3) };
    const invitation: Invitation = { versions: { min: 2, max: 2 }, kind: 'off-the-record', keys, queues: [{ relay: 'emp://' + 'A'.repeat(43) + '@relay.example:5223', senderId: new Uint8Array(24).fill(4) }] };
    assert.equal(encodeInvitation(invitation)[2], 3);
    assert.deepEqual(decodeInvitation(encodeInvitation(invitation)), invitation);
    const link = formatInvitationLink(invitation);
    assert.ok(link.startsWith('graphchat:/invite#'));
    assert.deepEqual(parseInvitationLink(link), invitation);
  });
});
