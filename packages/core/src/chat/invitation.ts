/**
 * Invitations and invitation links (docs/protocol/graph-chat.md §2). An
 * invitation is what passes out of band from inviter to joiner: the graph-chat
 * versions the inviter speaks, the inviter's per-connection public keys
 * (§1.5) and the relay queues the joiner sends its confirmation to.
 *
 *   invitation = ver_min:u8 || ver_max:u8 || kind:u8 || keys:1249 || nqueues:u8 || queue*nqueues
 *                [|| expires:u64]                                  (kind 4 only)
 *   queue      = len:u8 || relay (ASCII, canonical, no password) || senderId:24
 *   link       = "graphchat:/invite#" base64url(invitation)        (kind 1, one-time; kind 3, off the record)
 *              | "graphchat:/contact#" base64url(invitation)       (kind 2, contact address)
 *              | "graphchat:/device#" base64url(invitation)        (kind 4, linking a device, devices.md §4)
 *              | "https://" host "/" [path "/"] ("invite" | "contact" | "device") ["?" query] "#" base64url(invitation)
 */
import { ByteReader, ByteWriter, fromBase64url, toBase64url } from '../bytes.js';
import { decodeInvitationKeys, encodeInvitationKeys, INVITATION_KEYS_LENGTH, type InvitationPublicKeys } from '../agreement/codec.js';
import { DecodeError } from '../errors.js';
import { trimLinkWhitespace } from '../whitespace.js';
import { ChatError } from './errors.js';
import { readQueueList, writeQueueList, type QueueAddress } from './queue-address.js';

export type { QueueAddress } from './queue-address.js';

/**
 * The graph-chat protocol versions this implementation speaks. Version 2
 * (§1.6) puts a random nonce in front of every ratchet ciphertext; version 1
 * (a constant nonce) is no longer spoken, so a version 1 invitation fails
 * with UNSUPPORTED_VERSION instead of leading to undecryptable messages.
 * Version 3 adds moving a connection's queues (§8.6); version 4, several
 * devices per person (devices.md). A connection uses the highest version
 * both sides speak.
 */
export const CHAT_VERSIONS = { min: 2, max: 4 } as const;

/**
 * 'one-time': accepts one confirmation, then its queues belong to that connection.
 * 'contact-address': long-lived, accepts a confirmation from anyone who has it.
 * 'off-the-record': one-time, for a connection whose envelopes are never
 *   signed (graph-chat §4.7), from the joiner's confirmation on.
 * 'device': one-time, links a new device of the inviter's own (devices.md
 *   §4); it expires at `expires`.
 */
export type InvitationKind = 'one-time' | 'contact-address' | 'off-the-record' | 'device';

export interface ChatVersionRange {
  readonly min: number;
  readonly max: number;
}

export interface Invitation {
  /** Graph-chat protocol versions the inviter speaks, min <= max, both 1..255. */
  readonly versions: ChatVersionRange;
  readonly kind: InvitationKind;
  /** The inviter's public keys of graph-chat §1.5 (encodeInvitationKeys). */
  readonly keys: InvitationPublicKeys;
  /** Where the joiner sends its confirmation: 1..8 queues. */
  readonly queues: readonly QueueAddress[];
  /** Kind 'device' only (and there required): when the link stops working, ms since the epoch by the inviter's clock. */
  readonly expires?: number;
}

const KIND_TAGS: Readonly<Record<InvitationKind, number>> = { 'one-time': 1, 'contact-address': 2, 'off-the-record': 3, device: 4 };
const LINK_PATHS: Readonly<Record<InvitationKind, string>> = { 'one-time': 'invite', 'contact-address': 'contact', 'off-the-record': 'invite', device: 'device' };
/** A device link needs version 4 (devices.md): its range starts there. */
export const DEVICE_LINK_VERSIONS = { min: 4, max: CHAT_VERSIONS.max } as const;
const LINK_SCHEME = 'graphchat:/';

function checkVersionRange(versions: ChatVersionRange): void {
  const { min, max } = versions;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 255 || min > max) {
    throw new RangeError(`invalid version range ${min}..${max}`);
  }
}

/** The highest version both `versions` and CHAT_VERSIONS contain; ChatError UNSUPPORTED_VERSION if none. */
export function commonChatVersion(versions: ChatVersionRange): number {
  const high = Math.min(versions.max, CHAT_VERSIONS.max);
  if (high < Math.max(versions.min, CHAT_VERSIONS.min)) {
    throw new ChatError('UNSUPPORTED_VERSION', `no common graph-chat version: peer speaks ${versions.min}..${versions.max}, this client ${CHAT_VERSIONS.min}..${CHAT_VERSIONS.max}`);
  }
  return high;
}

export function encodeInvitation(invitation: Invitation): Uint8Array {
  checkVersionRange(invitation.versions);
  // What decodeInvitation refuses is not written either.
  if (invitation.kind === 'device' && invitation.versions.max < DEVICE_LINK_VERSIONS.min) throw new RangeError(`a device invitation needs version ${DEVICE_LINK_VERSIONS.min}`);
  const writer = new ByteWriter(3 + INVITATION_KEYS_LENGTH + 1 + invitation.queues.length * 96)
    .u8(invitation.versions.min)
    .u8(invitation.versions.max)
    .u8(KIND_TAGS[invitation.kind])
    .bytes(encodeInvitationKeys(invitation.keys));
  writeQueueList(writer, invitation.queues);
  if ((invitation.kind === 'device') !== (invitation.expires !== undefined)) throw new RangeError('a device invitation, and only one, carries an expiry time');
  if (invitation.expires !== undefined) writer.u64(invitation.expires);
  return writer.finish();
}

/**
 * Throws ChatError UNSUPPORTED_VERSION when the invitation's version range has
 * no version in common with CHAT_VERSIONS (checked before the rest is read),
 * DecodeError for anything else that is not exactly one invitation.
 */
export function decodeInvitation(bytes: Uint8Array): Invitation {
  const reader = new ByteReader(bytes);
  const min = reader.u8();
  const max = reader.u8();
  if (min < 1 || min > max) throw new DecodeError('INVALID', `invalid version range ${min}..${max}`);
  const versions = { min, max };
  commonChatVersion(versions);
  const tag = reader.u8();
  const kind = tag === 1 ? 'one-time' : tag === 2 ? 'contact-address' : tag === 3 ? 'off-the-record' : tag === 4 ? 'device' : null;
  if (kind === null) throw new DecodeError('INVALID', `unknown invitation kind ${tag}`);
  if (kind === 'device' && max < DEVICE_LINK_VERSIONS.min) throw new DecodeError('INVALID', `a device invitation needs version ${DEVICE_LINK_VERSIONS.min}`);
  const keys = decodeInvitationKeys(reader.bytes(INVITATION_KEYS_LENGTH));
  const queues = readQueueList(reader);
  const expires = kind === 'device' ? reader.u64() : undefined;
  reader.end();
  return expires === undefined ? { versions, kind, keys, queues } : { versions, kind, keys, queues, expires };
}

/** `graphchat:/invite#<base64url>` for a one-time invitation, `graphchat:/contact#<base64url>` for a contact address, `graphchat:/device#<base64url>` for a device link. */
export function formatInvitationLink(invitation: Invitation): string {
  return `${LINK_SCHEME}${LINK_PATHS[invitation.kind]}#${toBase64url(encodeInvitation(invitation))}`;
}

/**
 * `https://` form: the page at that URL may show instructions or open an
 * app; the payload stays in the fragment, which browsers never send to the
 * server. Any host, any path ending in the kind's segment, an optional query.
 */
export function formatInvitationWebLink(invitation: Invitation, base: string): string {
  const match = /^https:\/\/[^/?# \t\n\r]+(?:\/[^?# \t\n\r]*)?$/.exec(base);
  if (!match) throw new RangeError(`not an https URL without query or fragment: ${base}`);
  const path = base.endsWith('/') ? base : base + '/';
  return `${path}${LINK_PATHS[invitation.kind]}#${toBase64url(encodeInvitation(invitation))}`;
}

const APP_LINK = /^graphchat:\/(invite|contact|device)#(.*)$/is;
// Host, path and query exclude the whitespace of ../whitespace.ts (space, tab, LF, CR), as §2.3 says.
const WEB_LINK = /^https:\/\/[^/?# \t\n\r]+\/(?:[^?# \t\n\r]*\/)?(invite|contact|device)(?:\?[^# \t\n\r]*)?#(.*)$/is;

/**
 * Parses either link form (space, tab, LF and CR around it ignored). Throws
 * ChatError BAD_LINK when the text is not an invitation link: another scheme,
 * a path not ending in `invite`, `contact` or `device`, no or an empty fragment, a
 * fragment that is not base64url, or a kind in the path that differs from
 * the kind inside.
 * The payload itself fails as decodeInvitation does (DecodeError, ChatError
 * UNSUPPORTED_VERSION).
 */
export function parseInvitationLink(link: string): Invitation {
  const text = trimLinkWhitespace(link);
  const match = APP_LINK.exec(text) ?? WEB_LINK.exec(text);
  // The scheme is case-insensitive (RFC 3986 §3.1); the path segment is not.
  const segment = match?.[1];
  if (!match || (segment !== 'invite' && segment !== 'contact' && segment !== 'device')) throw new ChatError('BAD_LINK', 'not a graphchat invitation link');
  const fragment = match[2]!;
  if (fragment === '') throw new ChatError('BAD_LINK', 'invitation link without payload');
  let payload: Uint8Array;
  try {
    payload = fromBase64url(fragment);
  } catch {
    throw new ChatError('BAD_LINK', 'invitation link payload is not base64url');
  }
  const invitation = decodeInvitation(payload);
  if (LINK_PATHS[invitation.kind] !== segment) {
    throw new ChatError('BAD_LINK', `link path says ${segment} but the invitation is a ${invitation.kind} invitation`);
  }
  return invitation;
}
