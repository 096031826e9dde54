/**
 * Byte helpers and the bounds-checked reader/writer every wire decoder uses.
 * Readers throw DecodeError (never RangeError) so that any bytes from the
 * network either decode or fail with a typed error.
 */
import { hex } from '@scure/base';
import { DecodeError } from './errors.js';

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time comparison for equal-length inputs (length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const toHex = (bytes: Uint8Array): string => hex.encode(bytes);
export function fromHex(text: string): Uint8Array {
  try {
    return hex.decode(text);
  } catch {
    throw new DecodeError('INVALID', 'invalid hex');
  }
}

/*
 * base64url without padding (RFC 4648 §5), table-driven: stores encode every
 * record's keys and ratchet state this way, and @scure/base's generic radix
 * conversion is quadratic in the input length. Decoding is strict like
 * @scure/base's: only the URL-safe alphabet, no padding, and the unused low
 * bits of the last character must be zero, so every byte string has exactly
 * one encoding.
 */
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64URL_VALUES[BASE64URL_ALPHABET.charCodeAt(i)] = i;

export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64URL_ALPHABET[n >> 18]! + BASE64URL_ALPHABET[(n >> 12) & 63]! + BASE64URL_ALPHABET[(n >> 6) & 63]! + BASE64URL_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += BASE64URL_ALPHABET[n >> 18]! + BASE64URL_ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64URL_ALPHABET[n >> 18]! + BASE64URL_ALPHABET[(n >> 12) & 63]! + BASE64URL_ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

export function fromBase64url(text: string): Uint8Array {
  const invalid = () => new DecodeError('INVALID', 'invalid base64url');
  if (text.length % 4 === 1) throw invalid();
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? BASE64URL_VALUES[code]! : -1;
    if (value < 0) throw invalid();
    acc = ((acc << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // The leftover bits of the last character must be zero (canonical encoding).
  if ((acc & ((1 << bits) - 1)) !== 0) throw invalid();
  return out;
}

// encodeInto is in every target (Node >= 20, browsers), but not in the TextEncoder of globals.d.ts.
const utf8Encoder = new TextEncoder() as TextEncoder & { encodeInto(text: string, into: Uint8Array): { read: number; written: number } };
// ignoreBOM keeps a leading U+FEFF, so fromUtf8(utf8(s)) === s for every well-formed s.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const utf8 = (text: string): Uint8Array => utf8Encoder.encode(text);
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new DecodeError('INVALID', 'invalid UTF-8');
  }
}

/*
 * Unsigned 32-bit big-endian integers at an offset, for the hot paths (the
 * ratchet header, CONCAT, padding) that write into a buffer of known size
 * without a ByteWriter; ByteWriter and ByteReader use them too.
 */

/** Throws RangeError unless `value` is an integer in 0..2^32-1. */
export function checkU32(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`u32 out of range: ${value}`);
}

/** Writes `value` modulo 2^32, as DataView.setUint32 does: callers that must not wrap check with checkU32 first. */
export function putU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

/** The caller bounds-checks `offset + 4 <= bytes.length`. */
export function getU32(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! * 0x1000000 + ((bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!);
}

/*
 * ByteWriter's buffers. A typed array of more than 64 bytes lives outside V8's
 * heap, and making one costs about 0.8 us, as much as the AEAD of a short
 * message; messages, queue bodies and ratchet states are written on every
 * message, so writers up to POOLED_CAPACITY bytes borrow a buffer from this
 * pool and give it back, wiped, in finish(). A writer that is never finished
 * (its encoder threw) simply keeps its buffer, and the pool makes a new one.
 */
const IN_HEAP_MAX = 64;
const POOLED_CAPACITY = 32 * 1024;
const POOL_SIZE = 4;
const pool: Uint8Array[] = [];

/** Wipes the written part of a pool buffer (it may hold secrets) and returns it to the pool. */
function returnBuffer(buffer: Uint8Array, written: number): void {
  if (pool.length >= POOL_SIZE) return;
  buffer.fill(0, 0, written);
  pool.push(buffer);
}

/** Appends big-endian integers and length-prefixed fields to a growing buffer. */
export class ByteWriter {
  private buffer: Uint8Array;
  /** Whether `buffer` is borrowed from the pool. */
  private pooled: boolean;
  /** Set by finish(start > 0): the buffer may be back in the pool. */
  private finished = false;
  length = 0;

  constructor(capacity = 256) {
    this.pooled = capacity > IN_HEAP_MAX && capacity <= POOLED_CAPACITY;
    this.buffer = this.pooled ? (pool.pop() ?? new Uint8Array(POOLED_CAPACITY)) : new Uint8Array(capacity);
  }

  private release(): void {
    if (this.pooled) returnBuffer(this.buffer, this.length);
    this.pooled = false;
  }

  private reserve(extra: number): number {
    if (this.finished) throw new TypeError('ByteWriter used after finish(start)');
    const offset = this.length;
    if (offset + extra > this.buffer.length) {
      const next = new Uint8Array(Math.max(this.buffer.length * 2, offset + extra));
      next.set(this.buffer.subarray(0, offset));
      this.release();
      this.buffer = next;
    }
    this.length += extra;
    return offset;
  }

  u8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`u8 out of range: ${value}`);
    const offset = this.reserve(1); // before reading this.buffer: reserve may replace it
    this.buffer[offset] = value;
    return this;
  }

  u16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`u16 out of range: ${value}`);
    const offset = this.reserve(2);
    this.buffer[offset] = value >>> 8;
    this.buffer[offset + 1] = value;
    return this;
  }

  u32(value: number): this {
    checkU32(value);
    const offset = this.reserve(4);
    putU32(this.buffer, offset, value);
    return this;
  }

  /** Unsigned 64-bit big-endian from a non-negative safe integer. */
  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 out of range: ${value}`);
    const offset = this.reserve(8);
    putU32(this.buffer, offset, Math.floor(value / 2 ** 32));
    putU32(this.buffer, offset + 4, value >>> 0);
    return this;
  }

  bytes(value: Uint8Array): this {
    const offset = this.reserve(value.length);
    this.buffer.set(value, offset);
    return this;
  }

  /** `len:u8 || bytes`. */
  shortBytes(value: Uint8Array): this {
    return this.u8(value.length).bytes(value);
  }

  /** `len:u16 || bytes`. */
  longBytes(value: Uint8Array): this {
    return this.u16(value.length).bytes(value);
  }

  /**
   * `len:u16 || UTF-8 of text`, encoded in place (the same bytes as
   * longBytes(utf8(text)) without the intermediate array); returns len.
   * Throws RangeError past 0xffff bytes.
   */
  longUtf8(text: string): number {
    // UTF-16 code units take at most 3 bytes each in UTF-8.
    const start = this.reserve(2 + 3 * text.length);
    const { written } = utf8Encoder.encodeInto(text, this.buffer.subarray(start + 2));
    if (written > 0xffff) {
      this.length = start;
      throw new RangeError(`u16 out of range: ${written}`);
    }
    this.buffer[start] = written >>> 8;
    this.buffer[start + 1] = written;
    this.length = start + 2 + written;
    return written;
  }

  /** The bytes written so far, as a view (not a copy), valid until the next write or finish(). */
  written(): Uint8Array {
    if (this.finished) throw new TypeError('ByteWriter used after finish(start)');
    return this.buffer.subarray(0, this.length);
  }

  /**
   * A copy of the bytes written from `start` on (by default all of them).
   * After finish() the writer may go on writing; after finish(start > 0) it
   * throws TypeError if used again (it would have to copy its whole content
   * again to stay usable).
   */
  finish(start = 0): Uint8Array {
    if (this.finished) throw new TypeError('ByteWriter used after finish(start)');
    const out = this.buffer.slice(start, this.length);
    if (start !== 0) {
      this.release();
      this.finished = true;
    } else if (this.pooled) {
      // Goes on from `out`: it is full, so the next write replaces it rather than writing into it.
      this.release();
      this.buffer = out;
    }
    return out;
  }
}

/** Reads what ByteWriter writes; every read is bounds-checked. */
export class ByteReader {
  offset = 0;

  constructor(private readonly input: Uint8Array) {}

  get remaining(): number {
    return this.input.length - this.offset;
  }

  private take(length: number): number {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid read length: ${length}`);
    if (length > this.remaining) {
      throw new DecodeError('TRUNCATED', `need ${length} bytes at offset ${this.offset}, have ${this.remaining}`);
    }
    const offset = this.offset;
    this.offset += length;
    return offset;
  }

  u8(): number {
    return this.input[this.take(1)]!;
  }

  u16(): number {
    const offset = this.take(2);
    return (this.input[offset]! << 8) | this.input[offset + 1]!;
  }

  u32(): number {
    return getU32(this.input, this.take(4));
  }

  u64(): number {
    const offset = this.take(8);
    const high = getU32(this.input, offset);
    if (high >= 2 ** 21) throw new DecodeError('INVALID', 'u64 exceeds 2^53');
    return high * 2 ** 32 + getU32(this.input, offset + 4);
  }

  bytes(length: number): Uint8Array {
    const offset = this.take(length);
    return this.input.slice(offset, offset + length);
  }

  /** Like bytes(), but a view of the input rather than a copy: for bytes decoded at once (such as UTF-8 text). */
  view(length: number): Uint8Array {
    const offset = this.take(length);
    return this.input.subarray(offset, offset + length);
  }

  shortBytes(): Uint8Array {
    return this.bytes(this.u8());
  }

  longBytes(): Uint8Array {
    return this.bytes(this.u16());
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Fails unless every byte was consumed. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError('TRAILING', `${this.remaining} unexpected trailing bytes`);
  }
}
