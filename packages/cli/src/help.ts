/** The usage text, made of the table's entries, and the help on each command. */
import type { Listing } from './commands/entry.js';
import { NEW_PROFILE_NOTES } from './commands/new-profile.js';
import { ENTRIES } from './commands/table.js';
import { GLOBAL_OPTIONS_HELP } from './global-options.js';

/** Where the description starts, and the longest form that still fits on its line. */
const DESCRIPTION_COLUMN = 25;
const INDENT = '  ';
const SHORT_FORM = DESCRIPTION_COLUMN - INDENT.length - 2;

/** A form on the description's first line if it is short, else on lines of its own above it. */
function listingLines({ form, description }: Listing): string[] {
  const [first = '', ...rest] = description;
  const inline = !form.includes('\n') && form.length <= SHORT_FORM;
  const formLines = inline ? [] : form.split('\n').map((line) => INDENT + line);
  const head = inline ? INDENT + form.padEnd(SHORT_FORM + 2) + first : ' '.repeat(DESCRIPTION_COLUMN) + first;
  return [...formLines, head, ...rest.map((line) => ' '.repeat(DESCRIPTION_COLUMN) + line)];
}

export const USAGE = [
  'usage: graphchat [global options] COMMAND [arguments]',
  '',
  GLOBAL_OPTIONS_HELP,
  'commands:',
  ...ENTRIES.flatMap((entry) => entry.line.listing.flatMap(listingLines)),
  `${INDENT}help [COMMAND]`,
  '',
  NEW_PROFILE_NOTES,
].join('\n');

/** The synopsis of each command word; a word with subcommands has one line for each. */
function synopsis(topic: string): string | null {
  const family = ENTRIES.filter((entry) => entry.line.words[0] === topic);
  return family.length === 0 ? null : family.map((entry) => entry.line.synopsis).join('\n       ');
}

export function helpText(topic: string | null): string {
  const text = topic === null ? null : synopsis(topic);
  if (text === null) return USAGE;
  return `usage: ${text}\n(global options such as --dir and --json go before the command; see graphchat --help)\n`;
}
