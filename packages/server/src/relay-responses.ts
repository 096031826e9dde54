/**
 * Building the relay's responses and checking a NEW's password: small
 * helpers of relay.ts, kept apart to hold that file to its size.
 */
import { encodeResponse, encodeSigned, encodeTransmission, equalBytes, utf8, type Crypto, type ErrorCode, type Response } from '@graphchat/core';

const EMPTY = new Uint8Array(0);

export function err(code: ErrorCode): Response {
  return { type: 'ERR', code };
}

export function respond(corrId: Uint8Array, entityId: Uint8Array, response: Response): Uint8Array {
  return encodeTransmission(EMPTY, encodeSigned(corrId, entityId, encodeResponse(response)));
}

export function passwordMatches(crypto: Crypto, expected: string, given: string): boolean {
  if (expected === '') return true;
  // Compare digests so the comparison time does not depend on the password's length or content.
  return equalBytes(crypto.sha256(utf8(expected)), crypto.sha256(utf8(given)));
}
