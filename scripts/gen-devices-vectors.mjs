// Generates docs/protocol/vectors/devices.json (graph-chat version 4, several
// devices per person: devices.md §14, graph-chat §2 and §4.3) from the
// compiled core: build it first (npx tsc -b packages/core), then
//   node scripts/gen-devices-vectors.mjs > docs/protocol/vectors/devices.json
// Every input is fixed below, so the output is the same on every run.
const D = new URL('../packages/core/dist/', import.meta.url).href;
const { fromHex, toHex, concatBytes, toBase64url } = await import(D + 'bytes.js');
const { sodiumCrypto: c } = await import(D + 'crypto/sodium.js');
const { createInvitationKeys, joinAgreement } = await import(D + 'agreement/agreement.js');
const { encodeContent } = await import(D + 'chat/content.js');
const { signEnvelope, envelopeHash } = await import(D + 'chat/envelope.js');
const { encodeInvitation, formatInvitationLink, formatInvitationWebLink } = await import(D + 'chat/invitation.js');

const rep = (b, n) => toHex(new Uint8Array(n).fill(b));
const fp = (b) => toBase64url(new Uint8Array(32).fill(b));
const x = (h) => { const secretKey = fromHex(h); return { secretKey, publicKey: c.x25519PublicKey(secretKey) }; };
const u16 = (n) => n.toString(16).padStart(4, '0');

// The keys of every invitation here (D1's, or D2's for its contact), and those of the joiner of the pair connection below.
const inputs = {
  inviter_dh_secret: rep(0x41, 32), inviter_kem_seed: rep(0x42, 64), inviter_sig_seed: rep(0x43, 32),
  joiner_dh_secret: rep(0x51, 32), joiner_ephemeral_secret: rep(0x52, 32), joiner_sig_seed: rep(0x53, 32), kem_randomness: rep(0x54, 32),
};
const inviterSig = c.ed25519KeyPairFromSeed(fromHex(inputs.inviter_sig_seed));
const joinerSig = c.ed25519KeyPairFromSeed(fromHex(inputs.joiner_sig_seed));
const keys = createInvitationKeys(c, { dh: x(inputs.inviter_dh_secret), kemSeed: fromHex(inputs.inviter_kem_seed), sig: inviterSig }).publicKeys;
// The pair connection's handshake AD (§1.4) and its pair id, SHA-256 of it.
const joined = joinAgreement(c, keys, { dh: x(inputs.joiner_dh_secret), ephemeral: x(inputs.joiner_ephemeral_secret), sig: joinerSig, kemRandomness: fromHex(inputs.kem_randomness) });
const ad = toHex(joined.associatedData);
const pairId = toHex(c.sha256(joined.associatedData));

const relayA = `emp://${fp(0x0a)}@relay.example.com`;
const relayB = `emp://${fp(0x0b)}@relay.example.org:8443?tls=1`;
const T = 1767312000000; // 2026-01-02T00:00:00Z

// Invitations, as JSON: their keys are always those of the inputs (inviter_*).
const jsonInvitations = {
  device: { versions: { min: 2, max: 4 }, kind: 'device', queues: [{ relay: relayA, sender_id: rep(0x61, 24) }, { relay: relayB, sender_id: rep(0x62, 24) }], expires: T + 600000 },
  oneTime: { versions: { min: 2, max: 4 }, kind: 'one-time', queues: [{ relay: relayA, sender_id: rep(0x63, 24) }] },
  offTheRecord: { versions: { min: 2, max: 4 }, kind: 'off-the-record', queues: [{ relay: relayB, sender_id: rep(0x64, 24) }] },
};
const invitation = (j) => ({ versions: j.versions, kind: j.kind, keys, queues: j.queues.map((q) => ({ relay: q.relay, senderId: fromHex(q.sender_id) })), ...(j.expires === undefined ? {} : { expires: j.expires }) });
const profile = (p) => ({ displayName: p.display_name, ...(p.full_name === undefined ? {} : { fullName: p.full_name }), ...(p.image === undefined ? {} : { image: fromHex(p.image) }), ...(p.status === undefined ? {} : { status: p.status }) });

function content(j) {
  switch (j.type) {
    case 'text': return { type: 'text', text: j.text, messageId: fromHex(j.message_id), counter: j.counter };
    case 'device-add': return { type: j.type, invitation: invitation(j.invitation) };
    case 'device-remove': return { type: j.type, pairs: j.pairs.map(fromHex) };
    case 'device-list': return { type: j.type, devices: j.devices.map((d) => ({ id: fromHex(d.id), removed: d.removed, name: d.name })) };
    case 'device-profile': return { type: j.type, profile: profile(j.profile), relays: j.relays };
    case 'device-pair': {
      const p = j.pair;
      return { type: j.type, pair: { contact: fromHex(p.contact), holder: fromHex(p.holder), via: fromHex(p.via), since: p.since, verified: p.verified, offTheRecord: p.off_the_record, closed: p.closed, introducible: p.introducible, ad: fromHex(p.ad), holderKey: fromHex(p.holder_key), peerKey: fromHex(p.peer_key), ...(p.profile === undefined ? {} : { profile: profile(p.profile) }) } };
    }
    case 'device-message': return { type: j.type, contact: fromHex(j.contact), pair: fromHex(j.pair), direction: j.direction, status: j.status, localTime: j.local_time, envelope: fromHex(j.envelope) };
    case 'device-invite': return { type: j.type, contact: fromHex(j.contact), pair: fromHex(j.pair), invitation: invitation(j.invitation) };
    case 'device-delivered': return { type: j.type, pair: fromHex(j.pair), seqs: j.seqs };
    case 'device-join': return { type: j.type, to: fromHex(j.to), invitation: invitation(j.invitation) };
    default: throw new Error(j.type);
  }
}

const contactId = rep(0xc1, 8);
const laptop = rep(0xd1, 8);
const phone = rep(0xd2, 8);
const text = { type: 'text', text: 'Hello from my phone 📱', message_id: rep(0x1d, 16), counter: 42 };
// The contact device's text as the pair connection carries it: a signed envelope (joiner_sig_seed's key, the pair's peer key).
const envelope = { seq: 7, timestamp: T + 5000, prevSentHash: fromHex(rep(0xe1, 32)), lastReceivedHash: fromHex(rep(0xe2, 32)), content: content(text) };
const signed = toHex(signEnvelope(c, joinerSig.secretKey, envelope));
const pairProfile = { display_name: 'Bob', full_name: 'Bob Example', status: 'On the road' };

const jsonContents = [
  ['text (version 4, type 14): message id, Lamport counter 42, the text', text],
  ['text (version 4, type 14): empty text, counter 0', { type: 'text', text: '', message_id: rep(0x1e, 16), counter: 0 }],
  ['device-add (type 15): a one-time invitation my new device made for this contact device', { type: 'device-add', invitation: jsonInvitations.oneTime }],
  ['device-remove (type 16): two pair connections closed, the pair of the AD below and another', { type: 'device-remove', pairs: [pairId, rep(0xa2, 32)] }],
  ['device-list (type 17): a laptop, and a phone that was removed', { type: 'device-list', devices: [{ id: laptop, removed: false, name: 'Laptop' }, { id: phone, removed: true, name: 'Téléphone' }] }],
  ['device-profile (type 18): a shared profile and its two relays', { type: 'device-profile', profile: { display_name: 'Ann', image: '89504e470d0a1a0a' }, relays: [relayA, relayB] }],
  ['device-pair (type 19): the laptop holds the pair whose handshake AD is ad, introduced over the pair via (since: the contact device joined it then); verified, closed and introducible (flags 1 | 4 | 8: the pair speaks version 4); with the contact\'s profile', {
    type: 'device-pair',
    pair: { contact: contactId, holder: laptop, via: rep(0xa2, 32), since: T + 1234, verified: true, off_the_record: false, closed: true, introducible: true, ad, holder_key: toHex(inviterSig.publicKey), peer_key: toHex(joinerSig.publicKey), profile: pairProfile },
  }],
  ['device-pair (type 19): made the usual way (via zeros, since 0), off the record, not introducible (an older contact client), no profile', {
    type: 'device-pair',
    pair: { contact: contactId, holder: phone, via: rep(0, 32), since: 0, verified: false, off_the_record: true, closed: false, introducible: false, ad, holder_key: toHex(inviterSig.publicKey), peer_key: toHex(joinerSig.publicKey) },
  }],
  ['device-message (type 20): the contact device\'s signed text (above), received by the holder, on the pair with pair id SHA-256(ad)', { type: 'device-message', contact: contactId, pair: pairId, direction: 'received', status: 'received', local_time: T + 5100, envelope: signed }],
  ['device-message (type 20): sent by the holder, delivered', { type: 'device-message', contact: contactId, pair: pairId, direction: 'sent', status: 'delivered', local_time: T + 6000, envelope: rep(0xee, 142) }],
  ['device-invite (type 21): an off-the-record one-time invitation for the holder of the pair to pass on', { type: 'device-invite', contact: contactId, pair: pairId, invitation: jsonInvitations.offTheRecord }],
  ['device-delivered (type 22): seqs 1, 2 and 4294967295 of the pair delivered', { type: 'device-delivered', pair: pairId, seqs: [1, 2, 0xffffffff] }],
  // Appended last: the indexes of the items above are used below.
  ['device-join (type 23): a device channel offered to the laptop by a device that has none with it yet: the device link below (kind 4), which the laptop joins, or a device passes on once to it', { type: 'device-join', to: laptop, invitation: jsonInvitations.device }],
];
const contents = jsonContents.map(([comment, j]) => ({ comment, content: j, encoded: toHex(encodeContent(content(j))) }));

const device = invitation(jsonInvitations.device);
const deviceInvitation = {
  comment: 'a device link (kind 4): versions 2..4, the inputs\' inviter keys, two queues, expires:u64 (ms, D1\'s clock) after them',
  ...jsonInvitations.device,
  encoded: toHex(encodeInvitation(device)),
  link: formatInvitationLink(device),
  web_link: formatInvitationWebLink(device, 'https://example.org/g'),
};

const enc = (j) => toHex(encodeContent(content(j)));
const byType = (t) => contents.find((x) => x.content.type === t).encoded;
const oneTimeHex = toHex(encodeInvitation(invitation(jsonInvitations.oneTime)));
const offTheRecordHex = toHex(encodeInvitation(invitation(jsonInvitations.offTheRecord)));
const contactHex = toHex(encodeInvitation({ ...invitation(jsonInvitations.oneTime), kind: 'contact-address' }));
const deviceHex = deviceInvitation.encoded;
const pairHex = contents[6].encoded;
const flagsAt = 2 * (1 + 8 + 8 + 32 + 8);
const listEntry = (name) => laptop + '00' + name;
const invalidContents = [
  ['text v4 cut in its message id', enc(text).slice(0, 2 + 20), 'DecodeError'],
  ['text v4 with a trailing byte', enc(text) + '00', 'DecodeError'],
  ['device-add with a contact address (kind 2) inside', '0f' + u16(contactHex.length / 2) + contactHex, 'DecodeError'],
  ['device-add with a device link (kind 4) inside', '0f' + u16(deviceHex.length / 2) + deviceHex, 'DecodeError'],
  ['device-add with an invitation of versions 9..9 inside', '0f' + u16(oneTimeHex.length / 2) + '0909' + oneTimeHex.slice(4), 'UNSUPPORTED_VERSION'],
  ['device-remove with 0 pair ids', '1000', 'DecodeError'],
  ['device-remove with 9 pair ids', '1009' + pairId.repeat(9), 'DecodeError'],
  ['device-list with 0 devices', '1100', 'DecodeError'],
  ['device-list with 9 devices', '1109' + listEntry('0001' + '41').repeat(9), 'DecodeError'],
  ['device-list: removed flag 2', '1101' + laptop + '02' + '000141', 'DecodeError'],
  ['device-list: an empty device name', '1101' + listEntry('0000'), 'DecodeError'],
  ['device-list: a device name with a line feed', '1101' + listEntry('0003' + '410a42'), 'DecodeError'],
  ['device-list: a device name of 65 bytes', '1101' + listEntry(u16(65) + rep(0x41, 65)), 'DecodeError'],
  ['device-profile with 0 relays', '12' + '0003416e6e000000' + '00', 'DecodeError'],
  ['device-pair with flags 16', pairHex.slice(0, flagsAt) + '10' + pairHex.slice(flagsAt + 2), 'DecodeError'],
  ['device-pair with profile presence 2', contents[7].encoded.slice(0, -2) + '02', 'DecodeError'],
  ['device-message with direction 3', byType('device-message').slice(0, 2 + 80) + '03' + byType('device-message').slice(2 + 82), 'DecodeError'],
  ['device-message with status 4', byType('device-message').slice(0, 2 + 82) + '04' + byType('device-message').slice(2 + 84), 'DecodeError'],
  ['device-invite with a device link inside', '15' + contactId + pairId + u16(deviceHex.length / 2) + deviceHex, 'DecodeError'],
  ['device-invite with a contact address inside', '15' + contactId + pairId + u16(contactHex.length / 2) + contactHex, 'DecodeError'],
  ['device-delivered with seq 0', '16' + pairId + '02' + '00000001' + '00000000', 'DecodeError'],
  ['device-delivered with 0 seqs', '16' + pairId + '00', 'DecodeError'],
  ['device-delivered with 129 seqs', '16' + pairId + '81' + '00000001'.repeat(129), 'DecodeError'],
  ['device-join with a one-time invitation (kind 1) inside', '17' + laptop + u16(oneTimeHex.length / 2) + oneTimeHex, 'DecodeError'],
  ['device-join with a contact address (kind 2) inside', '17' + laptop + u16(contactHex.length / 2) + contactHex, 'DecodeError'],
  ['device-join with an off-the-record invitation (kind 3) inside', '17' + laptop + u16(offTheRecordHex.length / 2) + offTheRecordHex, 'DecodeError'],
  ['device-join with a device link cut in its expiry', '17' + laptop + u16(deviceHex.length / 2 - 1) + deviceHex.slice(0, -2), 'DecodeError'],
  ['device-join cut in its device id', '17' + laptop.slice(0, 8), 'DecodeError'],
].map(([comment, bytes, error]) => ({ comment, bytes, error }));
const invalidInvitations = [
  ['a device link whose range stops at version 3', '0203' + deviceHex.slice(4), 'DecodeError'],
  ['a device link without its expiry', deviceHex.slice(0, -16), 'DecodeError'],
  ['a one-time invitation followed by an expiry', oneTimeHex + deviceHex.slice(-16), 'DecodeError'],
  ['a device link with versions 5..5', '0505' + deviceHex.slice(4), 'UNSUPPORTED_VERSION'],
].map(([comment, bytes, error]) => ({ comment, bytes, error }));

const out = {
  comment: 'graph-chat version 4 (several devices per person, devices.md §14; graph-chat §2, §4.2, §4.3), generated from the implementation by scripts/gen-devices-vectors.mjs and checked by packages/core/src/chat/devices-vectors.test.ts with every crypto backend. inputs: the keys of every invitation here (inviter_*) and of the joiner of one pair connection, whose handshake AD is pair.ad and pair id pair.pair_id = SHA-256(ad). contents: one or two items of each content type 14..23 as JSON fields (an invitation as versions, kind, queues, expires: its keys are those of inputs) and its encoding (type byte, then body). device_invitation: a device link (kind 4) with its encoding and links. invalid_contents, invalid_invitations: bytes that MUST fail, with the error (DecodeError, or ChatError UNSUPPORTED_VERSION). Byte strings in hex.',
  inputs,
  inviter_sig_public: toHex(inviterSig.publicKey),
  joiner_sig_public: toHex(joinerSig.publicKey),
  pair: { ad, pair_id: pairId, envelope: { comment: 'the signed envelope of device-message contents[8]: the contact device\'s text (type 14), seq 7', seq: envelope.seq, timestamp: envelope.timestamp, prev_sent_hash: rep(0xe1, 32), last_received_hash: rep(0xe2, 32), signed, hash: toHex(envelopeHash(c, fromHex(signed))) } },
  contents,
  device_invitation: deviceInvitation,
  invalid_contents: invalidContents,
  invalid_invitations: invalidInvitations,
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
