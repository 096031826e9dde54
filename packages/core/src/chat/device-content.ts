/**
 * The content types of several devices per person (graph-chat version 4,
 * docs/protocol/devices.md §6), in the notation of graph-chat §4.3:
 *
 *   id8      = 8 bytes (a device id, or a contact id among one's own devices)
 *   pairId   = 32 bytes: SHA-256 of a pair connection's handshake AD (§1.4)
 *   name     = str (1..64 bytes of UTF-8, no control characters)
 *
 *  On a pair connection (mine with one device of a contact):
 *  15 device-add     bin (a one-time invitation, §2.2, kind 1 or 3, that one more device of mine made for this contact device)
 *  16 device-remove  count:u8 (1..8) || pairId * count
 *
 *  On a device channel (between two devices of one person):
 *  17 device-list      count:u8 (1..8) || (deviceId:8 || removed:u8 || name) * count
 *  18 device-profile   profileFields || count:u8 (1..16) || str (relay address) * count
 *  19 device-pair      contact:8 || holder:8 || via:32 || since:u64 || flags:u8 || ad:bin || holderKey:32 || peerKey:32 || opt(profileFields)
 *                        flags: 1 verified, 2 off the record, 4 closed, 8 introducible (the pair speaks version 4)
 *  20 device-message   contact:8 || pairId || direction:u8 (1 sent, 2 received, by the holder) || status:u8 (1 sent, 2 delivered, 3 received)
 *                        || localTime:u64 || envelope:bin (signed or unsigned, as sent or received)
 *  21 device-invite    contact:8 || pairId || bin (a one-time invitation, kind 1 or 3, for the holder of pairId to pass on)
 *  22 device-delivered pairId || count:u8 (1..128) || seq:u32 * count
 *  23 device-join      to:8 || bin (a device invitation, kind 4, of the sender's for device `to`: passed on to it, and joined by it)
 */
import { ByteReader, ByteWriter, fromUtf8, utf8 } from '../bytes.js';
import { DecodeError } from '../errors.js';
import type { ProfileContent } from './profile-content.js';
import { decodeInvitation, encodeInvitation, type Invitation } from './invitation.js';

export const DEVICE_ID_LENGTH = 8;
export const PAIR_ID_LENGTH = 32;
/** Devices per profile, at most (devices.md §2). */
export const MAX_DEVICES = 8;
export const MAX_DEVICE_NAME_BYTES = 64;
export const MAX_PROFILE_RELAYS = 16;
export const MAX_DELIVERED_SEQS = 128;

export interface DeviceEntry {
  readonly id: Uint8Array;
  readonly removed: boolean;
  readonly name: string;
}

/** One pair connection of a contact, as its holder tells its own other devices (devices.md §6). */
export interface DevicePair {
  /** The contact this pair belongs to, by its id among the person's devices. */
  readonly contact: Uint8Array;
  /** The device that holds the pair. */
  readonly holder: Uint8Array;
  /** The pair of another of my devices over which this pair was introduced (zeros: none). */
  readonly via: Uint8Array;
  /** The contact device's clock when it joined this pair (0: made the usual way): what it wrote before went to other pairs only. */
  readonly since: number;
  readonly verified: boolean;
  readonly offTheRecord: boolean;
  /** Closed: removed by the contact or with a device; nothing more is sent on it. */
  readonly closed: boolean;
  /** The pair speaks version 4: its holder can introduce another of my devices over it (device-add). */
  readonly introducible: boolean;
  /** The pair's handshake AD: binds both signing keys, and names the pair (pairId). */
  readonly ad: Uint8Array;
  readonly holderKey: Uint8Array;
  readonly peerKey: Uint8Array;
  /** The contact's profile as the pair last received it. */
  readonly profile?: ProfileContent;
}

export type DeviceMessageDirection = 'sent' | 'received';
export type DeviceMessageStatus = 'sent' | 'delivered' | 'received';

export type DeviceContent =
  /** Introduces one more device of the sender's person: the contact's device joins the one-time invitation, kind 1 or 3 (devices.md §5). */
  | { readonly type: 'device-add'; readonly invitation: Invitation }
  /** Closes the named pair connections of the sender's person: a device of theirs was removed (§9). */
  | { readonly type: 'device-remove'; readonly pairs: readonly Uint8Array[] }
  | { readonly type: 'device-list'; readonly devices: readonly DeviceEntry[] }
  | { readonly type: 'device-profile'; readonly profile: ProfileContent; readonly relays: readonly string[] }
  | { readonly type: 'device-pair'; readonly pair: DevicePair }
  | {
      readonly type: 'device-message';
      readonly contact: Uint8Array;
      readonly pair: Uint8Array;
      readonly direction: DeviceMessageDirection;
      readonly status: DeviceMessageStatus;
      readonly localTime: number;
      readonly envelope: Uint8Array;
    }
  | { readonly type: 'device-invite'; readonly contact: Uint8Array; readonly pair: Uint8Array; readonly invitation: Invitation }
  | { readonly type: 'device-delivered'; readonly pair: Uint8Array; readonly seqs: readonly number[] }
  /** A device channel offered to device `to` by a device that has none with it yet (devices.md §4, three devices and more). */
  | { readonly type: 'device-join'; readonly to: Uint8Array; readonly invitation: Invitation };

export const DEVICE_CONTENT_TAGS: Readonly<Record<DeviceContent['type'], number>> = {
  'device-add': 15,
  'device-remove': 16,
  'device-list': 17,
  'device-profile': 18,
  'device-pair': 19,
  'device-message': 20,
  'device-invite': 21,
  'device-delivered': 22,
  'device-join': 23,
};

/** Types that travel on a pair connection; the rest only on device channels. */
export const PAIR_DEVICE_CONTENT: readonly DeviceContent['type'][] = ['device-add', 'device-remove'];

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DIRECTIONS: readonly DeviceMessageDirection[] = ['sent', 'received'];
const STATUSES: readonly DeviceMessageStatus[] = ['sent', 'delivered', 'received'];

function fixed(writer: ByteWriter, what: string, bytes: Uint8Array, length: number): void {
  if (bytes.length !== length) throw new RangeError(`${what} must be ${length} bytes`);
  writer.bytes(bytes);
}

function count(writer: ByteWriter, what: string, n: number, min: number, max: number): void {
  if (n < min || n > max) throw new RangeError(`${min}..${max} ${what} required, got ${n}`);
  writer.u8(n);
}

function readCountIn(reader: ByteReader, what: string, min: number, max: number): number {
  const n = reader.u8();
  if (n < min || n > max) throw new DecodeError('INVALID', `${what} count ${n} outside ${min}..${max}`);
  return n;
}

function writeName(writer: ByteWriter, name: string): void {
  const bytes = utf8(name);
  if (bytes.length < 1 || bytes.length > MAX_DEVICE_NAME_BYTES || CONTROL.test(name)) throw new RangeError(`a device name is 1..${MAX_DEVICE_NAME_BYTES} bytes without control characters`);
  writer.longBytes(bytes);
}

function readName(reader: ByteReader): string {
  const length = reader.u16();
  if (length < 1 || length > MAX_DEVICE_NAME_BYTES) throw new DecodeError('INVALID', `device name length ${length} outside 1..${MAX_DEVICE_NAME_BYTES}`);
  const name = fromUtf8(reader.view(length));
  if (CONTROL.test(name)) throw new DecodeError('INVALID', 'device name contains a control character');
  return name;
}

function readFlagByte(reader: ByteReader, what: string): boolean {
  const value = reader.u8();
  if (value > 1) throw new DecodeError('INVALID', `${what} flag ${value} is neither 0 nor 1`);
  return value === 1;
}

function readEnum<T>(reader: ByteReader, what: string, values: readonly T[]): T {
  const value = reader.u8();
  const found = values[value - 1];
  if (found === undefined) throw new DecodeError('INVALID', `unknown ${what} ${value}`);
  return found;
}

/** The profile field codec of content.ts, passed in to keep one definition of it. */
export interface ProfileCodec {
  write(writer: ByteWriter, profile: ProfileContent): void;
  read(reader: ByteReader): ProfileContent;
}

/** Appends the body of a device content item (its type byte is the caller's). */
export function writeDeviceContent(writer: ByteWriter, content: DeviceContent, profiles: ProfileCodec): void {
  switch (content.type) {
    case 'device-add':
      if (content.invitation.kind !== 'one-time' && content.invitation.kind !== 'off-the-record') throw new RangeError('device-add carries a one-time invitation (kind 1 or 3)');
      writer.longBytes(encodeInvitation(content.invitation));
      return;
    case 'device-remove':
      count(writer, 'pair ids', content.pairs.length, 1, MAX_DEVICES);
      for (const pair of content.pairs) fixed(writer, 'pair id', pair, PAIR_ID_LENGTH);
      return;
    case 'device-list':
      count(writer, 'devices', content.devices.length, 1, MAX_DEVICES);
      for (const device of content.devices) {
        fixed(writer, 'device id', device.id, DEVICE_ID_LENGTH);
        writer.u8(device.removed ? 1 : 0);
        writeName(writer, device.name);
      }
      return;
    case 'device-profile':
      profiles.write(writer, content.profile);
      count(writer, 'relays', content.relays.length, 1, MAX_PROFILE_RELAYS);
      for (const relay of content.relays) {
        const bytes = utf8(relay);
        if (bytes.length < 1 || bytes.length > 1000) throw new RangeError('relay address of 1..1000 bytes required');
        writer.longBytes(bytes);
      }
      return;
    case 'device-pair': {
      const pair = content.pair;
      fixed(writer, 'contact id', pair.contact, DEVICE_ID_LENGTH);
      fixed(writer, 'holder', pair.holder, DEVICE_ID_LENGTH);
      fixed(writer, 'via', pair.via, PAIR_ID_LENGTH);
      writer.u64(pair.since);
      writer.u8((pair.verified ? 1 : 0) | (pair.offTheRecord ? 2 : 0) | (pair.closed ? 4 : 0) | (pair.introducible ? 8 : 0));
      writer.longBytes(pair.ad);
      fixed(writer, 'holder key', pair.holderKey, 32);
      fixed(writer, 'peer key', pair.peerKey, 32);
      if (pair.profile === undefined) writer.u8(0);
      else {
        writer.u8(1);
        profiles.write(writer, pair.profile);
      }
      return;
    }
    case 'device-message':
      fixed(writer, 'contact id', content.contact, DEVICE_ID_LENGTH);
      fixed(writer, 'pair id', content.pair, PAIR_ID_LENGTH);
      if (!DIRECTIONS.includes(content.direction)) throw new RangeError(`unknown direction ${String(content.direction)}`);
      if (!STATUSES.includes(content.status)) throw new RangeError(`unknown status ${String(content.status)}`);
      writer.u8(DIRECTIONS.indexOf(content.direction) + 1).u8(STATUSES.indexOf(content.status) + 1).u64(content.localTime);
      writer.longBytes(content.envelope);
      return;
    case 'device-invite':
      fixed(writer, 'contact id', content.contact, DEVICE_ID_LENGTH);
      fixed(writer, 'pair id', content.pair, PAIR_ID_LENGTH);
      if (content.invitation.kind !== 'one-time' && content.invitation.kind !== 'off-the-record') throw new RangeError('device-invite carries a one-time invitation (kind 1 or 3)');
      writer.longBytes(encodeInvitation(content.invitation));
      return;
    case 'device-join':
      fixed(writer, 'device id', content.to, DEVICE_ID_LENGTH);
      if (content.invitation.kind !== 'device') throw new RangeError('device-join carries a device invitation (kind 4)');
      writer.longBytes(encodeInvitation(content.invitation));
      return;
    case 'device-delivered':
      fixed(writer, 'pair id', content.pair, PAIR_ID_LENGTH);
      count(writer, 'seqs', content.seqs.length, 1, MAX_DELIVERED_SEQS);
      for (const seq of content.seqs) {
        if (seq < 1) throw new RangeError('seq must be at least 1');
        writer.u32(seq);
      }
      return;
  }
}

/** Reads the body of the device content item with type byte `tag`; null if `tag` is not one. */
export function readDeviceContent(reader: ByteReader, tag: number, profiles: ProfileCodec): DeviceContent | null {
  switch (tag) {
    case 15: {
      const invitation = decodeInvitation(reader.bytes(reader.u16()));
      if (invitation.kind !== 'one-time' && invitation.kind !== 'off-the-record') throw new DecodeError('INVALID', 'device-add carries a one-time invitation (kind 1 or 3)');
      return { type: 'device-add', invitation };
    }
    case 16: {
      const n = readCountIn(reader, 'pair id', 1, MAX_DEVICES);
      return { type: 'device-remove', pairs: Array.from({ length: n }, () => reader.bytes(PAIR_ID_LENGTH)) };
    }
    case 17: {
      const n = readCountIn(reader, 'device', 1, MAX_DEVICES);
      const devices: DeviceEntry[] = [];
      for (let i = 0; i < n; i++) devices.push({ id: reader.bytes(DEVICE_ID_LENGTH), removed: readFlagByte(reader, 'removed'), name: readName(reader) });
      return { type: 'device-list', devices };
    }
    case 18: {
      const profile = profiles.read(reader);
      const n = readCountIn(reader, 'relay', 1, MAX_PROFILE_RELAYS);
      const relays: string[] = [];
      for (let i = 0; i < n; i++) {
        const length = reader.u16();
        if (length < 1 || length > 1000) throw new DecodeError('INVALID', `relay address length ${length} outside 1..1000`);
        relays.push(fromUtf8(reader.view(length)));
      }
      return { type: 'device-profile', profile, relays };
    }
    case 19: {
      const contact = reader.bytes(DEVICE_ID_LENGTH);
      const holder = reader.bytes(DEVICE_ID_LENGTH);
      const via = reader.bytes(PAIR_ID_LENGTH);
      const since = reader.u64();
      const flags = reader.u8();
      if (flags > 15) throw new DecodeError('INVALID', `device-pair flags ${flags}`);
      const ad = reader.bytes(reader.u16());
      const holderKey = reader.bytes(32);
      const peerKey = reader.bytes(32);
      const profile = readFlagByte(reader, 'profile') ? profiles.read(reader) : undefined;
      const pair: DevicePair = { contact, holder, via, since, verified: (flags & 1) !== 0, offTheRecord: (flags & 2) !== 0, closed: (flags & 4) !== 0, introducible: (flags & 8) !== 0, ad, holderKey, peerKey, ...(profile !== undefined ? { profile } : {}) };
      return { type: 'device-pair', pair };
    }
    case 20:
      return {
        type: 'device-message',
        contact: reader.bytes(DEVICE_ID_LENGTH),
        pair: reader.bytes(PAIR_ID_LENGTH),
        direction: readEnum(reader, 'direction', DIRECTIONS),
        status: readEnum(reader, 'status', STATUSES),
        localTime: reader.u64(),
        envelope: reader.bytes(reader.u16()),
      };
    case 21: {
      const contact = reader.bytes(DEVICE_ID_LENGTH);
      const pair = reader.bytes(PAIR_ID_LENGTH);
      const invitation = decodeInvitation(reader.bytes(reader.u16()));
      if (invitation.kind !== 'one-time' && invitation.kind !== 'off-the-record') throw new DecodeError('INVALID', 'device-invite carries a one-time invitation (kind 1 or 3)');
      return { type: 'device-invite', contact, pair, invitation };
    }
    case 22: {
      const pair = reader.bytes(PAIR_ID_LENGTH);
      const n = readCountIn(reader, 'seq', 1, MAX_DELIVERED_SEQS);
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) {
        const seq = reader.u32();
        if (seq < 1) throw new DecodeError('INVALID', 'seq 0');
        seqs.push(seq);
      }
      return { type: 'device-delivered', pair, seqs };
    }
    case 23: {
      const to = reader.bytes(DEVICE_ID_LENGTH);
      const invitation = decodeInvitation(reader.bytes(reader.u16()));
      if (invitation.kind !== 'device') throw new DecodeError('INVALID', 'device-join carries a device invitation (kind 4)');
      return { type: 'device-join', to, invitation };
    }
    default:
      return null;
  }
}
