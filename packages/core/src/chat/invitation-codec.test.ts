// Invitations (graph-chat §2): encodeInvitation/decodeInvitation round trips,
// the byte layout, rejection of truncated, malformed and unsupported
// invitations and of relays that are not canonical; and invitation links,
// graphchat:/ and https, with everything else BAD_LINK.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromBase64url, toBase64url } from '../bytes.js';
import { assertPrefixesFail, bytes, FP, isChatError, isDecodeError, queuesArb, RELAY, sampleInvitation } from '../test-support/chat-codec.js';
import { ChatError } from './errors.js';
import {
  CHAT_VERSIONS,
  commonChatVersion,
  decodeInvitation,
  encodeInvitation,
  formatInvitationLink,
  formatInvitationWebLink,
  parseInvitationLink,
  type Invitation,
} from './invitation.js';
import { queueRelay } from './queue-address.js';

const keysArb = fc.record({ dh: bytes(32), kem: bytes(1184), sig: bytes(32) }, { noNullPrototype: true });
const invitationArb: fc.Arbitrary<Invitation> = fc.record(
  {
    versions: fc.constant({ min: 2, max: 2 }),
    kind: fc.constantFrom('one-time' as const, 'contact-address' as const),
    keys: keysArb,
    queues: queuesArb,
  },
  { noNullPrototype: true },
);

describe('invitation encoding', () => {
  test('decodeInvitation() inverts encodeInvitation()', () => {
    fc.assert(fc.property(invitationArb, (invitation) => assert.deepEqual(decodeInvitation(encodeInvitation(invitation)), invitation)), { numRuns: 100 });
  });

  test('the layout is ver_min ver_max kind keys nqueues (len relay senderId)*', () => {
    const encoded = encodeInvitation(sampleInvitation());
    assert.deepEqual([...encoded.subarray(0, 3)], [2, 2, 1]);
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

  test('version ranges: malformed ranges are DecodeError, ranges without any of versions 2..4 are UNSUPPORTED_VERSION', () => {
    const encoded = encodeInvitation(sampleInvitation());
    const withVersions = (min: number, max: number) => concatBytes(Uint8Array.of(min, max), encoded.subarray(2));
    assert.throws(() => decodeInvitation(withVersions(0, 1)), isDecodeError);
    assert.throws(() => decodeInvitation(withVersions(2, 1)), isDecodeError);
    assert.throws(() => decodeInvitation(withVersions(5, 6)), isChatError('UNSUPPORTED_VERSION'));
    assert.throws(() => decodeInvitation(withVersions(5, 5)), isChatError('UNSUPPORTED_VERSION'));
    // Checked before the rest, so a future layout after the versions still gives UNSUPPORTED_VERSION.
    assert.throws(() => decodeInvitation(Uint8Array.of(5, 5, 99)), isChatError('UNSUPPORTED_VERSION'));
    assert.deepEqual(decodeInvitation(withVersions(1, 5)).versions, { min: 1, max: 5 });
    // The connection's version is the highest both speak.
    assert.equal(commonChatVersion({ min: 1, max: 5 }), 4);
    assert.equal(commonChatVersion({ min: 4, max: 9 }), 4);
    assert.equal(commonChatVersion({ min: 4, max: 4 }), 4);
    assert.equal(commonChatVersion({ min: 3, max: 3 }), 3);
    assert.equal(commonChatVersion({ min: 2, max: 3 }), 3);
    assert.equal(commonChatVersion({ min: 1, max: 2 }), 2);
    assert.equal(commonChatVersion({ min: 2, max: 2 }), 2);
    assert.throws(() => commonChatVersion({ min: 5, max: 9 }), isChatError('UNSUPPORTED_VERSION'));
    assert.throws(() => commonChatVersion({ min: 1, max: 1 }), isChatError('UNSUPPORTED_VERSION'));
    assert.deepEqual(decodeInvitation(withVersions(4, 4)).versions, { min: 4, max: 4 });
    assert.deepEqual(decodeInvitation(withVersions(3, 3)).versions, { min: 3, max: 3 });
    assert.deepEqual(decodeInvitation(withVersions(2, 3)).versions, { min: 2, max: 3 });
    assert.deepEqual(decodeInvitation(withVersions(2, 4)).versions, { min: 2, max: 4 });
    assert.deepEqual(CHAT_VERSIONS, { min: 2, max: 4 });
  });

  test('a version 1 invitation (constant ratchet nonce) is UNSUPPORTED_VERSION, not a connection that cannot decrypt', () => {
    const v1 = concatBytes(Uint8Array.of(1, 1), encodeInvitation(sampleInvitation()).subarray(2));
    assert.throws(() => decodeInvitation(v1), isChatError('UNSUPPORTED_VERSION'));
    assert.throws(() => parseInvitationLink(`graphchat:/invite#${toBase64url(v1)}`), isChatError('UNSUPPORTED_VERSION'));
    assert.throws(() => commonChatVersion({ min: 1, max: 1 }), isChatError('UNSUPPORTED_VERSION'));
  });

  test('unknown kinds, bad key versions, queue counts 0 and 9 are rejected', () => {
    const encoded = encodeInvitation(sampleInvitation());
    for (const kind of [0, 5, 255]) assert.throws(() => decodeInvitation(concatBytes(encoded.subarray(0, 2), Uint8Array.of(kind), encoded.subarray(3))), isDecodeError);
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
    const future = toBase64url(Uint8Array.of(5, 5, 1));
    assert.throws(() => parseInvitationLink(`graphchat:/invite#${future}`), isChatError('UNSUPPORTED_VERSION'));
    assert.deepEqual(fromBase64url(payload), encodeInvitation(invitation));
  });
});
