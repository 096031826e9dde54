/**
 * The store key: 32 bytes derived from the user's passphrase with Argon2id,
 * and the small plain sidecar file (`<database>.kdf`, JSON) that records how.
 *
 * The sidecar holds the salt, the cost parameters and a check value,
 * HMAC-SHA256(key, "graphchat store key check"). None of it is secret: the
 * check value lets an attacker test a guessed passphrase, but so does the
 * encrypted database itself, at the same Argon2id cost per guess. What it
 * buys is a precise error: a wrong passphrase is told apart from a damaged
 * database, and is detected before the database file is even opened.
 *
 * Cost: Argon2id t=3, m=128 MiB, p=1 (the sodium backend) measured here at
 * ~180 ms per derivation (median of 5; t=2/128 MiB ~133 ms, t=3/64 MiB ~81 ms,
 * t=2/64 MiB ~60 ms, t=3/32 MiB ~30 ms) on a 2-core x86-64 machine, Node 20.
 * Every CLI invocation pays it once. RFC 9106 §4 suggests t=3 with 64 MiB
 * for memory-constrained settings; a terminal client can afford twice that
 * memory, which is the parameter that costs an attacker most.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { equalBytes, fromBase64url, toBase64url, toHex, utf8 } from '@graphchat/core';
import type { Argon2idParams, Crypto } from '@graphchat/core';
import { StoreError } from './errors.js';

export const DEFAULT_KDF_PARAMS: Argon2idParams = { iterations: 3, memoryKiB: 128 * 1024 };

const SALT_LENGTH = 16;
const KEY_LENGTH = 32;
const CHECK_LABEL = utf8('graphchat store key check');
const FORMAT = 'graphchat-store-kdf';

/**
 * The page cipher of the database. Stores made before AEGIS-256 used
 * SQLite3MultipleCiphers' "chacha20" and have no `cipher` in their key file;
 * they keep opening with it (the field's absence means 'chacha20').
 */
export type StoreCipher = 'aegis-256' | 'chacha20';
export const STORE_CIPHER: StoreCipher = 'aegis-256';

export interface KdfFile {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly kdf: 'argon2id';
  readonly iterations: number;
  readonly memoryKiB: number;
  /** base64url, 16 bytes. */
  readonly salt: string;
  /** base64url HMAC-SHA256(key, CHECK_LABEL). */
  readonly check: string;
  /** Absent in key files written before it was recorded: 'chacha20'. */
  readonly cipher?: StoreCipher;
}

export function kdfPath(databasePath: string): string {
  return `${databasePath}.kdf`;
}

function deriveKey(crypto: Crypto, passphrase: string, salt: Uint8Array, params: Argon2idParams): Uint8Array {
  const password = utf8(passphrase.normalize('NFC'));
  try {
    return crypto.argon2id(password, salt, params, KEY_LENGTH);
  } finally {
    crypto.wipe(password);
  }
}

/** Derives a key under a fresh salt and writes the sidecar (atomically, by rename). */
export function createStoreKey(crypto: Crypto, databasePath: string, passphrase: string, params: Argon2idParams): Uint8Array {
  const salt = crypto.randomBytes(SALT_LENGTH);
  const key = deriveKey(crypto, passphrase, salt, params);
  const file: KdfFile = {
    format: FORMAT,
    version: 1,
    kdf: 'argon2id',
    iterations: params.iterations,
    memoryKiB: params.memoryKiB,
    salt: toBase64url(salt),
    check: toBase64url(crypto.hmacSha256(key, CHECK_LABEL)),
    cipher: STORE_CIPHER,
  };
  const path = kdfPath(databasePath);
  const temp = `${path}.${toHex(crypto.randomBytes(8))}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flush: true });
    // link, unlike rename, refuses to replace an existing file: of two inits racing, one wins, and the
    // other cannot overwrite the key file of the database the first one is creating.
    linkSync(temp, path);
  } catch (cause) {
    crypto.wipe(key);
    if ((cause as { code?: unknown }).code === 'EEXIST') throw new StoreError('ALREADY_INITIALIZED', `a store already exists at ${databasePath}`, { cause });
    throw new StoreError('CORRUPT', `cannot write the key file ${path}: ${String(cause)}`, { cause });
  } finally {
    rmSync(temp, { force: true });
  }
  return key;
}

function readKdfFile(databasePath: string): KdfFile {
  const path = kdfPath(databasePath);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new StoreError('CORRUPT', `cannot read the key file ${path}`, { cause });
  }
  const f = parsed as Partial<KdfFile> | null;
  if (
    f === null ||
    typeof f !== 'object' ||
    f.format !== FORMAT ||
    f.version !== 1 ||
    f.kdf !== 'argon2id' ||
    typeof f.iterations !== 'number' ||
    typeof f.memoryKiB !== 'number' ||
    typeof f.salt !== 'string' ||
    typeof f.check !== 'string' ||
    (f.cipher !== undefined && f.cipher !== 'aegis-256' && f.cipher !== 'chacha20')
  ) {
    throw new StoreError('CORRUPT', `the key file ${path} is not a graphchat key file`);
  }
  return f as KdfFile;
}

/**
 * Re-derives the key from the sidecar, and says which cipher the database
 * uses; StoreError WRONG_PASSPHRASE when the check value differs.
 */
export function openStoreKey(crypto: Crypto, databasePath: string, passphrase: string): { key: Uint8Array; cipher: StoreCipher } {
  const file = readKdfFile(databasePath);
  let key: Uint8Array;
  let check: Uint8Array;
  try {
    const salt = fromBase64url(file.salt);
    check = fromBase64url(file.check);
    key = deriveKey(crypto, passphrase, salt, { iterations: file.iterations, memoryKiB: file.memoryKiB });
  } catch (cause) {
    throw new StoreError('CORRUPT', `the key file ${kdfPath(databasePath)} holds invalid values`, { cause });
  }
  if (!equalBytes(crypto.hmacSha256(key, CHECK_LABEL), check)) {
    crypto.wipe(key);
    throw new StoreError('WRONG_PASSPHRASE', 'wrong passphrase');
  }
  return { key, cipher: file.cipher ?? 'chacha20' };
}
