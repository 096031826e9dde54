// docs/protocol/vectors/devices.json (graph-chat version 4, devices.md §14):
// every content item 14..23 encodes to the recorded bytes and decodes back,
// the device link encodes to its bytes and links, the pair id is SHA-256 of
// the pair's AD, the recorded envelope verifies under the pair's peer key, and
// every invalid encoding fails with the recorded error; on both backends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createInvitationKeys, joinAgreement } from '../agreement/agreement.js';
import { fromHex, toBase64url, toHex } from '../bytes.js';
import type { KeyPair } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { DecodeError } from '../errors.js';
import { isChatError } from '../test-support/chat-codec.js';
import { loadVectors } from '../test-support/vectors.js';
import { decodeContent, encodeContent, TEXT_WITH_ID_TAG, type Content, type ProfileContent } from './content.js';
import { DEVICE_CONTENT_TAGS } from './device-content.js';
import { envelopeHash, openEnvelope, signEnvelope } from './envelope.js';
import { decodeInvitation, encodeInvitation, formatInvitationLink, formatInvitationWebLink, parseInvitationLink, type Invitation, type InvitationKind } from './invitation.js';
import type { InvitationPublicKeys } from '../agreement/codec.js';

interface JsonQueue {
  readonly relay: string;
  readonly sender_id: string;
}
interface JsonInvitation {
  readonly versions: { readonly min: number; readonly max: number };
  readonly kind: InvitationKind;
  readonly queues: readonly JsonQueue[];
  readonly expires?: number;
}
interface JsonProfile {
  readonly display_name: string;
  readonly full_name?: string;
  readonly image?: string;
  readonly status?: string;
}
type JsonContent =
  | { readonly type: 'text'; readonly text: string; readonly message_id: string; readonly counter: number }
  | { readonly type: 'device-add'; readonly invitation: JsonInvitation }
  | { readonly type: 'device-remove'; readonly pairs: readonly string[] }
  | { readonly type: 'device-list'; readonly devices: readonly { readonly id: string; readonly removed: boolean; readonly name: string }[] }
  | { readonly type: 'device-profile'; readonly profile: JsonProfile; readonly relays: readonly string[] }
  | {
      readonly type: 'device-pair';
      readonly pair: {
        readonly contact: string;
        readonly holder: string;
        readonly via: string;
        readonly since: number;
        readonly verified: boolean;
        readonly off_the_record: boolean;
        readonly closed: boolean;
        readonly introducible: boolean;
        readonly ad: string;
        readonly holder_key: string;
        readonly peer_key: string;
        readonly profile?: JsonProfile;
      };
    }
  | { readonly type: 'device-message'; readonly contact: string; readonly pair: string; readonly direction: 'sent' | 'received'; readonly status: 'sent' | 'delivered' | 'received'; readonly local_time: number; readonly envelope: string }
  | { readonly type: 'device-invite'; readonly contact: string; readonly pair: string; readonly invitation: JsonInvitation }
  | { readonly type: 'device-delivered'; readonly pair: string; readonly seqs: readonly number[] }
  | { readonly type: 'device-join'; readonly to: string; readonly invitation: JsonInvitation };
interface Invalid {
  readonly comment: string;
  readonly bytes: string;
  readonly error: 'DecodeError' | 'UNSUPPORTED_VERSION';
}
interface DeviceVectors {
  readonly inputs: Readonly<Record<'inviter_dh_secret' | 'inviter_kem_seed' | 'inviter_sig_seed' | 'joiner_dh_secret' | 'joiner_ephemeral_secret' | 'joiner_sig_seed' | 'kem_randomness', string>>;
  readonly inviter_sig_public: string;
  readonly joiner_sig_public: string;
  readonly pair: {
    readonly ad: string;
    readonly pair_id: string;
    readonly envelope: { readonly seq: number; readonly timestamp: number; readonly prev_sent_hash: string; readonly last_received_hash: string; readonly signed: string; readonly hash: string };
  };
  readonly contents: readonly { readonly comment: string; readonly content: JsonContent; readonly encoded: string }[];
  readonly device_invitation: JsonInvitation & { readonly encoded: string; readonly link: string; readonly web_link: string };
  readonly invalid_contents: readonly Invalid[];
  readonly invalid_invitations: readonly Invalid[];
}

const vectors = loadVectors<DeviceVectors>('devices.json');
const { inputs } = vectors;

const profile = (p: JsonProfile): ProfileContent => ({
  displayName: p.display_name,
  ...(p.full_name === undefined ? {} : { fullName: p.full_name }),
  ...(p.image === undefined ? {} : { image: fromHex(p.image) }),
  ...(p.status === undefined ? {} : { status: p.status }),
});

function build(keys: InvitationPublicKeys) {
  const invitation = (j: JsonInvitation): Invitation => ({
    versions: j.versions,
    kind: j.kind,
    keys,
    queues: j.queues.map((q) => ({ relay: q.relay, senderId: fromHex(q.sender_id) })),
    ...(j.expires === undefined ? {} : { expires: j.expires }),
  });
  const content = (c: JsonContent): Content => {
    switch (c.type) {
      case 'text':
        return { type: 'text', text: c.text, messageId: fromHex(c.message_id), counter: c.counter };
      case 'device-add':
        return { type: 'device-add', invitation: invitation(c.invitation) };
      case 'device-remove':
        return { type: 'device-remove', pairs: c.pairs.map(fromHex) };
      case 'device-list':
        return { type: 'device-list', devices: c.devices.map((d) => ({ id: fromHex(d.id), removed: d.removed, name: d.name })) };
      case 'device-profile':
        return { type: 'device-profile', profile: profile(c.profile), relays: c.relays };
      case 'device-pair': {
        const p = c.pair;
        return {
          type: 'device-pair',
          pair: {
            contact: fromHex(p.contact),
            holder: fromHex(p.holder),
            via: fromHex(p.via),
            since: p.since,
            verified: p.verified,
            offTheRecord: p.off_the_record,
            closed: p.closed,
            introducible: p.introducible,
            ad: fromHex(p.ad),
            holderKey: fromHex(p.holder_key),
            peerKey: fromHex(p.peer_key),
            ...(p.profile === undefined ? {} : { profile: profile(p.profile) }),
          },
        };
      }
      case 'device-message':
        return { type: 'device-message', contact: fromHex(c.contact), pair: fromHex(c.pair), direction: c.direction, status: c.status, localTime: c.local_time, envelope: fromHex(c.envelope) };
      case 'device-invite':
        return { type: 'device-invite', contact: fromHex(c.contact), pair: fromHex(c.pair), invitation: invitation(c.invitation) };
      case 'device-delivered':
        return { type: 'device-delivered', pair: fromHex(c.pair), seqs: c.seqs };
      case 'device-join':
        return { type: 'device-join', to: fromHex(c.to), invitation: invitation(c.invitation) };
    }
  };
  return { invitation, content };
}

const expectError = (error: Invalid['error']) => (error === 'DecodeError' ? (e: unknown) => e instanceof DecodeError : isChatError('UNSUPPORTED_VERSION'));

describe('devices.json: coverage and invalid encodings', () => {
  test('the contents cover every type 14..23, each recorded encoding starting with its type byte', () => {
    const tags = vectors.contents.map((c) => fromHex(c.encoded)[0]!);
    const expected = [TEXT_WITH_ID_TAG, ...Object.values(DEVICE_CONTENT_TAGS)].sort((a, b) => a - b);
    assert.deepEqual(expected, Array.from({ length: 10 }, (_, i) => 14 + i), 'types 14..23');
    assert.deepEqual([...new Set(tags)].sort((a, b) => a - b), expected);
    for (const item of vectors.contents) {
      const expected = item.content.type === 'text' ? TEXT_WITH_ID_TAG : DEVICE_CONTENT_TAGS[item.content.type];
      assert.equal(fromHex(item.encoded)[0], expected, item.comment);
    }
  });

  test('every invalid content fails with the recorded error', () => {
    assert.ok(vectors.invalid_contents.length >= 15);
    for (const bad of vectors.invalid_contents) assert.throws(() => decodeContent(fromHex(bad.bytes)), expectError(bad.error), bad.comment);
  });

  test('every invalid invitation fails with the recorded error, in a link too', () => {
    assert.ok(vectors.invalid_invitations.length >= 3);
    for (const bad of vectors.invalid_invitations) {
      assert.throws(() => decodeInvitation(fromHex(bad.bytes)), expectError(bad.error), bad.comment);
      assert.throws(() => parseInvitationLink(`graphchat:/device#${toBase64url(fromHex(bad.bytes))}`), expectError(bad.error), bad.comment);
    }
  });
});

for (const crypto of [nobleCrypto, sodiumCrypto]) {
  const x25519 = (secretHex: string): KeyPair => {
    const secretKey = fromHex(secretHex);
    return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
  };
  const inviterSig = crypto.ed25519KeyPairFromSeed(fromHex(inputs.inviter_sig_seed));
  const joinerSig = crypto.ed25519KeyPairFromSeed(fromHex(inputs.joiner_sig_seed));
  const keys = createInvitationKeys(crypto, { dh: x25519(inputs.inviter_dh_secret), kemSeed: fromHex(inputs.inviter_kem_seed), sig: inviterSig }).publicKeys;
  const { invitation, content } = build(keys);

  describe(`devices.json (${crypto.name})`, () => {
    test('the keys are those of the inputs', () => {
      assert.equal(toHex(inviterSig.publicKey), vectors.inviter_sig_public);
      assert.equal(toHex(joinerSig.publicKey), vectors.joiner_sig_public);
    });

    test('every content item encodes to the recorded bytes and decodes back', () => {
      for (const item of vectors.contents) {
        assert.equal(toHex(encodeContent(content(item.content))), item.encoded, item.comment);
        assert.deepEqual(decodeContent(fromHex(item.encoded)), content(item.content), item.comment);
      }
    });

    test('the device link encodes to the recorded bytes and links, and back', () => {
      const d = vectors.device_invitation;
      const device = invitation(d);
      assert.equal(device.kind, 'device');
      assert.equal(toHex(encodeInvitation(device)), d.encoded);
      assert.equal(formatInvitationLink(device), d.link);
      assert.equal(formatInvitationWebLink(device, 'https://example.org/g'), d.web_link);
      assert.ok(d.link.startsWith('graphchat:/device#'));
      assert.ok(d.web_link.startsWith('https://example.org/g/device#'));
      assert.deepEqual(decodeInvitation(fromHex(d.encoded)), device);
      assert.deepEqual(parseInvitationLink(d.link), device);
      assert.deepEqual(parseInvitationLink(d.web_link), device);
      // The device-join item carries this very link, for a device of the device-list.
      const join = vectors.contents.find((c) => c.content.type === 'device-join');
      assert.ok(join?.content.type === 'device-join');
      assert.deepEqual(invitation(join.content.invitation), device);
      assert.ok(join.encoded.endsWith(d.encoded), 'the link is the last field of device-join');
      const list = vectors.contents.find((c) => c.content.type === 'device-list');
      assert.ok(list?.content.type === 'device-list');
      const to = join.content.to;
      assert.ok(list.content.devices.some((x) => x.id === to), 'device-join names a device of the device-list');
      assert.equal(d.encoded.slice(-16), d.expires!.toString(16).padStart(16, '0'), 'expires:u64 last');
    });

    test('the pair: its AD is the agreement of the inputs, its id SHA-256 of it; the pair\'s peer key signed the recorded envelope', () => {
      const joined = joinAgreement(crypto, keys, { dh: x25519(inputs.joiner_dh_secret), ephemeral: x25519(inputs.joiner_ephemeral_secret), sig: joinerSig, kemRandomness: fromHex(inputs.kem_randomness) });
      assert.equal(toHex(joined.associatedData), vectors.pair.ad);
      assert.equal(toHex(crypto.sha256(fromHex(vectors.pair.ad))), vectors.pair.pair_id);
      const e = vectors.pair.envelope;
      const message = vectors.contents.find((c) => c.content.type === 'device-message' && c.content.envelope === e.signed);
      assert.ok(message?.content.type === 'device-message');
      assert.equal(message.content.pair, vectors.pair.pair_id);
      const pairs = vectors.contents.flatMap((c) => (c.content.type === 'device-pair' ? [c.content.pair] : []));
      assert.ok(pairs.length >= 2);
      assert.deepEqual([...new Set(pairs.map((p) => p.introducible))].sort(), [false, true], 'device-pair introducible both ways');
      for (const p of pairs) {
        assert.equal(p.ad, vectors.pair.ad);
        assert.equal(p.peer_key, vectors.joiner_sig_public);
      }
      const opened = openEnvelope(crypto, joinerSig.publicKey, fromHex(e.signed));
      assert.equal(opened.seq, e.seq);
      assert.equal(opened.timestamp, e.timestamp);
      const text = vectors.contents.find((c) => c.content.type === 'text')!;
      assert.deepEqual(opened.content, content(text.content));
      assert.equal(toHex(signEnvelope(crypto, joinerSig.secretKey, opened)), e.signed);
      assert.equal(toHex(envelopeHash(crypto, fromHex(e.signed))), e.hash);
    });
  });
}
