// Signed envelopes (graph-chat §4): signEnvelope/openEnvelope round trips,
// the layout and the signing context, BAD_SIGNATURE for any change,
// DecodeError for signed but malformed envelopes, the size limits and
// envelopeHash; and padding (§5) to multiples of 256 bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../bytes.js';
import { nobleCrypto } from '../crypto/noble.js';
import { bytes, contentArb, FP, isChatError, isDecodeError } from '../test-support/chat-codec.js';
import { MAX_IMAGE_BYTES, MAX_TEXT_BYTES, type ProfileContent } from './content.js';
import {
  envelopeHash,
  MAX_CONFIRMATION_PLAINTEXT,
  MAX_MESSAGE_PLAINTEXT,
  openEnvelope,
  paddedLength,
  padPlaintext,
  signEnvelope,
  unpadPlaintext,
  ZERO_HASH,
  type Envelope,
} from './envelope.js';

const crypto = nobleCrypto;

const envelopeArb: fc.Arbitrary<Envelope> = fc.record(
  {
    seq: fc.integer({ min: 1, max: 0xffffffff }),
    timestamp: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    prevSentHash: bytes(32),
    lastReceivedHash: bytes(32),
    content: contentArb,
  },
  { noNullPrototype: true },
);

const signer = crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(1));
const other = crypto.ed25519KeyPairFromSeed(new Uint8Array(32).fill(2));
const textEnvelope = (text: string): Envelope => ({ seq: 1, timestamp: 1, prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content: { type: 'text', text } });

describe('envelopes', () => {
  test('openEnvelope() inverts signEnvelope()', () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        const signed = signEnvelope(crypto, signer.secretKey, envelope);
        assert.deepEqual(openEnvelope(crypto, signer.publicKey, signed), envelope);
      }),
      { numRuns: 150 },
    );
  });

  test('the layout is version seq timestamp prevSentHash lastReceivedHash type body signature, signed with the context string', () => {
    const envelope: Envelope = { seq: 0x01020304, timestamp: 1_700_000_000_000, prevSentHash: new Uint8Array(32).fill(0x11), lastReceivedHash: new Uint8Array(32).fill(0x22), content: { type: 'hello' } };
    const signed = signEnvelope(crypto, signer.secretKey, envelope);
    assert.equal(signed.length, 1 + 4 + 8 + 32 + 32 + 1 + 64);
    assert.deepEqual([...signed.subarray(0, 13)], [1, 1, 2, 3, 4, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00]);
    assert.equal(signed[77], 3);
    const message = concatBytes(new TextEncoder().encode('graphchat envelope v1'), signed.subarray(0, 78));
    assert.ok(crypto.ed25519Verify(signer.publicKey, message, signed.subarray(78)));
  });

  test('every flipped bit of the signed envelope is BAD_SIGNATURE; so is another key', () => {
    const signed = signEnvelope(crypto, signer.secretKey, { ...textEnvelope('flip me'), lastReceivedHash: new Uint8Array(32).fill(3) });
    for (let bit = 0; bit < signed.length * 8; bit++) {
      const flipped = signed.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(() => openEnvelope(crypto, signer.publicKey, flipped), isChatError('BAD_SIGNATURE'), `bit ${bit}`);
    }
    assert.throws(() => openEnvelope(crypto, other.publicKey, signed), isChatError('BAD_SIGNATURE'));
    assert.throws(() => openEnvelope(crypto, signer.publicKey, concatBytes(signed, Uint8Array.of(0))), isChatError('BAD_SIGNATURE'));
    assert.throws(() => openEnvelope(crypto, signer.publicKey, signed.subarray(0, 142)), isChatError('BAD_SIGNATURE'));
    assert.throws(() => openEnvelope(crypto, signer.publicKey, signed.subarray(0, 141)), isDecodeError);
  });

  test('correctly signed but malformed envelopes are DecodeError', () => {
    const sign = (unsigned: Uint8Array) =>
      concatBytes(unsigned, crypto.ed25519Sign(signer.secretKey, concatBytes(new TextEncoder().encode('graphchat envelope v1'), unsigned)));
    const unsigned = signEnvelope(crypto, signer.secretKey, { ...textEnvelope('x'), content: { type: 'hello' } }).subarray(0, -64);
    assert.ok(openEnvelope(crypto, signer.publicKey, sign(unsigned)));
    const version = unsigned.slice();
    version[0] = 2;
    assert.throws(() => openEnvelope(crypto, signer.publicKey, sign(version)), isDecodeError);
    const seq0 = unsigned.slice();
    seq0.fill(0, 1, 5);
    assert.throws(() => openEnvelope(crypto, signer.publicKey, sign(seq0)), isDecodeError);
    const bigTime = unsigned.slice();
    bigTime[5] = 0x00;
    bigTime[6] = 0x20;
    assert.throws(() => openEnvelope(crypto, signer.publicKey, sign(bigTime)), isDecodeError, 'timestamp >= 2^53');
    const type = unsigned.slice();
    type[77] = 9;
    assert.throws(() => openEnvelope(crypto, signer.publicKey, sign(type)), isDecodeError);
    assert.throws(() => openEnvelope(crypto, signer.publicKey, sign(concatBytes(unsigned, Uint8Array.of(0)))), isDecodeError);
  });

  test('signEnvelope() refuses invalid fields with RangeError', () => {
    assert.throws(() => signEnvelope(crypto, signer.secretKey, { ...textEnvelope('x'), seq: 0 }), RangeError);
    assert.throws(() => signEnvelope(crypto, signer.secretKey, { ...textEnvelope('x'), seq: 2 ** 32 }), RangeError);
    assert.throws(() => signEnvelope(crypto, signer.secretKey, { ...textEnvelope('x'), timestamp: -1 }), RangeError);
    assert.throws(() => signEnvelope(crypto, signer.secretKey, { ...textEnvelope('x'), prevSentHash: new Uint8Array(31) }), RangeError);
    assert.throws(() => signEnvelope(crypto, signer.secretKey, { ...textEnvelope('x'), lastReceivedHash: new Uint8Array(33) }), RangeError);
    assert.throws(() => signEnvelope(crypto, signer.publicKey, textEnvelope('x')), RangeError);
  });

  test('the largest text fits a message body; a confirm that would not fit a confirmation body is TOO_LARGE', () => {
    const text = signEnvelope(crypto, signer.secretKey, textEnvelope('x'.repeat(MAX_TEXT_BYTES)));
    assert.ok(paddedLength(text.length) <= MAX_MESSAGE_PLAINTEXT);
    assert.equal(MAX_MESSAGE_PLAINTEXT, 15872);
    assert.equal(MAX_CONFIRMATION_PLAINTEXT, 14592);
    const big: ProfileContent = { displayName: 'x'.repeat(100), fullName: 'y'.repeat(500), image: new Uint8Array(MAX_IMAGE_BYTES), status: 'z'.repeat(500) };
    const longRelay = `emp://${FP}@${'r'.repeat(150)}.example.com:65535?tls=1`;
    const confirm: Envelope = { ...textEnvelope(''), content: { type: 'confirm', replyQueues: new Array(8).fill({ relay: longRelay, senderId: new Uint8Array(24) }), senderKeys: new Array(8).fill(new Uint8Array(32)), profile: big } };
    assert.throws(() => signEnvelope(crypto, signer.secretKey, confirm), isChatError('TOO_LARGE'));
    // The same profile fits a profile message and a reply.
    signEnvelope(crypto, signer.secretKey, { ...textEnvelope(''), content: { type: 'profile', profile: big } });
    signEnvelope(crypto, signer.secretKey, { ...textEnvelope(''), content: { type: 'reply', senderKeys: new Array(8).fill(new Uint8Array(32)), profile: big } });
  });

  test('envelopeHash() is SHA-256 of the signed bytes', () => {
    const signed = signEnvelope(crypto, signer.secretKey, textEnvelope('hash me'));
    assert.deepEqual(envelopeHash(crypto, signed), crypto.sha256(signed));
    assert.deepEqual(ZERO_HASH, new Uint8Array(32));
  });
});

describe('padding', () => {
  test('unpadPlaintext() inverts padPlaintext(); lengths are multiples of 256 with under 256 bytes of padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (signed) => {
        const padded = padPlaintext(signed);
        assert.equal(padded.length % 256, 0);
        assert.ok(padded.length - 4 - signed.length < 256 && padded.length >= 4 + signed.length);
        assert.equal(padded.length, paddedLength(signed.length));
        assert.deepEqual(unpadPlaintext(padded), signed);
      }),
      { numRuns: 300 },
    );
    assert.equal(padPlaintext(new Uint8Array(252)).length, 256);
    assert.equal(padPlaintext(new Uint8Array(253)).length, 512);
    assert.deepEqual([...padPlaintext(Uint8Array.of(9)).subarray(0, 6)], [0, 0, 0, 1, 9, 0]);
  });

  test('inconsistent lengths and non-zero padding are DecodeError', () => {
    const padded = padPlaintext(new Uint8Array(10).fill(1));
    assert.throws(() => unpadPlaintext(new Uint8Array(0)), isDecodeError);
    assert.throws(() => unpadPlaintext(padded.subarray(0, 255)), isDecodeError);
    assert.throws(() => unpadPlaintext(concatBytes(padded, new Uint8Array(256))), isDecodeError, 'a whole extra block of padding');
    for (const length of [253, 300, 0xffffffff]) {
      const bad = padded.slice();
      new DataView(bad.buffer).setUint32(0, length);
      assert.throws(() => unpadPlaintext(bad), isDecodeError, `length ${length}`);
    }
    for (const index of [14, 100, 255]) {
      const bad = padded.slice();
      bad[index] = 1;
      assert.throws(() => unpadPlaintext(bad), isDecodeError, `padding byte ${index}`);
    }
  });
});
