/**
 * The message header HEADER(dh_pair, pn, n) of Double Ratchet §3.1 (no header
 * encryption), and CONCAT(ad, header) of §3.4. Exact layouts, also given in
 * docs/protocol/vectors/ratchet.json:
 *
 *   header = dh:32 || pn:u32 || n:u32                      (40 bytes)
 *   CONCAT(ad, header) = len(ad):u32 || ad || header
 *
 * dh is the sender's current ratchet public key (X25519), pn the length of
 * the sender's previous sending chain, n the message number in the current
 * chain; integers are unsigned big-endian. The length prefix makes CONCAT
 * parseable as a unique pair, as §3.4 requires.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { MAX_COUNTER } from './limits.js';

export const RATCHET_PUBLIC_KEY_LENGTH = 32;
export const HEADER_LENGTH = RATCHET_PUBLIC_KEY_LENGTH + 4 + 4;

export interface RatchetHeader {
  /** The sender's current ratchet public key. */
  readonly dh: Uint8Array;
  /** Number of messages in the sender's previous sending chain. */
  readonly pn: number;
  /** Number of this message in the sender's current sending chain. */
  readonly n: number;
}

export function writeU32(writer: ByteWriter, value: number): ByteWriter {
  if (!Number.isInteger(value) || value < 0 || value > MAX_COUNTER) throw new RangeError(`u32 out of range: ${value}`);
  return writer.u16(Math.floor(value / 0x10000)).u16(value & 0xffff);
}

export function readU32(reader: ByteReader): number {
  return reader.u16() * 0x10000 + reader.u16();
}

export function encodeHeader(header: RatchetHeader): Uint8Array {
  if (header.dh.length !== RATCHET_PUBLIC_KEY_LENGTH) throw new RangeError('ratchet public key must be 32 bytes');
  const writer = new ByteWriter(HEADER_LENGTH).bytes(header.dh);
  writeU32(writer, header.pn);
  return writeU32(writer, header.n).finish();
}

/** Throws DecodeError (from ../errors.js) unless `bytes` is exactly one header. */
export function decodeHeader(bytes: Uint8Array): RatchetHeader {
  const reader = new ByteReader(bytes);
  const header = { dh: reader.bytes(RATCHET_PUBLIC_KEY_LENGTH), pn: readU32(reader), n: readU32(reader) };
  reader.end();
  return header;
}

/** CONCAT(ad, header) of §3.4. */
export function concatAd(ad: Uint8Array, encodedHeader: Uint8Array): Uint8Array {
  const writer = new ByteWriter(4 + ad.length + encodedHeader.length);
  return writeU32(writer, ad.length).bytes(ad).bytes(encodedHeader).finish();
}
