import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDoc } from '../test-support/vectors.js';
import { CONTENT_TAGS, MAX_IMAGE_BYTES, MAX_TEXT_BYTES, QUEUE_MOVE_CONTENT, TEXT_WITH_ID_TAG } from './content.js';
import { DEVICE_CONTENT_TAGS } from './device-content.js';
import { MAX_CONFIRMATION_PLAINTEXT, MAX_MESSAGE_PLAINTEXT } from './envelope.js';
import { CHAT_ERROR_CODES, type ChatErrorCode } from './errors.js';
import { CHAT_VERSIONS, encodeInvitation, formatInvitationLink, type Invitation, type InvitationKind } from './invitation.js';
import { sampleInvitation } from '../test-support/chat-codec.js';

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

  test('the §4.2 table lists exactly the content types, with their tags; the move messages are those of version 3, the device ones of version 4', () => {
    const four = section('4. Envelopes and content');
    const table = four.slice(four.indexOf('\n### 4.2'), four.indexOf('\n### 4.3'));
    const rows = [...table.matchAll(/^\| (\d+) \| `([a-z-]+)` \| ([^|]*) \|/gm)];
    // The text has two type bytes: 4, and 14 with a message id and a counter (version 4).
    const expected = [...Object.entries(CONTENT_TAGS).map(([name, tag]) => `${tag} ${name}`), `${TEXT_WITH_ID_TAG} text`].sort();
    assert.deepEqual(rows.map((m) => `${m[1]} ${m[2]}`).sort(), expected);
    const versionFour = new Set<number>([TEXT_WITH_ID_TAG, ...Object.values(DEVICE_CONTENT_TAGS)]);
    for (const m of rows) {
      assert.equal(m[3]!.includes('(version 3)'), QUEUE_MOVE_CONTENT.includes(m[2] as never), m[2]);
      assert.equal(m[3]!.includes('(version 4)'), versionFour.has(Number(m[1])), `${m[1]} ${m[2]}`);
    }
  });

  test('§2.1 lists exactly the invitation kinds, with their tags and link paths', () => {
    const two = section('2. Invitation link');
    const table = two.slice(two.indexOf('\n### 2.1'), two.indexOf('\n### 2.2'));
    const rows = [...table.matchAll(/^\| ([a-z -]+) \| (\d+) \| `([a-z]+)` \|/gm)].map((m) => `${m[1]!.replace(/ /g, '-')} ${m[2]} ${m[3]}`);
    const kinds: readonly InvitationKind[] = ['one-time', 'contact-address', 'off-the-record', 'device'];
    const expected = kinds.map((kind) => {
      const invitation: Invitation = { ...sampleInvitation(), versions: { min: 2, max: 4 }, kind, ...(kind === 'device' ? { expires: 1 } : {}) };
      const path = /^graphchat:\/([a-z]+)#/.exec(formatInvitationLink(invitation))![1];
      return `${kind} ${encodeInvitation(invitation)[2]} ${path}`;
    });
    assert.deepEqual(rows, expected);
  });

  test('devices.md §14 and graph-chat §4.3 give a layout for every device content type, with its tag', () => {
    const devices = readDoc('protocol/devices.md');
    const fourteen = devices.slice(devices.indexOf('\n## 14. Layouts'));
    assert.ok(fourteen.length > 100, 'devices.md §14');
    const four = section('4. Envelopes and content');
    const layouts = four.slice(four.indexOf('\n### 4.3'), four.indexOf('\n### 4.4'));
    for (const [name, tag] of Object.entries(DEVICE_CONTENT_TAGS)) {
      assert.match(fourteen, new RegExp(`^${tag} ${name} +=`, 'm'), `devices.md: ${tag} ${name}`);
      assert.match(layouts, new RegExp(`^${name} +=`, 'm'), `graph-chat §4.3: ${name}`);
    }
    assert.match(fourteen, new RegExp(`^text = messageId:16 \\|\\| counter:u32 \\|\\| str`, 'm'));
    assert.match(layouts, new RegExp(`^text \\(type ${TEXT_WITH_ID_TAG}\\) += messageId:16 \\|\\| counter:u32 \\|\\| str`, 'm'));
  });

  test('§2.2 states the versions spoken', () => {
    assert.ok(section('2. Invitation link').includes(`\`CHAT_VERSIONS = {min: ${CHAT_VERSIONS.min}, max: ${CHAT_VERSIONS.max}}\``));
  });
});
