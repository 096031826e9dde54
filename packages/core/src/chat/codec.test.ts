import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromBase64url, toBase64url } from '../bytes.js';
import { nobleCrypto } from '../crypto/noble.js';
import { formatRelayAddress } from '../emp/address.js';
import { DecodeError } from '../errors.js';
import { decodeContent, encodeContent, MAX_IMAGE_BYTES, MAX_TEXT_BYTES, type Content, type ProfileContent } from './content.js';
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
import { ChatError, type ChatErrorCode } from './errors.js';
import {
  CHAT_VERSIONS,
  decodeInvitation,
  encodeInvitation,
  formatInvitationLink,
  formatInvitationWebLink,
  parseInvitationLink,
  type Invitation,
} from './invitation.js';
import { queueRelay, type QueueAddress } from './queue-address.js';
import { BATCH_OVERHEAD, batchQueueBodies, decodeQueueBody, encodeQueueBody, type QueueBody } from './queue-body.js';

const crypto = nobleCrypto;
const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;
const isChatError = (code: ChatErrorCode) => (error: unknown): boolean => error instanceof ChatError && error.code === code;
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const FP = toBase64url(new Uint8Array(32).fill(9));
const RELAY = `emp://${FP}@relay.example.com`;

// ---------------------------------------------------------------- arbitraries

const relayArb = fc
  .record(
    {
      fingerprint: bytes(32),
      host: fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`)),
      port: fc.oneof(fc.constant(443), fc.integer({ min: 1, max: 65535 })),
      tls: fc.boolean(),
    },
    { noNullPrototype: true },
  )
  .map((address) => formatRelayAddress({ ...address, password: '' }))
  .filter((relay) => relay.length <= 255);
const queueArb: fc.Arbitrary<QueueAddress> = fc.record({ relay: relayArb, senderId: bytes(24) }, { noNullPrototype: true });
const queuesArb = fc.array(queueArb, { minLength: 1, maxLength: 8 });
const keysArb = fc.record({ dh: bytes(32), kem: bytes(1184), sig: bytes(32) }, { noNullPrototype: true });
const invitationArb: fc.Arbitrary<Invitation> = fc.record(
  {
    versions: fc.constant({ min: 1, max: 1 }),
    kind: fc.constantFrom('one-time' as const, 'contact-address' as const),
    keys: keysArb,
    queues: queuesArb,
  },
  { noNullPrototype: true },
);

const noControl = (s: string): boolean => !/[\u0000-\u001f\u007f-\u009f]/.test(s);
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
const displayNameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((s) => noControl(s) && [...s].length <= 100 && s.length > 0);
const profileTextArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => utf8Length(s) <= 500);
const profileArb: fc.Arbitrary<ProfileContent> = fc.record(
  {
    displayName: displayNameArb,
    fullName: profileTextArb.filter(noControl),
    image: fc.uint8Array({ minLength: 1, maxLength: 300 }),
    status: profileTextArb,
  },
  { requiredKeys: ['displayName'], noNullPrototype: true },
);
const senderKeysArb = fc.array(bytes(32), { minLength: 1, maxLength: 8 });
const contentArb: fc.Arbitrary<Content> = fc.oneof(
  fc.record({ type: fc.constant('confirm' as const), replyQueues: queuesArb, senderKeys: senderKeysArb, profile: profileArb }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('reply' as const), senderKeys: senderKeysArb, profile: profileArb }, { noNullPrototype: true }),
  fc.constant({ type: 'hello' as const }),
  fc.record({ type: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', maxLength: 200 }) }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('receipt' as const), seq: fc.integer({ min: 1, max: 0xffffffff }), hash: bytes(32) }, { noNullPrototype: true }),
  fc.record({ type: fc.constant('profile' as const), profile: profileArb }, { noNullPrototype: true }),
);
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

function sampleInvitation(queues: readonly QueueAddress[] = [{ relay: RELAY, senderId: new Uint8Array(24).fill(5) }]): Invitation {
  return {
    versions: { min: 1, max: 1 },
    kind: 'one-time',
    keys: { dh: new Uint8Array(32).fill(1), kem: new Uint8Array(1184).fill(2), sig: new Uint8Array(32).fill(3) },
    queues,
  };
}

/** Every strict prefix of `encoded` fails to decode with DecodeError. */
function assertPrefixesFail(encoded: Uint8Array, decode: (b: Uint8Array) => unknown, step = 1): void {
  for (let n = 0; n < encoded.length; n += step) assert.throws(() => decode(encoded.subarray(0, n)), isDecodeError, `prefix of ${n} bytes`);
}

// ---------------------------------------------------------------- invitations

describe('invitation encoding', () => {
  test('decodeInvitation() inverts encodeInvitation()', () => {
    fc.assert(fc.property(invitationArb, (invitation) => assert.deepEqual(decodeInvitation(encodeInvitation(invitation)), invitation)), { numRuns: 100 });
  });

  test('the layout is ver_min ver_max kind keys nqueues (len relay senderId)*', () => {
    const encoded = encodeInvitation(sampleInvitation());
    assert.deepEqual([...encoded.subarray(0, 3)], [1, 1, 1]);
    assert.equal(encoded[3], 1, 'agreement version of the keys');
    assert.equal(encoded[3 + 1249], 1, 'one queue');
    assert.equal(encoded[3 + 1249 + 1], RELAY.length);
    assert.equal(new TextDecoder().decode(encoded.subarray(1254, 1254 + RELAY.length)), RELAY);
    assert.equal(encoded.length, 3 + 1249 + 1 + 1 + RELAY.length + 24);
  });

  test('every truncation and a trailing byte are rejected with DecodeError', () => {
    const encoded = encodeInvitation(sampleInvitation());
    assertPrefixesFail(encoded, decodeInvitation);
    assert.throws(() => decodeInvitation(concatBytes(encoded, Uint8Array.of(0))), isDecodeError);
  });

  test('version ranges: malformed ranges are DecodeError, ranges without version 1 are UNSUPPORTED_VERSION', () => {
    const encoded = encodeInvitation(sampleInvitation());
    const withVersions = (min: number, max: number) => concatBytes(Uint8Array.of(min, max), encoded.subarray(2));
    assert.throws(() => decodeInvitation(withVersions(0, 1)), isDecodeError);
    assert.throws(() => decodeInvitation(withVersions(2, 1)), isDecodeError);
    assert.throws(() => decodeInvitation(withVersions(2, 3)), isChatError('UNSUPPORTED_VERSION'));
    // Checked before the rest, so a future layout after the versions still gives UNSUPPORTED_VERSION.
    assert.throws(() => decodeInvitation(Uint8Array.of(2, 2, 99)), isChatError('UNSUPPORTED_VERSION'));
    assert.deepEqual(decodeInvitation(withVersions(1, 5)).versions, { min: 1, max: 5 });
    assert.deepEqual(CHAT_VERSIONS, { min: 1, max: 1 });
  });

  test('unknown kinds, bad key versions, queue counts 0 and 9 are rejected', () => {
    const encoded = encodeInvitation(sampleInvitation());
    for (const kind of [0, 4, 255]) assert.throws(() => decodeInvitation(concatBytes(encoded.subarray(0, 2), Uint8Array.of(kind), encoded.subarray(3))), isDecodeError);
    const badKeys = encoded.slice();
    badKeys[3] = 2;
    assert.throws(() => decodeInvitation(badKeys), isDecodeError);
    const zero = encodeInvitation(sampleInvitation()).slice(0, 1252);
    assert.throws(() => decodeInvitation(concatBytes(zero, Uint8Array.of(0))), isDecodeError);
    const queue = encoded.subarray(1253);
    const nine = concatBytes(encoded.subarray(0, 1252), Uint8Array.of(9), ...Array.from({ length: 9 }, () => queue));
    assert.throws(() => decodeInvitation(nine), isDecodeError);
    const eight = concatBytes(encoded.subarray(0, 1252), Uint8Array.of(8), ...Array.from({ length: 8 }, () => queue));
    assert.equal(decodeInvitation(eight).queues.length, 8);
    assert.throws(() => encodeInvitation(sampleInvitation(Array.from({ length: 9 }, () => sampleInvitation().queues[0]!))), RangeError);
    assert.throws(() => encodeInvitation(sampleInvitation([])), RangeError);
  });

  test('relays with a password, non-canonical relays and non-relays are rejected', () => {
    const senderId = new Uint8Array(24);
    const withRelay = (relay: string) => {
      const base = encodeInvitation(sampleInvitation()).subarray(0, 1252);
      const text = new TextEncoder().encode(relay);
      return concatBytes(base, Uint8Array.of(1, text.length), text, senderId);
    };
    assert.equal(decodeInvitation(withRelay(RELAY)).queues[0]!.relay, RELAY);
    for (const relay of [
      `emp://${FP}:secret@relay.example.com`,
      `emp://${FP}:@relay.example.com`,
      `emp://${FP}@relay.example.com:443`,
      ` ${RELAY}`,
      `emp://${FP}@relay.example.com?tls=1`,
      'https://relay.example.com',
      '',
    ]) {
      assert.throws(() => decodeInvitation(withRelay(relay)), isDecodeError, relay);
      assert.throws(() => encodeInvitation(sampleInvitation([{ relay, senderId }])), RangeError, relay);
    }
    const invalidUtf8 = concatBytes(encodeInvitation(sampleInvitation()).subarray(0, 1252), Uint8Array.of(1, 1, 0xff), senderId);
    assert.throws(() => decodeInvitation(invalidUtf8), isDecodeError);
    assert.throws(() => encodeInvitation(sampleInvitation([{ relay: RELAY, senderId: new Uint8Array(23) }])), RangeError);
  });

  test('queueRelay() drops the password and canonicalises', () => {
    assert.equal(queueRelay(`  emp://${FP}:p%40ss@relay.example.com:443 `), RELAY);
    assert.equal(queueRelay(`emp://${FP}:pw@localhost:5223`), `emp://${FP}@localhost:5223`);
  });

  test('decodeInvitation() returns an invitation or throws DecodeError/ChatError for arbitrary mutations', () => {
    const encoded = encodeInvitation(sampleInvitation());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: encoded.length - 1 }), fc.integer({ min: 0, max: 255 }), (index, value) => {
        const mutated = encoded.slice();
        mutated[index] = value;
        try {
          assert.deepEqual(encodeInvitation(decodeInvitation(mutated)), mutated);
        } catch (error) {
          assert.ok(isDecodeError(error) || error instanceof ChatError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('invitation links', () => {
  const invitation = sampleInvitation();
  const payload = toBase64url(encodeInvitation(invitation));
  const contact: Invitation = { ...invitation, kind: 'contact-address' };
  const contactPayload = toBase64url(encodeInvitation(contact));

  test('formatInvitationLink() gives graphchat:/invite# or graphchat:/contact# and parses back', () => {
    assert.equal(formatInvitationLink(invitation), `graphchat:/invite#${payload}`);
    assert.equal(formatInvitationLink(contact), `graphchat:/contact#${contactPayload}`);
    fc.assert(fc.property(invitationArb, (i) => assert.deepEqual(parseInvitationLink(formatInvitationLink(i)), i)), { numRuns: 50 });
  });

  test('https links with any host and path ending in the kind are accepted, whitespace trimmed', () => {
    for (const link of [
      `https://example.org/invite#${payload}`,
      `https://chat.example.org:8443/a/b/invite?lang=en#${payload}`,
      `HTTPS://example.org/invite#${payload}`,
      `GraphChat:/invite#${payload}`,
      `\n  graphchat:/invite#${payload} \t`,
      `\r\n\t graphchat:/invite#${payload}\r\n`,
    ]) {
      assert.deepEqual(parseInvitationLink(link), invitation, link);
    }
    assert.deepEqual(parseInvitationLink(`https://example.org/x/contact#${contactPayload}`), contact);
    assert.equal(formatInvitationWebLink(invitation, 'https://example.org/g'), `https://example.org/g/invite#${payload}`);
    assert.equal(formatInvitationWebLink(contact, 'https://example.org/'), `https://example.org/contact#${contactPayload}`);
    assert.throws(() => formatInvitationWebLink(invitation, 'http://example.org/'), RangeError);
  });

  test('anything else is BAD_LINK', () => {
    for (const link of [
      '',
      payload,
      `graphchat:/invite`,
      `graphchat:/invite#`,
      `graphchat://invite#${payload}`,
      `graphchat:/Invite#${payload}`,
      `graphchat:/join#${payload}`,
      `http://example.org/invite#${payload}`,
      `https://example.org/invite?x#`,
      `https://example.org/invites#${payload}`,
      `https://example.org/invite/#${payload}`,
      `https://example.org#${payload}`,
      `https://example.org/invite/${payload}`,
      `https:///invite#${payload}`,
      `graphchat:/invite#${payload}=`,
      `graphchat:/invite#${payload.slice(0, 10)} ${payload.slice(10)}`,
      `graphchat:/invite#${payload}!`,
      `graphchat:/contact#${payload}`,
      `https://example.org/invite#${contactPayload}`,
      // Only space, tab, LF and CR are ignored around a link (§2.3).
      `\u00a0graphchat:/invite#${payload}`,
      `graphchat:/invite#${payload}\ufeff`,
      `\u000bgraphchat:/invite#${payload}\u000c`,
      `graphchat:/invite#${payload}\u2028`,
      `https://exa mple.org/invite#${payload}`,
    ]) {
      assert.throws(() => parseInvitationLink(link), isChatError('BAD_LINK'), link);
    }
  });

  test('a well-formed link with a malformed payload fails as decodeInvitation does', () => {
    const truncated = toBase64url(encodeInvitation(invitation).subarray(0, 100));
    assert.throws(() => parseInvitationLink(`graphchat:/invite#${truncated}`), isDecodeError);
    const future = toBase64url(Uint8Array.of(2, 2, 1));
    assert.throws(() => parseInvitationLink(`graphchat:/invite#${future}`), isChatError('UNSUPPORTED_VERSION'));
    assert.deepEqual(fromBase64url(payload), encodeInvitation(invitation));
  });
});

// ---------------------------------------------------------------- content and envelopes

const profile: ProfileContent = { displayName: 'Alice' };
const queue: QueueAddress = { relay: RELAY, senderId: new Uint8Array(24).fill(7) };
const textEnvelope = (text: string): Envelope => ({ seq: 1, timestamp: 1, prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content: { type: 'text', text } });

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
    for (const tag of [0, 9, 255]) assert.throws(() => decodeContent(Uint8Array.of(tag)), isDecodeError);
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

// ---------------------------------------------------------------- queue bodies

describe('queue bodies', () => {
  const header = new Uint8Array(40).fill(4);
  const ciphertext = new Uint8Array(16 + 256).fill(5);
  const keys = { dh: new Uint8Array(32).fill(1), ephemeral: new Uint8Array(32).fill(2), sig: new Uint8Array(32).fill(3), ciphertext: new Uint8Array(1088).fill(6) };
  const confirmation: QueueBody = { type: 'confirmation', keys, header, ciphertext };
  const message: QueueBody = { type: 'message', header, ciphertext };
  const ciphertextArb = fc.integer({ min: 1, max: 56 }).chain((blocks) => bytes(16 + 256 * blocks));

  test('decodeQueueBody() inverts encodeQueueBody()', () => {
    fc.assert(
      fc.property(bytes(40), ciphertextArb, (h, c) => assert.deepEqual(decodeQueueBody(encodeQueueBody({ type: 'message', header: h, ciphertext: c })), { type: 'message', header: h, ciphertext: c })),
      { numRuns: 50 },
    );
    assert.deepEqual(decodeQueueBody(encodeQueueBody(confirmation)), confirmation);
  });

  test('layouts: version 1, tag, [confirmation keys], header, ciphertext', () => {
    const m = encodeQueueBody(message);
    assert.deepEqual([...m.subarray(0, 3)], [1, 2, 4]);
    assert.equal(m.length, 2 + 40 + 272);
    const c = encodeQueueBody(confirmation);
    assert.deepEqual([...c.subarray(0, 4)], [1, 1, 1, 1]);
    assert.equal(c.length, 2 + 1185 + 40 + 272);
  });

  test('unknown version or tag, truncation, bad confirmation keys and bad ciphertext lengths are DecodeError', () => {
    const c = encodeQueueBody(confirmation);
    const m = encodeQueueBody(message);
    assertPrefixesFail(c, decodeQueueBody);
    assertPrefixesFail(m, decodeQueueBody);
    for (const [version, tag] of [[0, 1], [2, 2], [1, 0], [1, 4]] as const) {
      assert.throws(() => decodeQueueBody(concatBytes(Uint8Array.of(version, tag), m.subarray(2))), isDecodeError);
    }
    const badKeys = c.slice();
    badKeys[2] = 2;
    assert.throws(() => decodeQueueBody(badKeys), isDecodeError);
    assert.throws(() => decodeQueueBody(concatBytes(m, Uint8Array.of(0))), isDecodeError, 'trailing byte');
    assert.throws(() => decodeQueueBody(concatBytes(m, new Uint8Array(256 * 62))), isDecodeError, 'over 16,000 bytes');
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(271) }), RangeError);
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(16) }), RangeError);
    assert.throws(() => encodeQueueBody({ ...message, header: new Uint8Array(39) }), RangeError);
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(16 + 256 * 63) }), isChatError('TOO_LARGE'));
  });

  test('a batch decodes to its messages, in order, and is the batch of their encoded bodies', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes(40), fc.integer({ min: 1, max: 4 }).chain((blocks) => bytes(16 + 256 * blocks))), { minLength: 2, maxLength: 10 }), (pairs) => {
        const messages = pairs.map(([h, c]) => ({ header: h, ciphertext: c }));
        const encoded = encodeQueueBody({ type: 'batch', messages });
        assert.deepEqual(decodeQueueBody(encoded), { type: 'batch', messages });
        const bodies = messages.map((m) => encodeQueueBody({ type: 'message', ...m }));
        assert.deepEqual(batchQueueBodies(bodies), encoded);
        assert.equal(encoded.length, BATCH_OVERHEAD + bodies.reduce((sum, body) => sum + body.length, 0));
      }),
      { numRuns: 30 },
    );
  });

  test('batch layout: version 1, tag 3, then length:u16 || header || ciphertext per message', () => {
    const other = { header: new Uint8Array(40).fill(7), ciphertext: new Uint8Array(16 + 512).fill(8) };
    const b = encodeQueueBody({ type: 'batch', messages: [{ header, ciphertext }, other] });
    assert.deepEqual([...b.subarray(0, 5)], [1, 3, 0x01, 0x38, 4]); // 0x0138 = 40 + 272
    assert.equal(b[2 + 2 + 312], 0x02); // 40 + 528 = 0x0238
    assert.equal(b[2 + 2 + 312 + 1], 0x38);
    assert.equal(b.length, 2 + (2 + 312) + (2 + 568));
  });

  test('a batch of fewer than 2, of other bodies, or with a bad item or length is refused', () => {
    const m = encodeQueueBody(message);
    const b = batchQueueBodies([m, m]);
    assertPrefixesFail(b, decodeQueueBody);
    assert.throws(() => decodeQueueBody(b.subarray(0, 2 + 2 + 312)), isDecodeError, 'one message');
    assert.throws(() => decodeQueueBody(Uint8Array.of(1, 3)), isDecodeError, 'no message');
    assert.throws(() => decodeQueueBody(concatBytes(b, Uint8Array.of(0))), isDecodeError, 'trailing byte');
    const longer = b.slice();
    longer[3]! += 1;
    assert.throws(() => decodeQueueBody(longer), isDecodeError, 'item length off by one');
    const shortItem = concatBytes(b, Uint8Array.of(0, 39), new Uint8Array(39));
    assert.throws(() => decodeQueueBody(shortItem), isDecodeError, 'item shorter than a header');
    assert.throws(() => batchQueueBodies([m]), RangeError);
    assert.throws(() => encodeQueueBody({ type: 'batch', messages: [{ header, ciphertext }] }), RangeError);
    assert.throws(() => batchQueueBodies([m, encodeQueueBody(confirmation)]), RangeError);
    assert.throws(() => batchQueueBodies([m, b]), RangeError);
    const large = encodeQueueBody({ ...message, ciphertext: new Uint8Array(16 + 256 * 32) });
    assert.throws(() => batchQueueBodies([large, large]), isChatError('TOO_LARGE'));
  });

  test('the largest padded plaintexts fit their queue bodies', () => {
    encodeQueueBody({ ...message, ciphertext: new Uint8Array(16 + MAX_MESSAGE_PLAINTEXT) });
    encodeQueueBody({ ...confirmation, ciphertext: new Uint8Array(16 + MAX_CONFIRMATION_PLAINTEXT) });
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(16 + MAX_MESSAGE_PLAINTEXT + 256) }), isChatError('TOO_LARGE'));
    assert.throws(() => encodeQueueBody({ ...confirmation, ciphertext: new Uint8Array(16 + MAX_CONFIRMATION_PLAINTEXT + 256) }), isChatError('TOO_LARGE'));
  });
});
