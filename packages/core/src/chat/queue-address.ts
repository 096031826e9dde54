/**
 * Relay queue addresses as the graph-chat layer passes them between clients
 * (docs/protocol/graph-chat.md §2.2): the relay address without its password
 * (a sender needs no password: EMP checks it only for NEW) and the queue's
 * 24-byte sender id.
 *
 *   queue = len:u8 || relay (len ASCII bytes, canonical, no password) || senderId:24
 *
 * "Canonical" means the string is exactly what formatRelayAddress gives for
 * it, so every queue address has one encoding.
 */
import { ByteReader, ByteWriter, fromUtf8, utf8 } from '../bytes.js';
import { formatRelayAddress, parseRelayAddress, type RelayAddress } from '../emp/address.js';
import { ID_LENGTH } from '../emp/limits.js';
import { DecodeError } from '../errors.js';

/** Where a sender sends: an EMP relay and a queue's sender id. */
export interface QueueAddress {
  /** The relay address without password, in canonical form (queueRelay). */
  readonly relay: string;
  /** The queue's 24-byte EMP sender id. */
  readonly senderId: Uint8Array;
}

export const SENDER_ID_LENGTH = ID_LENGTH;
/** Queues per invitation and per confirmation: a connection uses 1..8 queues per direction. */
export const MAX_QUEUES = 8;

/** The canonical relay string of a QueueAddress: `address` with its password removed. */
export function queueRelay(address: RelayAddress | string): string {
  const parsed = typeof address === 'string' ? parseRelayAddress(address) : address;
  return formatRelayAddress({ ...parsed, password: '' });
}

/** Why `relay` is not a valid QueueAddress relay, or null if it is. */
function relayProblem(relay: string): string | null {
  let parsed: RelayAddress;
  try {
    parsed = parseRelayAddress(relay);
  } catch {
    return 'not a relay address';
  }
  if (parsed.password !== '') return 'relay address carries a password';
  if (formatRelayAddress(parsed) !== relay) return 'relay address is not in canonical form';
  return null;
}

export function writeQueueAddress(writer: ByteWriter, queue: QueueAddress): void {
  const problem = relayProblem(queue.relay);
  if (problem !== null) throw new RangeError(`${problem}: ${queue.relay}`);
  const relay = utf8(queue.relay);
  if (relay.length > 255) throw new RangeError('relay address longer than 255 bytes');
  if (queue.senderId.length !== SENDER_ID_LENGTH) throw new RangeError(`sender id must be ${SENDER_ID_LENGTH} bytes`);
  writer.shortBytes(relay).bytes(queue.senderId);
}

export function readQueueAddress(reader: ByteReader): QueueAddress {
  const relay = fromUtf8(reader.shortBytes());
  const problem = relayProblem(relay);
  if (problem !== null) throw new DecodeError('INVALID', problem);
  return { relay, senderId: reader.bytes(SENDER_ID_LENGTH) };
}

/** `count:u8` (1..MAX_QUEUES) followed by the queue addresses. */
export function writeQueueList(writer: ByteWriter, queues: readonly QueueAddress[]): void {
  if (queues.length < 1 || queues.length > MAX_QUEUES) throw new RangeError(`1..${MAX_QUEUES} queues required, got ${queues.length}`);
  writer.u8(queues.length);
  for (const queue of queues) writeQueueAddress(writer, queue);
}

export function readQueueList(reader: ByteReader): QueueAddress[] {
  const count = readCount(reader, 'queue');
  const queues: QueueAddress[] = [];
  for (let i = 0; i < count; i++) queues.push(readQueueAddress(reader));
  return queues;
}

/** A u8 count of 1..MAX_QUEUES. */
export function readCount(reader: ByteReader, what: string): number {
  const count = reader.u8();
  if (count < 1 || count > MAX_QUEUES) throw new DecodeError('INVALID', `${what} count ${count} outside 1..${MAX_QUEUES}`);
  return count;
}
