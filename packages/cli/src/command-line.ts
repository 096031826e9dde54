/**
 * The command line, parsed without side effects: the global options, then
 * the command, found in the table by its words and read by its entry.
 *
 *   graphchat [global options] COMMAND [flags and arguments]
 */
import { usage, NO_FLAGS, readCommandArgs } from './commands/arguments.js';
import { ENTRIES, isCommandWord } from './commands/table.js';
import type { TableCommand } from './commands/table.js';
import { CliError } from './errors.js';
import { parseGlobalOptions } from './global-options.js';
import type { GlobalOptions, ParseEnvironment } from './global-options.js';
import { tokenize } from './tokens.js';
import type { Token } from './tokens.js';

/** `graphchat help [COMMAND]` or `graphchat COMMAND --help`. */
export interface HelpCommand {
  readonly name: 'help';
  readonly topic: string | null;
}

export type Command = TableCommand | HelpCommand;

export interface ParsedArgs {
  /** The global options, as far as they could be read: an error is reported the way they ask. */
  readonly options: GlobalOptions;
  /** Null when no command was given (interactive chat on a terminal, usage otherwise), or on an error. */
  readonly command: Command | null;
  /** What is wrong with the command line (CliError 'USAGE', one line), if anything. */
  readonly error: CliError | null;
}

function parseHelp(tokens: readonly Token[]): HelpCommand {
  const topic = tokens.find((t) => !t.flag)?.text ?? null;
  if (topic !== null && !isCommandWord(topic)) throw usage(`help: unknown command ${JSON.stringify(topic)}`);
  return { name: 'help', topic };
}

/**
 * The command starting with `word`: the entry whose second word comes next
 * (a subcommand), else the entry of the word alone; `--help` among its
 * arguments asks for help on the word instead.
 */
function parseCommand(word: string, tokens: readonly Token[]): Command {
  if (word === 'help') return parseHelp(tokens);
  const family = ENTRIES.filter((entry) => entry.line.words[0] === word);
  if (family.length === 0) throw usage(`unknown command ${JSON.stringify(word)} (see graphchat --help)`);
  const first = tokens[0];
  const sub = first !== undefined && !first.flag ? family.find((entry) => entry.line.words[1] === first.text) : undefined;
  const entry = sub ?? family.find((e) => e.line.words.length === 1);
  const args = readCommandArgs(entry?.line.words.join(' ') ?? word, sub === undefined ? tokens : tokens.slice(1), entry?.line.flags ?? NO_FLAGS);
  if (args.help) return { name: 'help', topic: word };
  if (entry === undefined) {
    const what = args.positional.length > 0 ? `unknown subcommand ${JSON.stringify(args.positional[0])}` : 'missing subcommand';
    throw usage(`${word}: ${what} (${family.map((e) => e.line.words[1]).join(' or ')})`);
  }
  return entry.line.parse(args);
}

/** Parses `argv` (without the node and script paths). */
export function parseArgs(argv: readonly string[], environment: ParseEnvironment): ParsedArgs {
  const { options, rest, error } = parseGlobalOptions(tokenize(argv), environment);
  const [first, ...args] = rest;
  if (error !== null || first === undefined) return { options, command: null, error };
  // `graphchat --help COMMAND ...`: help on the command, whatever follows it.
  if (options.help) return { options, command: { name: 'help', topic: isCommandWord(first.text) ? first.text : null }, error: null };
  try {
    return { options, command: parseCommand(first.text, args), error: null };
  } catch (caught) {
    if (!(caught instanceof CliError)) throw caught;
    return { options, command: null, error: caught };
  }
}
