// Keeps docs/protocol/edge-messaging.md in step with the code: the first
// table of its Errors section lists exactly the codes of ERROR_CODES, one
// `| \`CODE\` | meaning |` row each, and every command and response tag has
// a heading of its own in the Commands and responses section.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readDoc } from '../test-support/vectors.js';
import type { Command, Response } from './commands.js';
import { ERROR_CODES } from './error-codes.js';

const SPEC = 'protocol/edge-messaging.md';

const COMMAND_TAGS = ['NEW', 'SUB', 'KEY', 'SEND', 'ACK', 'GET', 'OFF', 'DEL', 'PING', 'PRXY', 'PFWD', 'RFWD'] as const satisfies readonly Command['type'][];
const RESPONSE_TAGS = ['IDS', 'OK', 'MSG', 'END', 'PONG', 'ERR', 'PKEY', 'RRES', 'PRES'] as const satisfies readonly Response['type'][];
// Fails to compile when commands.ts gains a command or response type that is not listed above.
type Unlisted = Exclude<Command['type'], (typeof COMMAND_TAGS)[number]> | Exclude<Response['type'], (typeof RESPONSE_TAGS)[number]>;
const everyTagListed: [Unlisted] extends [never] ? true : never = true;

interface Heading {
  readonly level: number;
  /** The heading text without the leading #s and without a section number such as "7.3" or "9.". */
  readonly title: string;
  /** Index of the heading's line. */
  readonly line: number;
}

/** The document's lines, with the lines of fenced code blocks blanked so that nothing in them counts as a heading or a table. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split(/\r?\n/).map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

function headings(lines: readonly string[]): Heading[] {
  const found: Heading[] = [];
  lines.forEach((text, line) => {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(text);
    if (match) found.push({ level: match[1]!.length, title: match[2]!.replace(/^\d+(\.\d+)*\.?\s+/, ''), line });
  });
  return found;
}

/** The lines under the first level-2 heading whose title starts with `title`, up to the next heading of level 2 or above. */
function section(lines: readonly string[], title: string): string[] {
  const all = headings(lines);
  const start = all.find((h) => h.level === 2 && h.title.startsWith(title));
  assert.ok(start, `${SPEC} has no "## ${title}" section`);
  const end = all.find((h) => h.line > start.line && h.level <= 2);
  return lines.slice(start.line + 1, end?.line ?? lines.length);
}

/** The rows of the first table in `lines`: header and delimiter rows dropped. */
function firstTable(lines: readonly string[]): string[] {
  const start = lines.findIndex((line) => line.trimStart().startsWith('|'));
  assert.ok(start >= 0, 'no table found');
  const table: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.trimStart().startsWith('|')) break;
    table.push(line.trim());
  }
  assert.ok(table.length >= 2 && /^\|(\s*:?-+:?\s*\|)+$/.test(table[1]!), 'the table has no header delimiter row');
  return table.slice(2);
}

const ROW = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*\S[^|]*?)\s*\|$/;

describe(`${SPEC} matches the code`, () => {
  const lines = proseLines(readDoc(SPEC));

  describe('the Errors table', () => {
    const rows = firstTable(section(lines, 'Errors'));
    const codes = rows.map((row) => ROW.exec(row)?.[1]);

    test('every row has the form | `CODE` | meaning |', () => {
      const malformed = rows.filter((row) => !ROW.test(row));
      assert.deepEqual(malformed, [], 'rows not of the form | `CODE` | meaning |');
    });

    test('every code in ERROR_CODES has a row', () => {
      const missing = ERROR_CODES.filter((code) => !codes.includes(code));
      assert.deepEqual(missing, [], `error codes without a row in the Errors table of ${SPEC}`);
    });

    test('every code in the table is in ERROR_CODES', () => {
      const known: readonly string[] = ERROR_CODES;
      const unknown = codes.filter((code): code is string => code !== undefined && !known.includes(code));
      assert.deepEqual(unknown, [], `codes in the Errors table of ${SPEC} that are not in ERROR_CODES`);
    });

    test('no code has two rows', () => {
      const repeated = codes.filter((code, i) => code !== undefined && codes.indexOf(code) !== i);
      assert.deepEqual(repeated, []);
    });
  });

  test('every command and response tag has its own heading under Commands and responses', () => {
    assert.equal(everyTagListed, true);
    const titles = headings(section(lines, 'Commands and responses')).map((h) => h.title);
    const missing = [...COMMAND_TAGS, ...RESPONSE_TAGS].filter(
      (tag) => !titles.some((title) => new RegExp(`^\`?${tag}\`?(?![A-Za-z0-9_])`).test(title)),
    );
    assert.deepEqual(missing, [], `tags without a heading that starts with the tag in ${SPEC}`);
  });
});
