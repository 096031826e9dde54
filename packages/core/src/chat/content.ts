/**
 * What a signed envelope carries (docs/protocol/graph-chat.md §4.3): one
 * content item, a type byte followed by its body. Lengths of text and bytes
 * are u16, counts u8, optional fields a presence byte (0 absent, 1 present).
 *
 *   str      = len:u16 || UTF-8
 *   bin      = len:u16 || bytes
 *   opt(x)   = 00 | 01 || x
 *   profileFields = displayName:str || opt(fullName:str) || opt(image:bin) || opt(status:str)
 *   queues   = count:u8 (1..8) || (len:u8 || relay || senderId:24) * count
 *   keys     = count:u8 (1..8) || key:32 * count
 *
 *   1 confirm  queues (replyQueues) || keys (senderKeys) || profileFields
 *   2 reply    keys (senderKeys) || profileFields
 *   3 hello    (empty)
 *   4 text     str (0..15,000 bytes)
 *   5 receipt  seq:u32 (>= 1) || hash:32
 *   6 profile  profileFields
 *   7 request  bin (a one-time invitation, §2.2) || profileFields
 *   8 receipts count:u8 (2..128) || (seq:u32 (>= 1) || hash:32) * count
 *   9 mode     offTheRecord:u8 (0 | 1) || answer:u8 (0 | 1)
 *
 * Version 3 (moving queues, §8.6):
 *  10 queues-add   queues (the recipient's new receive queues)
 *  11 queues-keys  addHash:32 (the queues-add answered) || keys (one sender key per queue of it, same order)
 *  12 queues-use   ids (use, 1..8) || ids (retire, 0..8)
 *  13 queues-test  (empty; sent through the new queues only)
 *   ids = count:u8 || senderId:24 * count
 *
 * Version 4 (several devices per person, devices.md §6; device-content.ts):
 *  14 text (v4)   messageId:16 || counter:u32 || str: a text with the id every copy of it
 *                 shares and its Lamport counter (devices.md §7); sent instead of 4 on version 4
 *  15..23         device-add, device-remove, device-list, device-profile, device-pair,
 *                 device-message, device-invite, device-delivered, device-join
 *
 *  64..127 optional: any body; a receiver that does not know the type keeps
 *          the envelope in the chain and ignores it (§4.2)
 */
import { ByteReader, ByteWriter, fromUtf8, utf8 } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { ChatError } from './errors.js';
import type { ProfileContent } from './profile-content.js';
import { DEVICE_CONTENT_TAGS, readDeviceContent, writeDeviceContent, type DeviceContent, type ProfileCodec } from './device-content.js';
import { decodeInvitation, encodeInvitation, type Invitation } from './invitation.js';
import { MAX_QUEUES, readCount, readQueueList, SENDER_ID_LENGTH, writeQueueList, type QueueAddress } from './queue-address.js';


export type { ProfileContent } from './profile-content.js';

export type Content =
  /** Joiner → inviter, in the confirmation: the joiner's receive queues and one sender public key per invitation queue (same order). */
  | { readonly type: 'confirm'; readonly replyQueues: readonly QueueAddress[]; readonly senderKeys: readonly Uint8Array[]; readonly profile: ProfileContent }
  /** Inviter → joiner: one sender public key per reply queue (same order). */
  | { readonly type: 'reply'; readonly senderKeys: readonly Uint8Array[]; readonly profile: ProfileContent }
  /** Joiner → inviter once it has secured its queues: the connection is active. */
  | { readonly type: 'hello' }
  /**
   * A chat message: 0..15,000 bytes of UTF-8. From version 4 with the id its
   * copies on every pair share (16 bytes) and its Lamport counter (u32), both
   * or neither (devices.md §7).
   */
  | { readonly type: 'text'; readonly text: string; readonly messageId?: Uint8Array; readonly counter?: number }
  /** Acknowledges the peer's envelope with this seq and SHA-256 hash (envelopeHash). */
  | { readonly type: 'receipt'; readonly seq: number; readonly hash: Uint8Array }
  /** A new profile for this connection. */
  | { readonly type: 'profile'; readonly profile: ProfileContent }
  /**
   * Requester → owner of a contact address, in the confirmation body sent to
   * the address: the requester's own one-time invitation, which the owner
   * joins if it accepts (graph-chat §7.6), and the requester's profile.
   */
  | { readonly type: 'request'; readonly invitation: Invitation; readonly profile: ProfileContent }
  /** Several receipts in one envelope, each as in `receipt`: what a burst of messages is answered with. */
  | { readonly type: 'receipts'; readonly receipts: readonly Receipt[] }
  /**
   * Switching the connection on or off the record (graph-chat §8.5): a
   * proposal, or (`answer`) the agreement to the peer's proposal.
   */
  | { readonly type: 'mode'; readonly offTheRecord: boolean; readonly answer: boolean }
  /** The recipient's new receive queues for this connection (graph-chat §8.6): the peer answers with sender keys for them. */
  | { readonly type: 'queues-add'; readonly queues: readonly QueueAddress[] }
  /**
   * Answers the queues-add whose envelope hash is `addHash` (so an answer to
   * an older one is never taken for the current one): one sender public key
   * per queue of it, in its order, which the recipient registers with KEY.
   */
  | { readonly type: 'queues-keys'; readonly addHash: Uint8Array; readonly senderKeys: readonly Uint8Array[] }
  /** The recipient secured its new queues: send through `use` (sender ids) and stop sending to `retire`. */
  | { readonly type: 'queues-use'; readonly use: readonly Uint8Array[]; readonly retire: readonly Uint8Array[] }
  /** Sent through the new queues only, once the sender switched to them: the recipient may delete the retired ones. */
  | { readonly type: 'queues-test' }
  /**
   * A type of the optional range (OPTIONAL_CONTENT_TAGS) that this version
   * does not know: its body as it came. A later version may send one on a
   * connection of this version; a receiver keeps it in the chain (it is
   * signed and hashed like any) and does nothing else with it.
   */
  | { readonly type: 'optional'; readonly tag: number; readonly body: Uint8Array }
  | DeviceContent;

/** One acknowledged envelope of the peer: its seq and SHA-256 hash (envelopeHash). */
export interface Receipt {
  readonly seq: number;
  readonly hash: Uint8Array;
}

/** Receipts per `receipts` envelope; one receipt alone goes as `receipt`. */
export const MIN_BATCHED_RECEIPTS = 2;
export const MAX_BATCHED_RECEIPTS = 128;

export type ContentType = Content['type'];

export const MAX_DISPLAY_NAME_LENGTH = 100;
export const MAX_PROFILE_TEXT_BYTES = 500;
export const MAX_IMAGE_BYTES = 12_000;
export const MAX_TEXT_BYTES = 15_000;
export const SENDER_KEY_LENGTH = 32;
export const HASH_LENGTH = 32;

/**
 * Content types a receiver that does not know them ignores rather than
 * rejects (§4.2): the room a later version has for what it can send to a
 * connection of this one (a version upgrade, say) without breaking it.
 */
export const OPTIONAL_CONTENT_TAGS = { min: 64, max: 127 } as const;

export const CONTENT_TAGS: Readonly<Record<Exclude<ContentType, 'optional'>, number>> = {
  confirm: 1,
  reply: 2,
  hello: 3,
  text: 4,
  receipt: 5,
  profile: 6,
  request: 7,
  receipts: 8,
  mode: 9,
  'queues-add': 10,
  'queues-keys': 11,
  'queues-use': 12,
  'queues-test': 13,
  ...DEVICE_CONTENT_TAGS,
};
/** The type byte of a version 4 text, which carries a message id and a counter (devices.md §7). */
export const TEXT_WITH_ID_TAG = 14;
export const MESSAGE_ID_LENGTH = 16;

/** Content types a version 2 connection does not know (graph-chat §8.6): sent only when both sides speak version 3. */
export const QUEUE_MOVE_CONTENT: readonly ContentType[] = ['queues-add', 'queues-keys', 'queues-use', 'queues-test'];

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/** Why `name` is not a valid display name, or null. A caller can check user input with it before building a profile. */
export function displayNameProblem(name: string): string | null {
  const length = codePoints(name);
  if (length < 1) return 'display name is empty';
  if (length > MAX_DISPLAY_NAME_LENGTH) return `display name longer than ${MAX_DISPLAY_NAME_LENGTH} characters`;
  if (CONTROL.test(name)) return 'display name contains a control character';
  if (LONE_SURROGATE.test(name)) return 'display name is not well-formed Unicode';
  return null;
}

function encodeText(what: string, text: string, min: number, max: number): Uint8Array {
  if (LONE_SURROGATE.test(text)) throw new RangeError(`${what} is not well-formed Unicode (lone surrogate)`);
  const bytes = utf8(text);
  if (bytes.length > max) throw new ChatError('TOO_LARGE', `${what} is ${bytes.length} bytes, at most ${max} allowed`);
  if (bytes.length < min) throw new RangeError(`${what} is empty`);
  return bytes;
}

function readText(reader: ByteReader, what: string, min: number, max: number): string {
  const length = reader.u16();
  if (length < min || length > max) throw new DecodeError('INVALID', `${what} length ${length} outside ${min}..${max}`);
  return fromUtf8(reader.view(length)); // decoded at once: no copy needed
}

/**
 * `len:u16 || UTF-8` of a text content, encoded straight into the writer
 * (the same bytes and errors as longBytes(encodeText(...)), without the
 * intermediate array).
 */
function writeMessageText(writer: ByteWriter, text: string): void {
  // At least one UTF-8 byte per UTF-16 code unit: longer text is too large in any case.
  if (text.length > MAX_TEXT_BYTES) {
    writer.longBytes(encodeText('text', text, 0, MAX_TEXT_BYTES));
    return;
  }
  if (LONE_SURROGATE.test(text)) throw new RangeError('text is not well-formed Unicode (lone surrogate)');
  const length = writer.longUtf8(text); // at most 3 * MAX_TEXT_BYTES bytes: fits the u16
  if (length > MAX_TEXT_BYTES) throw new ChatError('TOO_LARGE', `text is ${length} bytes, at most ${MAX_TEXT_BYTES} allowed`);
}

function writeProfile(writer: ByteWriter, profile: ProfileContent): void {
  const problem = displayNameProblem(profile.displayName);
  if (problem !== null) {
    if (codePoints(profile.displayName) > MAX_DISPLAY_NAME_LENGTH) throw new ChatError('TOO_LARGE', problem);
    throw new RangeError(problem);
  }
  writer.longBytes(utf8(profile.displayName));
  if (profile.fullName === undefined) writer.u8(0);
  else {
    if (CONTROL.test(profile.fullName)) throw new RangeError('full name contains a control character');
    writer.u8(1).longBytes(encodeText('full name', profile.fullName, 1, MAX_PROFILE_TEXT_BYTES));
  }
  if (profile.image === undefined) writer.u8(0);
  else {
    if (profile.image.length > MAX_IMAGE_BYTES) throw new ChatError('TOO_LARGE', `image is ${profile.image.length} bytes, at most ${MAX_IMAGE_BYTES} allowed`);
    if (profile.image.length < 1) throw new RangeError('image is empty');
    writer.u8(1).longBytes(profile.image);
  }
  if (profile.status === undefined) writer.u8(0);
  else writer.u8(1).longBytes(encodeText('status', profile.status, 1, MAX_PROFILE_TEXT_BYTES));
}

function readPresence(reader: ByteReader, what: string): boolean {
  const flag = reader.u8();
  if (flag > 1) throw new DecodeError('INVALID', `${what} presence flag ${flag}`);
  return flag === 1;
}

function readProfile(reader: ByteReader): ProfileContent {
  // A display name of 100 code points takes at most 400 bytes of UTF-8.
  const displayName = readText(reader, 'display name', 1, 4 * MAX_DISPLAY_NAME_LENGTH);
  const problem = displayNameProblem(displayName);
  if (problem !== null) throw new DecodeError('INVALID', problem);
  const profile: { displayName: string; fullName?: string; image?: Uint8Array; status?: string } = { displayName };
  if (readPresence(reader, 'full name')) {
    const fullName = readText(reader, 'full name', 1, MAX_PROFILE_TEXT_BYTES);
    if (CONTROL.test(fullName)) throw new DecodeError('INVALID', 'full name contains a control character');
    profile.fullName = fullName;
  }
  if (readPresence(reader, 'image')) {
    const length = reader.u16();
    if (length < 1 || length > MAX_IMAGE_BYTES) throw new DecodeError('INVALID', `image length ${length} outside 1..${MAX_IMAGE_BYTES}`);
    profile.image = reader.bytes(length);
  }
  if (readPresence(reader, 'status')) profile.status = readText(reader, 'status', 1, MAX_PROFILE_TEXT_BYTES);
  return profile;
}

function writeKeys(writer: ByteWriter, keys: readonly Uint8Array[]): void {
  if (keys.length < 1 || keys.length > MAX_QUEUES) throw new RangeError(`1..${MAX_QUEUES} sender keys required, got ${keys.length}`);
  writer.u8(keys.length);
  for (const key of keys) {
    if (key.length !== SENDER_KEY_LENGTH) throw new RangeError(`sender key must be ${SENDER_KEY_LENGTH} bytes`);
    writer.bytes(key);
  }
}

function readKeys(reader: ByteReader): Uint8Array[] {
  const count = readCount(reader, 'sender key');
  const keys: Uint8Array[] = [];
  for (let i = 0; i < count; i++) keys.push(reader.bytes(SENDER_KEY_LENGTH));
  return keys;
}

function writeReceipt(writer: ByteWriter, receipt: Receipt): void {
  if (receipt.seq < 1) throw new RangeError(`receipt seq must be at least 1, got ${receipt.seq}`);
  if (receipt.hash.length !== HASH_LENGTH) throw new RangeError(`receipt hash must be ${HASH_LENGTH} bytes`);
  writer.u32(receipt.seq).bytes(receipt.hash);
}

function readFlag(reader: ByteReader): boolean {
  const value = reader.u8();
  if (value > 1) throw new DecodeError('INVALID', `flag ${value} is neither 0 nor 1`);
  return value === 1;
}

function writeIds(writer: ByteWriter, ids: readonly Uint8Array[], min: number): void {
  if (ids.length < min || ids.length > MAX_QUEUES) throw new RangeError(`${min}..${MAX_QUEUES} sender ids required, got ${ids.length}`);
  writer.u8(ids.length);
  for (const id of ids) {
    if (id.length !== SENDER_ID_LENGTH) throw new RangeError(`sender id must be ${SENDER_ID_LENGTH} bytes`);
    writer.bytes(id);
  }
}

function readIds(reader: ByteReader, min: number): Uint8Array[] {
  const count = reader.u8();
  if (count < min || count > MAX_QUEUES) throw new DecodeError('INVALID', `sender id count ${count} outside ${min}..${MAX_QUEUES}`);
  return Array.from({ length: count }, () => reader.bytes(SENDER_ID_LENGTH));
}

function readReceipt(reader: ByteReader): Receipt {
  const seq = reader.u32();
  if (seq < 1) throw new DecodeError('INVALID', 'receipt seq 0');
  return { seq, hash: reader.bytes(HASH_LENGTH) };
}

const PROFILE_CODEC: ProfileCodec = { write: (writer, profile) => writeProfile(writer, profile), read: (reader) => readProfile(reader) };

/** Appends `type:u8 || body`. Throws ChatError TOO_LARGE past a size limit, RangeError for other invalid values. */
export function writeContent(writer: ByteWriter, content: Content): void {
  if (content.type === 'optional') {
    if (!Number.isInteger(content.tag) || content.tag < OPTIONAL_CONTENT_TAGS.min || content.tag > OPTIONAL_CONTENT_TAGS.max) {
      throw new RangeError(`optional content types are ${OPTIONAL_CONTENT_TAGS.min}..${OPTIONAL_CONTENT_TAGS.max}, not ${content.tag}`);
    }
    writer.u8(content.tag).bytes(content.body);
    return;
  }
  if (content.type === 'text' && (content.messageId !== undefined || content.counter !== undefined)) {
    if (content.messageId?.length !== MESSAGE_ID_LENGTH) throw new RangeError(`a text's message id is ${MESSAGE_ID_LENGTH} bytes`);
    writer.u8(TEXT_WITH_ID_TAG).bytes(content.messageId).u32(content.counter ?? -1);
    writeMessageText(writer, content.text);
    return;
  }
  writer.u8(CONTENT_TAGS[content.type]);
  switch (content.type) {
    case 'confirm':
      writeQueueList(writer, content.replyQueues);
      writeKeys(writer, content.senderKeys);
      writeProfile(writer, content.profile);
      return;
    case 'reply':
      writeKeys(writer, content.senderKeys);
      writeProfile(writer, content.profile);
      return;
    case 'hello':
      return;
    case 'text':
      writeMessageText(writer, content.text);
      return;
    case 'receipt':
      writeReceipt(writer, content);
      return;
    case 'receipts':
      if (content.receipts.length < MIN_BATCHED_RECEIPTS || content.receipts.length > MAX_BATCHED_RECEIPTS) {
        throw new RangeError(`${MIN_BATCHED_RECEIPTS}..${MAX_BATCHED_RECEIPTS} receipts required, got ${content.receipts.length}`);
      }
      writer.u8(content.receipts.length);
      for (const receipt of content.receipts) writeReceipt(writer, receipt);
      return;
    case 'profile':
      writeProfile(writer, content.profile);
      return;
    case 'request':
      if (content.invitation.kind !== 'one-time') throw new RangeError('a request carries a one-time invitation');
      writer.longBytes(encodeInvitation(content.invitation));
      writeProfile(writer, content.profile);
      return;
    case 'mode':
      writer.u8(content.offTheRecord ? 1 : 0).u8(content.answer ? 1 : 0);
      return;
    case 'queues-add':
      writeQueueList(writer, content.queues);
      return;
    case 'queues-keys':
      if (content.addHash.length !== HASH_LENGTH) throw new RangeError(`queues-keys names a ${HASH_LENGTH}-byte hash`);
      writer.bytes(content.addHash);
      writeKeys(writer, content.senderKeys);
      return;
    case 'queues-use':
      writeIds(writer, content.use, 1);
      writeIds(writer, content.retire, 0);
      return;
    case 'queues-test':
      return;
    case 'device-add':
    case 'device-remove':
    case 'device-list':
    case 'device-profile':
    case 'device-pair':
    case 'device-message':
    case 'device-invite':
    case 'device-delivered':
    case 'device-join':
      writeDeviceContent(writer, content, PROFILE_CODEC);
      return;
    default:
      throw new RangeError(`unknown content type ${(content as { type: unknown }).type}`);
  }
}

/** Reads `type:u8 || body` up to the end of `reader`'s input. */
export function readContent(reader: ByteReader): Content {
  const tag = reader.u8();
  let content: Content;
  switch (tag) {
    case 1:
      content = { type: 'confirm', replyQueues: readQueueList(reader), senderKeys: readKeys(reader), profile: readProfile(reader) };
      break;
    case 2:
      content = { type: 'reply', senderKeys: readKeys(reader), profile: readProfile(reader) };
      break;
    case 3:
      content = { type: 'hello' };
      break;
    case 4:
      content = { type: 'text', text: readText(reader, 'text', 0, MAX_TEXT_BYTES) };
      break;
    case 5:
      content = { type: 'receipt', ...readReceipt(reader) };
      break;
    case 8: {
      const count = reader.u8();
      if (count < MIN_BATCHED_RECEIPTS || count > MAX_BATCHED_RECEIPTS) throw new DecodeError('INVALID', `receipt count ${count} outside ${MIN_BATCHED_RECEIPTS}..${MAX_BATCHED_RECEIPTS}`);
      const receipts: Receipt[] = [];
      for (let i = 0; i < count; i++) receipts.push(readReceipt(reader));
      content = { type: 'receipts', receipts };
      break;
    }
    case 6:
      content = { type: 'profile', profile: readProfile(reader) };
      break;
    case 7: {
      const invitation = decodeInvitation(reader.bytes(reader.u16()));
      if (invitation.kind !== 'one-time') throw new DecodeError('INVALID', 'a request carries a one-time invitation');
      content = { type: 'request', invitation, profile: readProfile(reader) };
      break;
    }
    case 9:
      content = { type: 'mode', offTheRecord: readFlag(reader), answer: readFlag(reader) };
      break;
    case 10:
      content = { type: 'queues-add', queues: readQueueList(reader) };
      break;
    case 11:
      content = { type: 'queues-keys', addHash: reader.bytes(HASH_LENGTH), senderKeys: readKeys(reader) };
      break;
    case 12:
      content = { type: 'queues-use', use: readIds(reader, 1), retire: readIds(reader, 0) };
      break;
    case 13:
      content = { type: 'queues-test' };
      break;
    case TEXT_WITH_ID_TAG: {
      const messageId = reader.bytes(MESSAGE_ID_LENGTH);
      const counter = reader.u32();
      content = { type: 'text', messageId, counter, text: readText(reader, 'text', 0, MAX_TEXT_BYTES) };
      break;
    }
    default: {
      const device = readDeviceContent(reader, tag, PROFILE_CODEC);
      if (device !== null) {
        content = device;
        break;
      }
      if (tag < OPTIONAL_CONTENT_TAGS.min || tag > OPTIONAL_CONTENT_TAGS.max) throw new DecodeError('INVALID', `unknown content type ${tag}`);
      content = { type: 'optional', tag, body: reader.rest() };
    }
  }
  reader.end();
  return content;
}

export function encodeContent(content: Content): Uint8Array {
  const writer = new ByteWriter();
  writeContent(writer, content);
  return writer.finish();
}

/** Throws DecodeError unless `bytes` is exactly one content item. */
export function decodeContent(bytes: Uint8Array): Content {
  return readContent(new ByteReader(bytes));
}
