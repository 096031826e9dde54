import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDoc } from '../test-support/vectors.js';
import { MAX_IMAGE_BYTES, MAX_TEXT_BYTES } from './content.js';
import { MAX_CONFIRMATION_PLAINTEXT, MAX_MESSAGE_PLAINTEXT } from './envelope.js';
import { CHAT_ERROR_CODES, type ChatErrorCode } from './errors.js';

const doc = readDoc('protocol/graph-chat.md');
const section = (heading: string): string => {
  const start = doc.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `section ${heading}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};

describe('graph-chat.md follows the code', () => {
  test('the §9 error table lists exactly the ChatError codes', () => {
    const rows = [...section('9. Errors').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(rows.sort(), [...CHAT_ERROR_CODES].sort());
    // Exhaustive: a new code without a place in CHAT_ERROR_CODES fails to compile here.
    const all: Record<ChatErrorCode, true> = { BAD_LINK: true, BAD_SIGNATURE: true, UNSUPPORTED_VERSION: true, TOO_LARGE: true };
    assert.equal(Object.keys(all).length, CHAT_ERROR_CODES.length);
  });

  test('the limits stated in §3 and §4.3 are those of the code', () => {
    const format = (n: number) => n.toLocaleString('en-US');
    assert.ok(section('3. Queue bodies').includes(`${format(MAX_MESSAGE_PLAINTEXT)} bytes in a message body`));
    assert.ok(section('3. Queue bodies').includes(`${format(MAX_CONFIRMATION_PLAINTEXT)} bytes in a confirmation`));
    assert.ok(section('4. Envelopes and content').includes(`1..${format(MAX_IMAGE_BYTES)} bytes (\`MAX_IMAGE_BYTES\`)`));
    assert.ok(section('4. Envelopes and content').includes(`0..${format(MAX_TEXT_BYTES)} bytes (\`MAX_TEXT_BYTES\`)`));
  });
});
