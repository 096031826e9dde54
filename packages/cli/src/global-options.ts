/**
 * The global options, read once, here: they come before the command.
 *
 *   graphchat [--dir DIR] [--passphrase-file F] [--json] [--help] [--version] COMMAND ...
 */
import { CliError } from './errors.js';
import type { Token } from './tokens.js';

export interface GlobalOptions {
  /** State directory: --dir, else $GRAPHCHAT_DIR, else ~/.graphchat. */
  readonly dir: string;
  readonly passphraseFile: string | null;
  readonly json: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

export interface ParseEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
}

/** What `graphchat --help` says of them. */
export const GLOBAL_OPTIONS_HELP = `global options (before the command):
  --dir DIR              state directory (default $GRAPHCHAT_DIR or ~/.graphchat)
  --passphrase-file F    read the database passphrase from the first line of F
                         (otherwise $GRAPHCHAT_PASSPHRASE, or asked on a terminal)
  --json                 print one JSON object per line
  --help, --version
`;

type Switch = 'json' | 'help' | 'version';
const SWITCHES: Readonly<Record<string, Switch>> = { '--json': 'json', '--help': 'help', '-h': 'help', '--version': 'version', '-V': 'version' };
const VALUE_FLAGS: Readonly<Record<string, string>> = { '--dir': 'DIR', '--passphrase-file': 'F' };

export function isGlobalFlag(flag: string): boolean {
  return flag in SWITCHES || flag in VALUE_FLAGS;
}

function usage(message: string): CliError {
  return new CliError('USAGE', message);
}

/** Joins a directory to a path with '/' (the client runs on POSIX systems; Node accepts '/' on Windows too). */
function defaultDir(environment: ParseEnvironment): string {
  const fromEnv = environment.env['GRAPHCHAT_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return environment.homeDir.replace(/\/+$/, '') + '/.graphchat';
}

export interface GlobalParse {
  readonly options: GlobalOptions;
  /** The command and its own flags and arguments: the tokens after the global options. */
  readonly rest: readonly Token[];
  /**
   * The first thing wrong with the global options. Reading goes on past it,
   * so that a --json after it still has the error reported as JSON.
   */
  readonly error: CliError | null;
}

/** Reads the global options at the start of the command line. */
export function parseGlobalOptions(tokens: readonly Token[], environment: ParseEnvironment): GlobalParse {
  const values: Record<string, string> = {};
  const switches = { json: false, help: false, version: false };
  let error: CliError | null = null;
  let i = 0;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.flag) break;
    const flag = token.text;
    if (flag === '--') {
      i++;
      break;
    }
    const switched = SWITCHES[flag];
    if (switched !== undefined) {
      switches[switched] = true;
    } else if (flag in VALUE_FLAGS) {
      const next = tokens[i + 1];
      if (next === undefined || next.flag) error ??= usage(`${flag} needs a value`);
      else if (next.text === '') error ??= usage(`${flag} is empty`);
      else values[flag] = next.text;
      // Whatever follows is taken as the value, even a flag: `--dir --json x` asks for no JSON.
      if (next !== undefined) i++;
    } else {
      error ??= usage(`unknown option ${flag} (see graphchat --help)`);
      // `--bogus=x`: x is the unknown option's value, not the command.
      if (tokens[i + 1]?.joined === true) i++;
    }
  }
  const options: GlobalOptions = {
    dir: values['--dir'] ?? defaultDir(environment),
    passphraseFile: values['--passphrase-file'] ?? null,
    ...switches,
  };
  return { options, rest: tokens.slice(i), error };
}

/** A word as typed in a shell: quoted when it holds anything but plain characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The usage error for a global option found at tokens[at], after `command`,
 * suggesting the command line with the option (and its value, for --dir and
 * --passphrase-file) moved before the command, e.g. `graphchat --dir alice
 * contacts`; "..." stands for the command's other arguments, if it has any.
 */
export function misplacedGlobal(command: string, tokens: readonly Token[], at: number): CliError {
  const flag = tokens[at]!.text;
  const placeholder = VALUE_FLAGS[flag];
  const value = placeholder === undefined ? undefined : tokens[at + 1];
  const hasValue = value !== undefined && !value.flag;
  const option = placeholder === undefined ? flag : `${flag} ${hasValue ? shellWord(value.text) : placeholder}`;
  const used = hasValue ? 2 : 1;
  return usage(`${flag} is a global option: put it before the command (graphchat ${option} ${command}${tokens.length > used ? ' ...' : ''})`);
}
