/**
 * Encodes store records (plain objects, arrays, strings, numbers, booleans,
 * null and Uint8Array) as JSON text and back, for stores that keep each
 * record as one value: the SQLite store's `data` column, IndexedDB values
 * that are encrypted as a whole.
 *
 * A Uint8Array becomes `{"$b": "<base64url>"}`. To keep that unambiguous, an
 * object that itself has a `$b` key is refused, as are values JSON cannot
 * carry faithfully (undefined inside arrays, functions, non-finite numbers,
 * other class instances). `undefined` properties are dropped, which is how an
 * absent optional property is stored.
 *
 * Pure and isomorphic: no Node or DOM APIs.
 */
import { CodedError, fromBase64url, toBase64url } from '@graphchat/core';

const BYTES_KEY = '$b';

export class RecordCodecError extends CodedError<'BAD_RECORD'> {
  override readonly name = 'RecordCodecError';
  constructor(message: string) {
    super('BAD_RECORD', message);
  }
}

/**
 * Base64url of byte arrays already encoded, by identity. Records are
 * immutable values and a new version of a record shares the arrays it did
 * not change, so a connection's keys and associated data (most of its
 * bytes) are encoded once, not at every message.
 */
const encoded = new WeakMap<Uint8Array, string>();
function base64Of(bytes: Uint8Array): string {
  let text = encoded.get(bytes);
  if (text === undefined) {
    text = toBase64url(bytes);
    encoded.set(bytes, text);
  }
  return text;
}

function toJsonValue(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RecordCodecError(`${path}: non-finite number`);
    return value;
  }
  if (value instanceof Uint8Array) return { [BYTES_KEY]: base64Of(value) };
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (item === undefined) throw new RecordCodecError(`${path}[${i}]: undefined in an array`);
      return toJsonValue(item, `${path}[${i}]`);
    });
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new RecordCodecError(`${path}: not a plain object`);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === BYTES_KEY) throw new RecordCodecError(`${path}: the key ${BYTES_KEY} is reserved`);
      if (item === undefined) continue;
      out[key] = toJsonValue(item, `${path}.${key}`);
    }
    return out;
  }
  throw new RecordCodecError(`${path}: cannot encode a ${typeof value}`);
}

function fromJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonValue);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === BYTES_KEY) {
      const text = entries[0]![1];
      if (typeof text !== 'string') throw new RecordCodecError(`${BYTES_KEY} must hold a string`);
      return fromBase64url(text);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) out[key] = fromJsonValue(item);
    return out;
  }
  return value;
}

/** JSON text of `record`, with byte arrays as base64url. */
export function encodeRecord(record: unknown): string {
  return JSON.stringify(toJsonValue(record, '$'));
}

/**
 * The record `encodeRecord` encoded. The caller asserts its type: the store
 * only decodes what it encoded itself. Throws RecordCodecError (or a
 * SyntaxError for text that is not JSON) on malformed input.
 */
export function decodeRecord<T>(text: string): T {
  return fromJsonValue(JSON.parse(text)) as T;
}
