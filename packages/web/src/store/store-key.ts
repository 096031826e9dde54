/**
 * The browser store's key: 32 bytes of Argon2id of the passphrase, under a
 * random salt kept with the cost parameters in the plain header record, and
 * the check record that tells a wrong passphrase from damage.
 *
 * Cost: Argon2id t=2, m=19 MiB, p=1 by default, OWASP's minimum for
 * Argon2id. The browser computes it in pure JavaScript (noble), many times
 * slower than libsodium, on the page's thread, once per unlock; the terminal
 * client's t=3/128 MiB would take seconds and may not get the memory on a
 * phone. The parameters are in the header, so a store keeps its own when
 * the default changes.
 */
import { utf8 } from '@graphchat/core';
import type { Argon2idParams, Crypto } from '@graphchat/core';
import { BrowserStoreError } from './errors.js';
import { RecordCipher } from './record-cipher.js';
import { CHECK_KEY } from './record-keys.js';

export const DEFAULT_BROWSER_KDF: Argon2idParams = { iterations: 2, memoryKiB: 19456 };

const FORMAT = 'graphchat-browser-store';
const SALT_LENGTH = 16;
const KEY_LENGTH = 32;
const CHECK_TEXT = 'graphchat browser store key check';

/** The plain header record (an object IndexedDB stores as it is). */
export interface StoreHeader {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly kdf: 'argon2id';
  readonly iterations: number;
  readonly memoryKiB: number;
  readonly salt: Uint8Array;
}

export function newHeader(crypto: Crypto, params: Argon2idParams): StoreHeader {
  return { format: FORMAT, version: 1, kdf: 'argon2id', iterations: params.iterations, memoryKiB: params.memoryKiB, salt: crypto.randomBytes(SALT_LENGTH) };
}

/** The header as read back; BrowserStoreError CORRUPT when it is missing or not one. */
export function readHeader(value: unknown): StoreHeader {
  const h = value as Partial<StoreHeader> | null | undefined;
  if (
    h === null ||
    typeof h !== 'object' ||
    h.format !== FORMAT ||
    h.version !== 1 ||
    h.kdf !== 'argon2id' ||
    typeof h.iterations !== 'number' ||
    typeof h.memoryKiB !== 'number' ||
    !(h.salt instanceof Uint8Array)
  ) {
    throw new BrowserStoreError('CORRUPT', 'the store has no valid header');
  }
  return h as StoreHeader;
}

/** The cipher under the key the header and passphrase give. Argon2id rejects out-of-range parameters with RangeError. */
export function deriveCipher(crypto: Crypto, passphrase: string, header: StoreHeader): RecordCipher {
  const password = utf8(passphrase.normalize('NFC'));
  try {
    const key = crypto.argon2id(password, header.salt, { iterations: header.iterations, memoryKiB: header.memoryKiB }, KEY_LENGTH);
    return new RecordCipher(crypto, key);
  } finally {
    crypto.wipe(password);
  }
}

export function sealCheck(cipher: RecordCipher): Uint8Array {
  return cipher.sealRecord(CHECK_KEY, CHECK_TEXT);
}

/** Throws BrowserStoreError WRONG_PASSPHRASE unless the check record opens under `cipher`, CORRUPT if it opens to something else. */
export function verifyCheck(cipher: RecordCipher, sealed: unknown): void {
  if (!(sealed instanceof Uint8Array)) throw new BrowserStoreError('CORRUPT', 'the store has no check record');
  let text: unknown;
  try {
    text = cipher.openRecord(CHECK_KEY, sealed);
  } catch (cause) {
    throw new BrowserStoreError('CORRUPT', 'the check record is damaged', { cause });
  }
  if (text === undefined) throw new BrowserStoreError('WRONG_PASSPHRASE', 'wrong passphrase');
  if (text !== CHECK_TEXT) throw new BrowserStoreError('CORRUPT', 'the check record is damaged');
}
