// The built client stays small (issue 4): what a phone downloads on first
// open, gzip-compressed, icons aside. build.mjs measures it into
// dist/size.json; README.md states the figure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The limit: today's size plus room to grow; raising it is a decision, not a chore. */
const LIMIT_KIB = 160;

it(`the built web client is at most ${LIMIT_KIB} KiB gzip`, () => {
  const sizeFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'size.json');
  const { gzipBytes } = JSON.parse(readFileSync(sizeFile, 'utf8')) as { gzipBytes: number };
  assert.ok(gzipBytes > 10 * 1024, 'the measurement covers the bundle');
  assert.ok(gzipBytes <= LIMIT_KIB * 1024, `${(gzipBytes / 1024).toFixed(1)} KiB gzip`);
});
