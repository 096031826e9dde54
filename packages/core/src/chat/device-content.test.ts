// Graph-chat version 4 codecs (devices.md §14, graph-chat §4.2-§4.3): the
// text with a message id and a counter (type 14), the device content types
// 15..23 of device-content.ts and the device link (invitation kind 4): round
// trips, the exact layout bytes of each, and the rejection of truncated,
// miscounted and otherwise malformed bodies.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, fromHex, toBase64url, toHex } from '../bytes.js';
import { assertPrefixesFail, bytes, isChatError, isDecodeError, queuesArb, sampleInvitation } from '../test-support/chat-codec.js';
import { CONTENT_TAGS, decodeContent, encodeContent, TEXT_WITH_ID_TAG, type Content, type ProfileContent } from './content.js';
import { DEVICE_CONTENT_TAGS, MAX_DELIVERED_SEQS, MAX_DEVICE_NAME_BYTES, MAX_DEVICES, PAIR_DEVICE_CONTENT, type DeviceContent, type DevicePair } from './device-content.js';
import { DEVICE_LINK_VERSIONS, decodeInvitation, encodeInvitation, formatInvitationLink, formatInvitationWebLink, parseInvitationLink, type Invitation } from './invitation.js';

const h = (byte: number, length: number) => toHex(new Uint8Array(length).fill(byte));
const u8 = (n: number) => n.toString(16).padStart(2, '0');
const u16 = (n: number) => n.toString(16).padStart(4, '0');
const u32 = (n: number) => n.toString(16).padStart(8, '0');
const u64 = (n: number) => n.toString(16).padStart(16, '0');
const str = (s: string) => {
  const b = new TextEncoder().encode(s);
  return u16(b.length) + toHex(b);
};
const fill = (byte: number, length: number) => new Uint8Array(length).fill(byte);

const contact = fill(0xc1, 8);
const holder = fill(0xd1, 8);
const pairId = fill(0xa1, 32);
const via = fill(0xa2, 32);
const profile: ProfileContent = { displayName: 'Ann' };
const profileHex = str('Ann') + '000000';
const fullProfile: ProfileContent = { displayName: 'Ann', fullName: 'Ann Example', image: Uint8Array.of(0x89, 0x50), status: 'here' };
const fullProfileHex = str('Ann') + '01' + str('Ann Example') + '01' + '0002' + '8950' + '01' + str('here');
const oneTime = sampleInvitation();
const offTheRecord: Invitation = { ...oneTime, kind: 'off-the-record' };
const contactAddress: Invitation = { ...oneTime, kind: 'contact-address' };
const EXPIRES = 1767312600000;
const device: Invitation = { ...oneTime, versions: { min: 2, max: 4 }, kind: 'device', expires: EXPIRES };
const bin = (b: Uint8Array) => u16(b.length) + toHex(b);

const pair: DevicePair = {
  contact,
  holder,
  via,
  since: 1767312000123,
  verified: true,
  offTheRecord: false,
  closed: true,
  introducible: true,
  ad: fill(0xad, 40),
  holderKey: fill(0x4b, 32),
  peerKey: fill(0x5b, 32),
  profile: fullProfile,
};
const envelopeBytes = fill(0xee, 150);

/** Every type 14..23 with its exact encoding. */
const cases: readonly { readonly name: string; readonly content: Content; readonly hex: string }[] = [
  {
    name: 'text v4',
    content: { type: 'text', text: 'Hi 👋', messageId: fill(0x1d, 16), counter: 0x01020304 },
    hex: '0e' + h(0x1d, 16) + '01020304' + str('Hi 👋'),
  },
  { name: 'text v4, empty, counter 0', content: { type: 'text', text: '', messageId: fill(0x1e, 16), counter: 0 }, hex: '0e' + h(0x1e, 16) + '00000000' + '0000' },
  { name: 'device-add, one-time', content: { type: 'device-add', invitation: oneTime }, hex: '0f' + bin(encodeInvitation(oneTime)) },
  { name: 'device-add, off the record', content: { type: 'device-add', invitation: offTheRecord }, hex: '0f' + bin(encodeInvitation(offTheRecord)) },
  { name: 'device-remove, one', content: { type: 'device-remove', pairs: [pairId] }, hex: '10' + '01' + h(0xa1, 32) },
  {
    name: 'device-remove, eight',
    content: { type: 'device-remove', pairs: Array.from({ length: 8 }, (_, i) => fill(0xb0 + i, 32)) },
    hex: '10' + '08' + Array.from({ length: 8 }, (_, i) => h(0xb0 + i, 32)).join(''),
  },
  {
    name: 'device-list',
    content: {
      type: 'device-list',
      devices: [
        { id: fill(1, 8), removed: false, name: 'Laptop' },
        { id: fill(2, 8), removed: true, name: 'Téléphone' },
      ],
    },
    hex: '11' + '02' + h(1, 8) + '00' + str('Laptop') + h(2, 8) + '01' + str('Téléphone'),
  },
  {
    name: 'device-profile',
    content: { type: 'device-profile', profile, relays: ['emp://a@relay.example', 'emp://b@relay.example.org:5223'] },
    hex: '12' + profileHex + '02' + str('emp://a@relay.example') + str('emp://b@relay.example.org:5223'),
  },
  {
    name: 'device-pair, with profile',
    content: { type: 'device-pair', pair },
    hex: '13' + h(0xc1, 8) + h(0xd1, 8) + h(0xa2, 32) + u64(1767312000123) + '0d' + u16(40) + h(0xad, 40) + h(0x4b, 32) + h(0x5b, 32) + '01' + fullProfileHex,
  },
  {
    name: 'device-pair, no profile, via zeros, since 0, off the record, not introducible',
    content: { type: 'device-pair', pair: { contact, holder, via: new Uint8Array(32), since: 0, verified: false, offTheRecord: true, closed: false, introducible: false, ad: fill(0xad, 3), holderKey: fill(0x4b, 32), peerKey: fill(0x5b, 32) } },
    hex: '13' + h(0xc1, 8) + h(0xd1, 8) + h(0, 32) + u64(0) + '02' + '0003' + 'adadad' + h(0x4b, 32) + h(0x5b, 32) + '00',
  },
  {
    name: 'device-message, sent and delivered',
    content: { type: 'device-message', contact, pair: pairId, direction: 'sent', status: 'delivered', localTime: 1767312000999, envelope: envelopeBytes },
    hex: '14' + h(0xc1, 8) + h(0xa1, 32) + '01' + '02' + u64(1767312000999) + u16(150) + h(0xee, 150),
  },
  {
    name: 'device-message, received',
    content: { type: 'device-message', contact, pair: pairId, direction: 'received', status: 'received', localTime: 5, envelope: Uint8Array.of(7) },
    hex: '14' + h(0xc1, 8) + h(0xa1, 32) + '02' + '03' + u64(5) + '0001' + '07',
  },
  {
    name: 'device-invite, one-time',
    content: { type: 'device-invite', contact, pair: pairId, invitation: oneTime },
    hex: '15' + h(0xc1, 8) + h(0xa1, 32) + bin(encodeInvitation(oneTime)),
  },
  {
    name: 'device-invite, off the record',
    content: { type: 'device-invite', contact, pair: pairId, invitation: offTheRecord },
    hex: '15' + h(0xc1, 8) + h(0xa1, 32) + bin(encodeInvitation(offTheRecord)),
  },
  { name: 'device-delivered', content: { type: 'device-delivered', pair: pairId, seqs: [1, 0xffffffff] }, hex: '16' + h(0xa1, 32) + '02' + '00000001' + 'ffffffff' },
  {
    name: 'device-join, a device link of versions 2..4',
    content: { type: 'device-join', to: holder, invitation: device },
    // to:8 || bin: the device link (ver_min 2, ver_max 4, kind 4, ..., expires:u64 last).
    hex: '17' + h(0xd1, 8) + bin(encodeInvitation(device)),
  },
  {
    name: 'device-join, a device link of versions 4..4',
    content: { type: 'device-join', to: fill(0xd3, 8), invitation: { ...device, versions: DEVICE_LINK_VERSIONS } },
    hex: '17' + h(0xd3, 8) + bin(encodeInvitation({ ...device, versions: DEVICE_LINK_VERSIONS })),
  },
];

const enc = (c: Content) => toHex(encodeContent(c));
const dec = (hex: string) => decodeContent(fromHex(hex));

describe('version 4 content: layouts and round trips', () => {
  test('every type 14..23 encodes to its exact layout and decodes back', () => {
    for (const { name, content, hex } of cases) {
      assert.equal(enc(content), hex, name);
      assert.deepEqual(dec(hex), content, name);
    }
    const tags = new Set(cases.map((c) => fromHex(c.hex)[0]));
    assert.deepEqual([...tags].sort((a, b) => a! - b!), [14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
  });

  test('device-join: to:8, then the device link as bin, byte for byte', () => {
    const link = encodeInvitation(device);
    const encoded = encodeContent({ type: 'device-join', to: holder, invitation: device });
    assert.equal(encoded.length, 1 + 8 + 2 + link.length);
    assert.equal(encoded[0], 23);
    assert.equal(toHex(encoded.subarray(1, 9)), h(0xd1, 8));
    assert.equal(toHex(encoded.subarray(9, 11)), u16(link.length));
    assert.deepEqual([...encoded.subarray(11, 14)], [2, 4, 4], 'ver_min 2, ver_max 4, kind 4');
    assert.equal(toHex(encoded.subarray(encoded.length - 8)), u64(EXPIRES), 'the link ends with its expiry');
    assert.deepEqual(encoded.subarray(11), link);
  });

  test('the tags: text 4 and 14, device types 15..23; only device-add and device-remove travel on pair connections', () => {
    assert.equal(TEXT_WITH_ID_TAG, 14);
    assert.equal(CONTENT_TAGS.text, 4);
    assert.deepEqual(DEVICE_CONTENT_TAGS, {
      'device-add': 15,
      'device-remove': 16,
      'device-list': 17,
      'device-profile': 18,
      'device-pair': 19,
      'device-message': 20,
      'device-invite': 21,
      'device-delivered': 22,
      'device-join': 23,
    });
    assert.deepEqual([...PAIR_DEVICE_CONTENT].sort(), ['device-add', 'device-remove']);
    // A text without id and counter stays a type 4 text.
    assert.equal(enc({ type: 'text', text: 'Hi' }), '04' + str('Hi'));
    assert.deepEqual(dec('04' + str('Hi')), { type: 'text', text: 'Hi' });
  });

  test('device names: 1..64 bytes, multi-byte characters count in bytes', () => {
    const list = (name: string): DeviceContent => ({ type: 'device-list', devices: [{ id: fill(1, 8), removed: false, name }] });
    const max = 'x'.repeat(MAX_DEVICE_NAME_BYTES);
    assert.deepEqual(dec(enc(list(max))), list(max));
    const euros = '€'.repeat(21) + 'x'; // 3 * 21 + 1 = 64 bytes
    assert.deepEqual(dec(enc(list(euros))), list(euros));
    assert.throws(() => enc(list('€'.repeat(22))), RangeError);
  });

  test('random device content round trips', () => {
    const id8 = bytes(8);
    const id32 = bytes(32);
    const nameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s) && new TextEncoder().encode(s).length <= 64);
    const arb: fc.Arbitrary<Content> = fc.oneof(
      fc.record({ type: fc.constant('text' as const), text: fc.string({ unit: 'grapheme', maxLength: 50 }), messageId: bytes(16), counter: fc.integer({ min: 0, max: 0xffffffff }) }, { noNullPrototype: true }),
      fc.record({ type: fc.constant('device-remove' as const), pairs: fc.array(id32, { minLength: 1, maxLength: 8 }) }, { noNullPrototype: true }),
      fc.record({ type: fc.constant('device-list' as const), devices: fc.array(fc.record({ id: id8, removed: fc.boolean(), name: nameArb }, { noNullPrototype: true }), { minLength: 1, maxLength: 8 }) }, { noNullPrototype: true }),
      fc.record(
        {
          type: fc.constant('device-message' as const),
          contact: id8,
          pair: id32,
          direction: fc.constantFrom('sent' as const, 'received' as const),
          status: fc.constantFrom('sent' as const, 'delivered' as const, 'received' as const),
          localTime: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          envelope: fc.uint8Array({ maxLength: 300 }),
        },
        { noNullPrototype: true },
      ),
      fc.record({ type: fc.constant('device-delivered' as const), pair: id32, seqs: fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 1, maxLength: 128 }) }, { noNullPrototype: true }),
      fc.record(
        {
          type: fc.constant('device-join' as const),
          to: id8,
          invitation: fc
            .record({ min: fc.integer({ min: 2, max: 4 }), queues: queuesArb, expires: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) }, { noNullPrototype: true })
            .map(({ min, queues, expires }): Invitation => ({ ...device, versions: { min, max: 4 }, queues, expires })),
        },
        { noNullPrototype: true },
      ),
      fc.record(
        {
          type: fc.constant('device-pair' as const),
          pair: fc.record(
            {
              contact: id8,
              holder: id8,
              via: id32,
              since: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
              verified: fc.boolean(),
              offTheRecord: fc.boolean(),
              closed: fc.boolean(),
              introducible: fc.boolean(),
              ad: fc.uint8Array({ maxLength: 100 }),
              holderKey: id32,
              peerKey: id32,
              profile: fc.constant(profile),
            },
            { requiredKeys: ['contact', 'holder', 'via', 'since', 'verified', 'offTheRecord', 'closed', 'introducible', 'ad', 'holderKey', 'peerKey'], noNullPrototype: true },
          ),
        },
        { noNullPrototype: true },
      ),
    );
    fc.assert(fc.property(arb, (content) => assert.deepEqual(decodeContent(encodeContent(content)), content)), { numRuns: 200 });
  });
});

describe('version 4 content: rejections', () => {
  test('every truncation and a trailing byte are DecodeError', () => {
    for (const { name, hex } of cases) {
      const encoded = fromHex(hex);
      assertPrefixesFail(encoded, decodeContent);
      assert.throws(() => decodeContent(concatBytes(encoded, Uint8Array.of(0))), isDecodeError, `${name}: trailing byte`);
    }
  });

  test('counts: 0 and 9 pair ids and devices, 0 and 17 relays, 0 and 129 seqs', () => {
    const list = (n: number) => '11' + u8(n) + (h(1, 8) + '00' + str('A')).repeat(n);
    const remove = (n: number) => '10' + u8(n) + h(0xa1, 32 * n);
    const relays = (n: number) => '12' + profileHex + u8(n) + str('emp://a@relay.example').repeat(n);
    const delivered = (n: number) => '16' + h(0xa1, 32) + u8(n) + '00000001'.repeat(n);
    for (const [what, make, max] of [
      ['device-remove', remove, MAX_DEVICES],
      ['device-list', list, MAX_DEVICES],
      ['device-profile', relays, 16],
      ['device-delivered', delivered, MAX_DELIVERED_SEQS],
    ] as const) {
      assert.doesNotThrow(() => dec(make(max)), `${what} ${max}`);
      assert.doesNotThrow(() => dec(make(1)), `${what} 1`);
      assert.throws(() => dec(make(0)), isDecodeError, `${what} 0`);
      if (max + 1 < 256) assert.throws(() => dec(make(max + 1)), isDecodeError, `${what} ${max + 1}`);
    }
    assert.throws(() => enc({ type: 'device-remove', pairs: [] }), RangeError);
    assert.throws(() => enc({ type: 'device-remove', pairs: Array.from({ length: 9 }, () => pairId) }), RangeError);
    assert.throws(() => enc({ type: 'device-list', devices: [] }), RangeError);
    assert.throws(() => enc({ type: 'device-list', devices: Array.from({ length: 9 }, () => ({ id: fill(1, 8), removed: false, name: 'A' })) }), RangeError);
    assert.throws(() => enc({ type: 'device-profile', profile, relays: [] }), RangeError);
    assert.throws(() => enc({ type: 'device-profile', profile, relays: Array.from({ length: 17 }, () => 'emp://a@relay.example') }), RangeError);
    assert.throws(() => enc({ type: 'device-delivered', pair: pairId, seqs: [] }), RangeError);
    assert.throws(() => enc({ type: 'device-delivered', pair: pairId, seqs: Array.from({ length: 129 }, () => 1) }), RangeError);
  });

  test('bad flags: removed 2, device-pair flags 16 and up, profile presence 2', () => {
    assert.throws(() => dec('11' + '01' + h(1, 8) + '02' + str('A')), isDecodeError);
    const pairHex = cases.find((c) => c.name === 'device-pair, with profile')!.hex;
    const flagsAt = 2 * (1 + 8 + 8 + 32 + 8);
    assert.equal(pairHex.slice(flagsAt, flagsAt + 2), '0d');
    const withFlags = (flags: number) => pairHex.slice(0, flagsAt) + u8(flags) + pairHex.slice(flagsAt + 2);
    for (let flags = 0; flags <= 15; flags++) {
      const decoded = (dec(withFlags(flags)) as { pair: DevicePair }).pair;
      assert.deepEqual(
        [decoded.verified, decoded.offTheRecord, decoded.closed, decoded.introducible],
        [(flags & 1) !== 0, (flags & 2) !== 0, (flags & 4) !== 0, (flags & 8) !== 0],
        `flags ${flags}`,
      );
      assert.equal(enc({ type: 'device-pair', pair: decoded }), withFlags(flags), `flags ${flags} encodes back`);
    }
    // Flag 8 alone: introducible, nothing else.
    assert.deepEqual((dec(withFlags(8)) as { pair: DevicePair }).pair, { ...pair, verified: false, offTheRecord: false, closed: false, introducible: true });
    for (const flags of [16, 17, 24, 31, 0x80, 0xff]) assert.throws(() => dec(withFlags(flags)), isDecodeError, `flags ${flags}`);
    const noProfile = cases.find((c) => c.name.startsWith('device-pair, no profile'))!.hex;
    assert.throws(() => dec(noProfile.slice(0, -2) + '02'), isDecodeError);
    assert.throws(() => dec(noProfile.slice(0, -2) + '01'), isDecodeError, 'presence 1 without a profile');
  });

  test('device-message: unknown direction or status', () => {
    const base = (direction: number, status: number) => '14' + h(0xc1, 8) + h(0xa1, 32) + u8(direction) + u8(status) + u64(5) + '0001' + '07';
    assert.doesNotThrow(() => dec(base(1, 1)));
    for (const [d, s] of [[0, 1], [3, 1], [255, 1], [1, 0], [1, 4], [2, 255]] as const) assert.throws(() => dec(base(d, s)), isDecodeError, `direction ${d}, status ${s}`);
    const message = cases.find((c) => c.name.startsWith('device-message'))!.content as Extract<DeviceContent, { type: 'device-message' }>;
    assert.throws(() => enc({ ...message, direction: 'forwarded' as never }), RangeError);
    assert.throws(() => enc({ ...message, status: 'read' as never }), RangeError);
  });

  test('device names: control characters, empty, over 64 bytes, invalid UTF-8', () => {
    const entry = (nameHex: string) => '11' + '01' + h(1, 8) + '00' + nameHex;
    const list = (name: string): Content => ({ type: 'device-list', devices: [{ id: fill(1, 8), removed: false, name }] });
    for (const name of ['a\u0000b', 'tab\there', 'line\n', '\u007f', 'c1\u0085', '']) {
      assert.throws(() => dec(entry(str(name))), isDecodeError, JSON.stringify(name));
      assert.throws(() => enc(list(name)), RangeError, JSON.stringify(name));
    }
    assert.throws(() => dec(entry(str('x'.repeat(65)))), isDecodeError);
    assert.throws(() => enc(list('x'.repeat(65))), RangeError);
    assert.throws(() => dec(entry('0002' + 'c328')), isDecodeError, 'invalid UTF-8');
  });

  test('device-add and device-invite carry a one-time invitation of kind 1 or 3: a device link (kind 4) or a contact address (kind 2) inside is refused', () => {
    for (const invitation of [oneTime, offTheRecord]) {
      assert.deepEqual(dec(enc({ type: 'device-add', invitation })), { type: 'device-add', invitation }, invitation.kind);
      assert.deepEqual(dec(enc({ type: 'device-invite', contact, pair: pairId, invitation })), { type: 'device-invite', contact, pair: pairId, invitation }, invitation.kind);
    }
    for (const invitation of [contactAddress, device]) {
      assert.throws(() => enc({ type: 'device-add', invitation }), RangeError, invitation.kind);
      assert.throws(() => dec('0f' + bin(encodeInvitation(invitation))), isDecodeError, invitation.kind);
      assert.throws(() => enc({ type: 'device-invite', contact, pair: pairId, invitation }), RangeError, invitation.kind);
      assert.throws(() => dec('15' + h(0xc1, 8) + h(0xa1, 32) + bin(encodeInvitation(invitation))), isDecodeError, invitation.kind);
    }
    // The invitation inside is decoded as §2.2 says: malformed is DecodeError, an unsupported range UNSUPPORTED_VERSION.
    assert.throws(() => dec('0f' + bin(encodeInvitation(oneTime).subarray(0, 1300))), isDecodeError);
    assert.throws(() => dec('0f' + bin(concatBytes(encodeInvitation(oneTime), Uint8Array.of(0)))), isDecodeError);
    assert.throws(() => dec('0f' + bin(concatBytes(Uint8Array.of(9, 9), encodeInvitation(oneTime).subarray(2)))), isChatError('UNSUPPORTED_VERSION'));
  });

  test('device-join carries a device link (kind 4) only: a one-time invitation, a contact address or an off-the-record invitation inside is refused', () => {
    assert.deepEqual(dec(enc({ type: 'device-join', to: holder, invitation: device })), { type: 'device-join', to: holder, invitation: device });
    for (const invitation of [oneTime, contactAddress, offTheRecord]) {
      assert.throws(() => enc({ type: 'device-join', to: holder, invitation }), RangeError, invitation.kind);
      assert.throws(() => dec('17' + h(0xd1, 8) + bin(encodeInvitation(invitation))), isDecodeError, invitation.kind);
    }
    // Kinds 1, 2 and 3 by their byte: the same invitation body under each kind byte but 4.
    const link = encodeInvitation(device);
    for (const [kind, name] of [[1, 'one-time'], [2, 'contact-address'], [3, 'off-the-record']] as const) {
      const other = encodeInvitation({ ...oneTime, versions: { min: 2, max: 4 }, kind: name });
      assert.equal(other[2], kind);
      assert.throws(() => dec('17' + h(0xd1, 8) + bin(other)), isDecodeError, `kind ${kind}`);
      // A device link with its kind byte changed: the expiry is left over, malformed too.
      const relabelled = Uint8Array.from(link);
      relabelled[2] = kind;
      assert.throws(() => dec('17' + h(0xd1, 8) + bin(relabelled)), isDecodeError, `kind byte ${kind} on a device link`);
    }
    // The recipient is 8 bytes.
    for (const to of [fill(0xd1, 7), fill(0xd1, 9), new Uint8Array(0)]) assert.throws(() => enc({ type: 'device-join', to, invitation: device }), RangeError, `to of ${to.length} bytes`);
    // The link inside decodes as graph-chat §2.2 says: cut (in its expiry, or its bin length past the end), a trailing byte inside, a range below 4: DecodeError; an unsupported range: UNSUPPORTED_VERSION.
    for (const n of [0, 3, link.length - 8, link.length - 1]) assert.throws(() => dec('17' + h(0xd1, 8) + bin(link.subarray(0, n))), isDecodeError, `link cut to ${n} bytes`);
    assert.throws(() => dec('17' + h(0xd1, 8) + u16(link.length + 1) + toHex(link)), isDecodeError, 'bin length past the end');
    assert.throws(() => dec('17' + h(0xd1, 8) + bin(concatBytes(link, Uint8Array.of(0)))), isDecodeError, 'a trailing byte inside');
    assert.throws(() => dec('17' + h(0xd1, 8) + bin(concatBytes(Uint8Array.of(2, 3), link.subarray(2)))), isDecodeError, 'versions 2..3');
    assert.throws(() => dec('17' + h(0xd1, 8) + bin(concatBytes(Uint8Array.of(9, 9), link.subarray(2)))), isChatError('UNSUPPORTED_VERSION'));
    // Truncated anywhere, in `to` too: DecodeError.
    assertPrefixesFail(fromHex('17' + h(0xd1, 8) + bin(link)), decodeContent);
  });

  test('device-delivered: seq 0 and 129 seqs', () => {
    assert.throws(() => dec('16' + h(0xa1, 32) + '02' + '00000001' + '00000000'), isDecodeError);
    assert.throws(() => enc({ type: 'device-delivered', pair: pairId, seqs: [1, 0] }), RangeError);
    assert.throws(() => dec('16' + h(0xa1, 32) + '81' + '00000001'.repeat(129)), isDecodeError);
    assert.equal((dec('16' + h(0xa1, 32) + '80' + '00000001'.repeat(128)) as { seqs: readonly number[] }).seqs.length, 128);
  });

  test('wrong lengths of ids, keys and message ids are RangeError on encode', () => {
    const message = cases.find((c) => c.name.startsWith('device-message'))!.content as Extract<DeviceContent, { type: 'device-message' }>;
    assert.throws(() => enc({ ...message, contact: fill(1, 7) }), RangeError);
    assert.throws(() => enc({ ...message, pair: fill(1, 31) }), RangeError);
    for (const change of [{ contact: fill(1, 9) }, { holder: fill(1, 7) }, { via: fill(0, 31) }, { holderKey: fill(1, 31) }, { peerKey: fill(1, 33) }, { since: -1 }]) {
      assert.throws(() => enc({ type: 'device-pair', pair: { ...pair, ...change } }), RangeError, Object.keys(change)[0]);
    }
    assert.throws(() => enc({ type: 'device-list', devices: [{ id: fill(1, 16), removed: false, name: 'A' }] }), RangeError);
    assert.throws(() => enc({ type: 'device-remove', pairs: [fill(1, 8)] }), RangeError);
    assert.throws(() => enc({ type: 'device-profile', profile, relays: [''] }), RangeError);
    // A v4 text has both a 16-byte message id and a u32 counter, or neither.
    assert.throws(() => enc({ type: 'text', text: 'x', messageId: fill(1, 15), counter: 1 }), RangeError);
    assert.throws(() => enc({ type: 'text', text: 'x', messageId: fill(1, 16) }), RangeError);
    assert.throws(() => enc({ type: 'text', text: 'x', counter: 1 }), RangeError);
    assert.throws(() => enc({ type: 'text', text: 'x', messageId: fill(1, 16), counter: 2 ** 32 }), RangeError);
  });

  test('a v4 text over 15,000 bytes is TOO_LARGE on encode and DecodeError on decode', () => {
    const id = fill(1, 16);
    assert.equal(enc({ type: 'text', text: 'x'.repeat(15_000), messageId: id, counter: 1 }).length, 2 * (1 + 16 + 4 + 2 + 15_000));
    assert.throws(() => enc({ type: 'text', text: 'x'.repeat(15_001), messageId: id, counter: 1 }), isChatError('TOO_LARGE'));
    assert.throws(() => dec('0e' + h(1, 16) + '00000001' + u16(15_001) + h(0x78, 15_001)), isDecodeError);
  });
});

describe('invitation kind 4: device links', () => {
  test('round trip with its expiry, which follows the queues', () => {
    const encoded = encodeInvitation(device);
    assert.deepEqual([...encoded.subarray(0, 3)], [2, 4, 4]);
    assert.equal(toHex(encoded.subarray(encoded.length - 8)), u64(EXPIRES));
    assert.deepEqual(encoded.subarray(3, encoded.length - 8), encodeInvitation(oneTime).subarray(3));
    assert.deepEqual(decodeInvitation(encoded), device);
    const v4: Invitation = { ...device, versions: DEVICE_LINK_VERSIONS };
    assert.deepEqual(decodeInvitation(encodeInvitation(v4)), v4);
    assert.deepEqual([...encodeInvitation(v4).subarray(0, 3)], [4, 4, 4]);
    assertPrefixesFail(encoded, decodeInvitation, 5);
    for (let n = encoded.length - 8; n < encoded.length; n++) assert.throws(() => decodeInvitation(encoded.subarray(0, n)), isDecodeError, `${n} bytes`);
    assert.throws(() => decodeInvitation(concatBytes(encoded, Uint8Array.of(0))), isDecodeError);
  });

  test('link forms: graphchat:/device# and https …/device#', () => {
    const payload = toBase64url(encodeInvitation(device));
    assert.equal(formatInvitationLink(device), `graphchat:/device#${payload}`);
    assert.equal(formatInvitationWebLink(device, 'https://example.org/g'), `https://example.org/g/device#${payload}`);
    for (const link of [`graphchat:/device#${payload}`, `https://example.org/g/device#${payload}`, `https://example.org/device?x=1#${payload}`, ` GRAPHCHAT:/device#${payload}\n`]) {
      assert.deepEqual(parseInvitationLink(link), device, link);
    }
    const invitePayload = toBase64url(encodeInvitation(oneTime));
    for (const link of [`graphchat:/invite#${payload}`, `graphchat:/contact#${payload}`, `graphchat:/device#${invitePayload}`, `https://example.org/device#${invitePayload}`, `https://example.org/invite#${payload}`, `graphchat:/Device#${payload}`, `graphchat:/devices#${payload}`]) {
      assert.throws(() => parseInvitationLink(link), isChatError('BAD_LINK'), link);
    }
  });

  test('kind 4 needs a range reaching version 4, and an expiry; no other kind has one', () => {
    const encoded = encodeInvitation(device);
    for (const [min, max] of [[2, 3], [3, 3], [2, 2]] as const) {
      assert.throws(() => decodeInvitation(concatBytes(Uint8Array.of(min, max), encoded.subarray(2))), isDecodeError, `${min}..${max}`);
      assert.throws(() => encodeInvitation({ ...device, versions: { min, max } }), RangeError, `${min}..${max}`);
    }
    assert.deepEqual(decodeInvitation(concatBytes(Uint8Array.of(3, 9), encoded.subarray(2))).versions, { min: 3, max: 9 });
    assert.throws(() => encodeInvitation({ ...oneTime, versions: { min: 2, max: 4 }, kind: 'device' }), RangeError);
    assert.throws(() => encodeInvitation({ ...oneTime, expires: EXPIRES }), RangeError);
    assert.throws(() => encodeInvitation({ ...device, expires: -1 }), RangeError);
    // A one-time invitation followed by 8 more bytes is not a device link.
    assert.throws(() => decodeInvitation(concatBytes(encodeInvitation(oneTime), fromHex(u64(EXPIRES)))), isDecodeError);
    // The kind byte 4 on an invitation without expiry: 8 bytes short.
    const asDevice = encodeInvitation({ ...oneTime, versions: { min: 2, max: 4 } });
    asDevice[2] = 4;
    assert.throws(() => decodeInvitation(asDevice), isDecodeError);
  });
});
