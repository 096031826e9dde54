// Loads the JSON test vectors in docs/protocol/vectors, which the protocol
// documents and the tests share, and the documents themselves.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';

/** The repository root: the nearest directory above this file that holds docs/protocol. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'protocol'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('docs/protocol not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(join(repositoryRoot(), 'docs', 'protocol', 'vectors', name), 'utf8')) as T;
}

/** The text of a document under docs/, e.g. readDoc('protocol/edge-messaging.md'). */
export function readDoc(relativePath: string): string {
  return readFileSync(join(repositoryRoot(), 'docs', relativePath), 'utf8');
}

/**
 * `crypto` with randomBytes replaced by one that returns the given hex
 * strings in order (each call must ask for exactly the next one's length):
 * how the vector tests replay the ratchet's recorded random nonces. The
 * backends are plain objects whose functions do not use `this`, so a spread
 * keeps every other primitive as it is.
 */
export function replayingRandomBytes(crypto: Crypto, values: readonly string[]): Crypto {
  let next = 0;
  return {
    ...crypto,
    randomBytes: (length) => {
      const value = values[next++];
      if (value === undefined) throw new Error('vector ran out of recorded random bytes');
      const bytes = fromHex(value);
      if (bytes.length !== length) throw new Error(`recorded random bytes have ${bytes.length} bytes, ${length} asked for`);
      return bytes;
    },
  };
}
