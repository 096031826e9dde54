// Loads the JSON test vectors in docs/protocol/vectors, which the protocol
// documents and the tests share, and the documents themselves.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
