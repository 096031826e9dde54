// Shared by the bytes-*.test.ts files: a matcher for DecodeError codes and
// the largest u64 the byte codec accepts.
import { DecodeError } from '../errors.js';

export function isDecodeError(code: DecodeError['code']) {
  return (error: unknown): boolean => error instanceof DecodeError && error.code === code;
}

export const MAX_U64 = Number.MAX_SAFE_INTEGER;
