// Loads the JSON test vectors in docs/protocol/vectors, which the protocol
// documents and the tests share.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function vectorsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'docs', 'protocol', 'vectors'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('docs/protocol/vectors not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return join(dir, 'docs', 'protocol', 'vectors');
}

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(join(vectorsDir(), name), 'utf8')) as T;
}
