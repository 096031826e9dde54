/**
 * The security code two people compare to check that no one sits between
 * them (docs/protocol/graph-chat.md §6), in the spirit of Signal's safety
 * numbers. Both sides hold the same AD (§1.4: every per-connection public key
 * of both sides, in fixed roles), so both compute the same code:
 *
 *   digest = SHA-512("graphchat security code v1" || AD)
 *   code   = 6 groups: group i = (digest[5i .. 5i+5] as a big-endian 40-bit integer) mod 100000,
 *            zero-padded to 5 digits; groups joined by single spaces.
 */
import { concatBytes, utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';

export const SECURITY_CODE_CONTEXT = 'graphchat security code v1';
const GROUPS = 6;
const GROUP_BYTES = 5;

/** "12345 67890 …": 6 groups of 5 digits. */
export function securityCode(crypto: Crypto, associatedData: Uint8Array): string {
  const digest = crypto.sha512(concatBytes(utf8(SECURITY_CODE_CONTEXT), associatedData));
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let value = 0;
    for (let i = 0; i < GROUP_BYTES; i++) value = value * 256 + digest[g * GROUP_BYTES + i]!;
    groups.push(String(value % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** Whether two codes are the same 30 digits, whatever whitespace separates them. */
export function securityCodeMatches(a: string, b: string): boolean {
  const digits = (code: string): string => code.replace(/\s+/g, '');
  const x = digits(a);
  return /^\d{30}$/.test(x) && x === digits(b);
}
