// Envelope content (graph-chat §4.2, §4.3): encodeContent/decodeContent
// round trips, the layout of each type, and the limits on receipts, queues,
// sender keys, text and profiles, as RangeError, TOO_LARGE or DecodeError.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../bytes.js';
import { assertPrefixesFail, contentArb, FP, isChatError, isDecodeError, RELAY, sampleInvitation } from '../test-support/chat-codec.js';
import { decodeContent, encodeContent, MAX_IMAGE_BYTES, MAX_TEXT_BYTES, type Content, type ProfileContent } from './content.js';
import { encodeInvitation } from './invitation.js';
import type { QueueAddress } from './queue-address.js';

const profile: ProfileContent = { displayName: 'Alice' };
const queue: QueueAddress = { relay: RELAY, senderId: new Uint8Array(24).fill(7) };


describe('content encoding', () => {
  test('decodeContent() inverts encodeContent()', () => {
    fc.assert(fc.property(contentArb, (content) => assert.deepEqual(decodeContent(encodeContent(content)), content)), { numRuns: 300 });
  });

  test('receipts: 2..128 of them, each seq and hash', () => {
    const receipt = (seq: number) => ({ seq, hash: new Uint8Array(32).fill(seq) });
    const content: Content = { type: 'receipts', receipts: [receipt(1), receipt(2)] };
    const bytes = encodeContent(content);
    assert.deepEqual([...bytes.subarray(0, 6)], [8, 2, 0, 0, 0, 1]);
    assert.equal(bytes.length, 2 + 2 * 36);
    assert.deepEqual(decodeContent(bytes), content);
    const many = { type: 'receipts' as const, receipts: Array.from({ length: 128 }, (_, i) => receipt(i + 1)) };
    assert.deepEqual(decodeContent(encodeContent(many)), many);
    for (const count of [0, 1, 129]) {
      assert.throws(() => encodeContent({ type: 'receipts', receipts: Array.from({ length: count }, (_, i) => receipt(i + 1)) }), RangeError);
      assert.throws(() => decodeContent(concatBytes(Uint8Array.of(8, count), ...Array.from({ length: count }, (_, i) => concatBytes(Uint8Array.of(0, 0, 0, i + 1), receipt(i + 1).hash)))), isDecodeError);
    }
    assert.throws(() => decodeContent(concatBytes(bytes.subarray(0, 2), new Uint8Array(4), bytes.subarray(6))), isDecodeError, 'seq 0');
    assert.throws(() => decodeContent(bytes.subarray(0, bytes.length - 1)), isDecodeError);
  });

  test('a request carries a one-time invitation and a profile', () => {
    const request: Content = { type: 'request', invitation: sampleInvitation(), profile: { displayName: 'Bo' } };
    const bytes = encodeContent(request);
    assert.deepEqual(decodeContent(bytes), request);
    const invitationBytes = encodeInvitation(sampleInvitation());
    assert.deepEqual([...bytes.subarray(0, 3)], [7, invitationBytes.length >> 8, invitationBytes.length & 0xff]);
    const address = { ...sampleInvitation(), kind: 'contact-address' as const };
    assert.throws(() => encodeContent({ type: 'request', invitation: address, profile: { displayName: 'Bo' } }), RangeError);
    const forged = concatBytes(Uint8Array.of(7), bytes.subarray(1, 3), encodeInvitation(address), bytes.subarray(3 + invitationBytes.length));
    assert.throws(() => decodeContent(forged), isDecodeError);
    assert.throws(() => decodeContent(bytes.subarray(0, bytes.length - 1)), isDecodeError);
  });

  test('layouts of hello, text, receipt and profile', () => {
    assert.deepEqual([...encodeContent({ type: 'hello' })], [3]);
    assert.deepEqual([...encodeContent({ type: 'text', text: 'hi' })], [4, 0, 2, 0x68, 0x69]);
    assert.deepEqual([...encodeContent({ type: 'receipt', seq: 258, hash: new Uint8Array(32).fill(0xaa) })], [5, 0, 0, 1, 2, ...new Array(32).fill(0xaa)]);
    assert.deepEqual([...encodeContent({ type: 'profile', profile: { displayName: 'A', status: 'x' } })], [6, 0, 1, 0x41, 0, 0, 1, 0, 1, 0x78]);
  });

  test('unknown type, truncation, trailing bytes and bad presence flags are DecodeError', () => {
    for (const tag of [0, 9, 14, 255]) assert.throws(() => decodeContent(Uint8Array.of(tag)), isDecodeError);
    const full: Content = {
      type: 'confirm',
      replyQueues: [queue, queue],
      senderKeys: [new Uint8Array(32)],
      profile: { displayName: 'Bob', fullName: 'Bob B', image: Uint8Array.of(1, 2, 3), status: 'here' },
    };
    const encoded = encodeContent(full);
    assertPrefixesFail(encoded, decodeContent);
    assert.throws(() => decodeContent(concatBytes(encoded, Uint8Array.of(0))), isDecodeError);
    assert.throws(() => decodeContent(Uint8Array.of(3, 0)), isDecodeError);
    assert.throws(() => decodeContent(Uint8Array.of(6, 0, 1, 0x41, 2, 0, 0)), isDecodeError);
    assert.throws(() => decodeContent(Uint8Array.of(6, 0, 1, 0x41, 0, 0)), isDecodeError);
  });

  test('counts: 0 or 9 queues or sender keys are rejected', () => {
    const key = new Uint8Array(32);
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(2, 0), encodeContent({ type: 'profile', profile }).subarray(1))), isDecodeError);
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(2, 9), ...new Array(9).fill(key), encodeContent({ type: 'profile', profile }).subarray(1))), isDecodeError);
    assert.throws(() => encodeContent({ type: 'reply', senderKeys: [], profile }), RangeError);
    assert.throws(() => encodeContent({ type: 'reply', senderKeys: new Array(9).fill(key), profile }), RangeError);
    assert.throws(() => encodeContent({ type: 'reply', senderKeys: [new Uint8Array(31)], profile }), RangeError);
    assert.throws(() => encodeContent({ type: 'confirm', replyQueues: new Array(9).fill(queue), senderKeys: [key], profile }), RangeError);
    assert.throws(() => encodeContent({ type: 'confirm', replyQueues: [], senderKeys: [key], profile }), RangeError);
    assert.throws(() => encodeContent({ type: 'confirm', replyQueues: [{ relay: `emp://${FP}:pw@relay.example.com`, senderId: new Uint8Array(24) }], senderKeys: [key], profile }), RangeError);
  });

  test('queue moves (§8.6): layouts of queues-add, queues-keys, queues-use and queues-test, and their limits', () => {
    const id = (n: number) => new Uint8Array(24).fill(n);
    const key = (n: number) => new Uint8Array(32).fill(n);
    const addHash = new Uint8Array(32).fill(0xa5);
    const add: Content = { type: 'queues-add', queues: [queue] };
    const relay = new TextEncoder().encode(RELAY);
    assert.deepEqual(encodeContent(add), concatBytes(Uint8Array.of(10, 1, relay.length), relay, id(7)));
    assert.deepEqual(encodeContent({ type: 'queues-keys', addHash, senderKeys: [key(1), key(2)] }), concatBytes(Uint8Array.of(11), addHash, Uint8Array.of(2), key(1), key(2)));
    assert.deepEqual(encodeContent({ type: 'queues-use', use: [id(1), id(2)], retire: [id(3)] }), concatBytes(Uint8Array.of(12, 2), id(1), id(2), Uint8Array.of(1), id(3)));
    assert.deepEqual(encodeContent({ type: 'queues-use', use: [id(1)], retire: [] }), concatBytes(Uint8Array.of(12, 1), id(1), Uint8Array.of(0)));
    assert.deepEqual([...encodeContent({ type: 'queues-test' })], [13]);
    const eight = Array.from({ length: 8 }, (_, i) => id(i));
    for (const content of [
      add,
      { type: 'queues-add', queues: new Array(8).fill(queue) },
      { type: 'queues-keys', addHash, senderKeys: Array.from({ length: 8 }, (_, i) => key(i)) },
      { type: 'queues-keys', addHash: key(3), senderKeys: [key(4)] },
      { type: 'queues-use', use: eight, retire: eight },
      { type: 'queues-use', use: [id(1)], retire: [] },
      { type: 'queues-test' },
    ] as const satisfies readonly Content[]) {
      const bytes = encodeContent(content);
      assert.deepEqual(decodeContent(bytes), content);
      assertPrefixesFail(bytes, decodeContent);
      assert.throws(() => decodeContent(concatBytes(bytes, Uint8Array.of(0))), isDecodeError, `${content.type} with a trailing byte`);
    }
    // Counts: queues and keys 1..8, use 1..8, retire 0..8; ids of 24 bytes, keys and the queues-add hash of 32.
    assert.throws(() => encodeContent({ type: 'queues-add', queues: [] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-add', queues: new Array(9).fill(queue) }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-keys', addHash, senderKeys: [] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-keys', addHash, senderKeys: new Array(9).fill(key(1)) }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-keys', addHash, senderKeys: [new Uint8Array(31)] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-keys', addHash: new Uint8Array(31), senderKeys: [key(1)] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-keys', addHash: new Uint8Array(33), senderKeys: [key(1)] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-keys', addHash: new Uint8Array(0), senderKeys: [key(1)] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-use', use: [], retire: [] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-use', use: new Array(9).fill(id(1)), retire: [] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-use', use: [id(1)], retire: new Array(9).fill(id(1)) }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-use', use: [new Uint8Array(23)], retire: [] }), RangeError);
    assert.throws(() => encodeContent({ type: 'queues-use', use: [id(1)], retire: [new Uint8Array(25)] }), RangeError);
    assert.throws(() => decodeContent(Uint8Array.of(10, 0)), isDecodeError);
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(10, 9), ...new Array(9).fill(encodeContent(add).subarray(2)))), isDecodeError);
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(11), addHash, Uint8Array.of(0))), isDecodeError, 'key count 0');
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(11), addHash, Uint8Array.of(9), ...new Array(9).fill(key(1)))), isDecodeError, 'key count 9');
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(11), addHash.subarray(1))), isDecodeError, 'hash of 31 bytes');
    // Without its hash, a count and one key read as a 32-byte hash and a count past the key: short.
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(11, 1), key(1))), isDecodeError, 'no hash');
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(12, 0, 0))), isDecodeError, 'use count 0');
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(12, 9), ...new Array(9).fill(id(1)), Uint8Array.of(0))), isDecodeError, 'use count 9');
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(12, 1), id(1), Uint8Array.of(9), ...new Array(9).fill(id(1)))), isDecodeError, 'retire count 9');
    assert.throws(() => decodeContent(concatBytes(Uint8Array.of(12, 1), id(1).subarray(1), Uint8Array.of(0))), isDecodeError, 'id of 23 bytes');
  });

  test('text: a lone surrogate is RangeError; far more code units than bytes allowed is TOO_LARGE', () => {
    assert.throws(() => encodeContent({ type: 'text', text: 'a\ud800b' }), (e: unknown) => e instanceof RangeError);
    assert.throws(() => encodeContent({ type: 'text', text: 'x'.repeat(MAX_TEXT_BYTES + 1) }), isChatError('TOO_LARGE'));
    assert.throws(() => encodeContent({ type: 'text', text: '€'.repeat(MAX_TEXT_BYTES) }), isChatError('TOO_LARGE'));
    for (const text of ['', 'ü€😀', 'x'.repeat(300)]) assert.deepEqual(decodeContent(encodeContent({ type: 'text', text })), { type: 'text', text });
  });

  test('text up to 15,000 bytes; longer is TOO_LARGE to encode and DecodeError to decode', () => {
    const max = 'é'.repeat(MAX_TEXT_BYTES / 2);
    assert.equal(decodeContent(encodeContent({ type: 'text', text: max })).type, 'text');
    assert.throws(() => encodeContent({ type: 'text', text: max + 'x' }), isChatError('TOO_LARGE'));
    const over = concatBytes(Uint8Array.of(4, 0x3a, 0x99), new Uint8Array(15001).fill(0x61));
    assert.throws(() => decodeContent(over), isDecodeError);
    assert.throws(() => decodeContent(Uint8Array.of(4, 0, 1, 0xff)), isDecodeError, 'invalid UTF-8');
    assert.throws(() => encodeContent({ type: 'text', text: '\ud800' }), RangeError);
  });

  test('profile limits: display name 1..100 characters without control characters, texts 1..500 bytes, image 1..12,000 bytes', () => {
    const ok = (p: ProfileContent) => decodeContent(encodeContent({ type: 'profile', profile: p }));
    ok({ displayName: '😀'.repeat(100), fullName: 'x'.repeat(500), status: 'line\nline', image: new Uint8Array(MAX_IMAGE_BYTES) });
    assert.throws(() => ok({ displayName: 'x'.repeat(101) }), isChatError('TOO_LARGE'));
    assert.throws(() => ok({ displayName: '' }), RangeError);
    assert.throws(() => ok({ displayName: 'a\nb' }), RangeError);
    assert.throws(() => ok({ displayName: 'a\u0085b' }), RangeError);
    assert.throws(() => ok({ displayName: 'A', fullName: 'x'.repeat(501) }), isChatError('TOO_LARGE'));
    assert.throws(() => ok({ displayName: 'A', fullName: '' }), RangeError);
    assert.throws(() => ok({ displayName: 'A', fullName: 'a\tb' }), RangeError);
    assert.throws(() => ok({ displayName: 'A', status: 'x'.repeat(501) }), isChatError('TOO_LARGE'));
    assert.throws(() => ok({ displayName: 'A', image: new Uint8Array(MAX_IMAGE_BYTES + 1) }), isChatError('TOO_LARGE'));
    assert.throws(() => ok({ displayName: 'A', image: new Uint8Array(0) }), RangeError);

    const raw = (name: Uint8Array, rest: number[] = [0, 0, 0]) => concatBytes(Uint8Array.of(6, name.length >> 8, name.length & 0xff), name, Uint8Array.of(...rest));
    assert.throws(() => decodeContent(raw(new Uint8Array(0))), isDecodeError);
    assert.throws(() => decodeContent(raw(new TextEncoder().encode('x'.repeat(101)))), isDecodeError);
    assert.throws(() => decodeContent(raw(Uint8Array.of(0x61, 0x0a))), isDecodeError);
    const name = Uint8Array.of(0x41);
    assert.throws(() => decodeContent(raw(name, [1, 0, 0, 0, 0])), isDecodeError, 'empty full name');
    assert.throws(() => decodeContent(raw(name, [1, 0, 1, 0x09, 0, 0])), isDecodeError, 'control character in full name');
    assert.throws(() => decodeContent(raw(name, [0, 1, 0, 0, 0])), isDecodeError, 'empty image');
    assert.throws(() => decodeContent(concatBytes(raw(name, [0, 1, 0x2e, 0xe1]), new Uint8Array(12001), Uint8Array.of(0))), isDecodeError, 'image too large');
    assert.throws(() => decodeContent(concatBytes(raw(name, [0, 0, 1, 0x01, 0xf5]), new Uint8Array(501).fill(0x61))), isDecodeError, 'status too long');
  });
});
