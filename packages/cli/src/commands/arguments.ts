/** Reading a command's own flags and arguments: the helpers of the entries' parsers. */
import { CliError } from '../errors.js';
import { isGlobalFlag, misplacedGlobal } from '../global-options.js';
import type { Token } from '../tokens.js';

/** The flags a command takes: with a value, or on their own. */
export interface Flags {
  readonly valueFlags: readonly string[];
  readonly booleanFlags: readonly string[];
  /** Flags that may be given more than once. */
  readonly repeatable?: readonly string[];
}

export const NO_FLAGS: Flags = { valueFlags: [], booleanFlags: [] };

export interface CommandArgs {
  /** The command as its messages name it: `send`, `profile new`. */
  readonly command: string;
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly booleans: ReadonlySet<string>;
  readonly positional: readonly string[];
  /** --help or -h was among them. */
  readonly help: boolean;
}

export function usage(message: string): CliError {
  return new CliError('USAGE', message);
}

export function readCommandArgs(command: string, tokens: readonly Token[], flags: Flags): CommandArgs {
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positional: string[] = [];
  let help = false;
  let afterDashes = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.flag || afterDashes) {
      positional.push(token.text);
      continue;
    }
    const flag = token.text;
    if (flag === '--') {
      afterDashes = true;
    } else if (flag === '--help' || flag === '-h') {
      help = true;
    } else if (flags.valueFlags.includes(flag)) {
      const next = tokens[i + 1];
      if (next === undefined || next.flag) throw usage(`${command}: ${flag} needs a value`);
      const list = values.get(flag) ?? [];
      if (list.length > 0 && !(flags.repeatable ?? []).includes(flag)) throw usage(`${command}: ${flag} given more than once`);
      list.push(next.text);
      values.set(flag, list);
      i++;
    } else if (flags.booleanFlags.includes(flag)) {
      booleans.add(flag);
    } else if (isGlobalFlag(flag)) {
      throw misplacedGlobal(command, tokens, i);
    } else {
      throw usage(`${command}: unknown option ${flag}`);
    }
  }
  return { command, values, booleans, positional, help };
}

/** The value of a flag given at most once; null if it was not given. */
export function single(args: CommandArgs, flag: string): string | null {
  return args.values.get(flag)?.[0] ?? null;
}

/**
 * The positional arguments, exactly as many as `names`; with `joinRest` the
 * last one is every word left, joined by spaces (`send bob hello there`).
 */
export function expectPositional(args: CommandArgs, names: readonly string[], joinRest = false): string[] {
  const { command, positional: got } = args;
  const synopsis = `graphchat ${command} ${names.join(' ')}`;
  if (got.length < names.length) throw usage(`${command}: missing ${names[got.length]} (usage: ${synopsis})`);
  if (got.length > names.length) {
    if (!joinRest) throw usage(`${command}: unexpected argument ${JSON.stringify(got[names.length])} (usage: ${synopsis})`);
    return [...got.slice(0, names.length - 1), got.slice(names.length - 1).join(' ')];
  }
  return [...got];
}

/** The value of a flag that takes a positive number of seconds (`--timeout 2.5`); null if it was not given. */
export function positiveSeconds(args: CommandArgs, flag: string): number | null {
  const value = single(args, flag);
  if (value === null) return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw usage(`${args.command}: ${flag} needs a positive number of seconds, not ${JSON.stringify(value)}`);
  return n;
}

export function noArguments(args: CommandArgs): void {
  expectPositional(args, []);
}

export function nonEmpty(args: CommandArgs, what: string, value: string): string {
  if (value.trim() === '') throw usage(`${args.command}: ${what} is empty`);
  return value;
}

/** The one argument CONTACT (an id or a display name). */
export function contactArgument(args: CommandArgs): string {
  const [contact] = expectPositional(args, ['CONTACT']);
  return nonEmpty(args, 'CONTACT', contact!);
}
