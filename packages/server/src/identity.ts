/**
 * The relay's long-term identity: the X25519 static key of its Noise
 * handshake, created on first start and kept in the data directory. Its
 * fingerprint is in the relay address; losing the file changes the address.
 */
import { closeSync, constants, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Crypto, KeyPair } from '@graphchat/core';
import { FILE_MODE } from './data-dir.js';

export const IDENTITY_FILE = 'relay-identity.key';

/** `dataDir` must exist (prepareDataDir). */
export function loadOrCreateIdentity(crypto: Crypto, dataDir: string): KeyPair {
  const path = join(dataDir, IDENTITY_FILE);
  if (existsSync(path)) {
    const secretKey = new Uint8Array(readFileSync(path));
    if (secretKey.length !== 32) throw new Error(`${path} is not a 32-byte X25519 key`);
    return { publicKey: crypto.x25519PublicKey(secretKey), secretKey };
  }
  const key = crypto.x25519KeyPair();
  // Written to a temporary file, synced, then renamed: a crash never leaves a half-written key.
  const temporary = `${path}.tmp`;
  // A stale temporary file (a crash, or planted in a directory others can write) is removed, never reused or followed.
  rmSync(temporary, { force: true });
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, FILE_MODE);
  fchmodSync(fd, FILE_MODE);
  writeSync(fd, key.secretKey);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temporary, path);
  // Sync the directory too, so the rename itself survives a power loss.
  const dir = openSync(dataDir, 'r');
  fsyncSync(dir);
  closeSync(dir);
  return key;
}
