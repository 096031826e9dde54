/**
 * The command line, parsed without side effects: global options come before
 * the command, the command's own flags and arguments after it.
 *
 *   graphchat [--dir DIR] [--passphrase-file F] [--json] [--help] [--version] COMMAND ...
 */
import { CliError } from './errors.js';

export interface GlobalOptions {
  /** State directory: --dir, else $GRAPHCHAT_DIR, else ~/.graphchat. */
  readonly dir: string;
  readonly passphraseFile: string | null;
  readonly json: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

export type Command =
  | {
      readonly name: 'init';
      readonly displayName: string;
      readonly servers: readonly string[];
      readonly fullName: string | null;
      readonly sessionPerConnection: boolean;
      /** Queues per relay for new connections: 1 unless --queues-per-relay. */
      readonly queuesPerRelay: number;
    }
  /** `--otr`: an off-the-record connection (nothing signed). */
  | { readonly name: 'invite'; readonly qr: boolean; readonly offTheRecord: boolean }
  /** `otr on|off CONTACT` proposes a switch; `otr accept CONTACT` agrees to the contact's. */
  | { readonly name: 'otr'; readonly action: 'on' | 'off' | 'accept'; readonly contact: string }
  | { readonly name: 'address'; readonly qr: boolean }
  | { readonly name: 'accept'; readonly contact: string }
  | { readonly name: 'decline'; readonly contact: string }
  | { readonly name: 'connect'; readonly link: string; readonly scanned: boolean }
  /** `--all` also lists failed contacts. */
  | { readonly name: 'contacts'; readonly all: boolean }
  | { readonly name: 'send'; readonly contact: string; readonly text: string }
  | { readonly name: 'sync'; readonly timeoutSeconds: number; readonly idleSeconds: number }
  | { readonly name: 'history'; readonly contact: string }
  | { readonly name: 'contact'; readonly contact: string }
  | { readonly name: 'code'; readonly contact: string; readonly qr: boolean }
  | { readonly name: 'verify'; readonly contact: string; readonly code: string }
  | {
      readonly name: 'profile';
      readonly displayName: string | null;
      readonly fullName: string | null;
      readonly status: string | null;
      /** Path of an image file for the avatar; '' removes it. */
      readonly image: string | null;
    }
  /** `profile new`: servers empty means the active profile's. */
  | {
      readonly name: 'profile-new';
      readonly displayName: string;
      readonly servers: readonly string[];
      readonly fullName: string | null;
      readonly sessionPerConnection: boolean;
      /** Queues per relay for new connections: 1 unless --queues-per-relay. */
      readonly queuesPerRelay: number;
    }
  /** `profile use ID|NAME`. */
  | { readonly name: 'profile-use'; readonly profile: string }
  | { readonly name: 'profiles' }
  | { readonly name: 'chat' }
  /** `proof export CONTACT [--from MSG] [--to MSG] --out FILE`: message ids as `history --json` prints them. */
  | { readonly name: 'proof-export'; readonly contact: string; readonly from: string | null; readonly to: string | null; readonly out: string }
  /** `proof verify FILE`: needs no database, passphrase or network. */
  | { readonly name: 'proof-verify'; readonly file: string }
  /** `graphchat help [COMMAND]` or `graphchat COMMAND --help`. */
  | { readonly name: 'help'; readonly topic: string | null };

export type CommandName = Command['name'];

/** The words that start a command (`profile new`, `profile use`, `proof export` and `proof verify` are subcommands). */
export type CommandWord = Exclude<CommandName, 'help' | 'profile-new' | 'profile-use' | 'proof-export' | 'proof-verify'> | 'proof';

export interface ParsedArgs {
  readonly options: GlobalOptions;
  /** Null when no command was given (interactive chat on a terminal, usage otherwise). */
  readonly command: Command | null;
}

export interface ParseEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
}

export const DEFAULT_SYNC_TIMEOUT_SECONDS = 30;
export const DEFAULT_SYNC_IDLE_SECONDS = 1;
export const DB_FILE = 'graphchat.db';

export const COMMANDS: readonly CommandWord[] = [
  'init',
  'invite',
  'address',
  'connect',
  'accept',
  'decline',
  'contacts',
  'contact',
  'send',
  'sync',
  'history',
  'code',
  'verify',
  'profile',
  'profiles',
  'proof',
  'otr',
  'chat',
];

const GLOBAL_FLAGS = new Set(['--dir', '--passphrase-file', '--json', '--help', '-h', '--version', '-V']);

function usage(message: string): CliError {
  return new CliError('USAGE', message);
}

/** Joins a directory to a path with '/' (the client runs on POSIX systems; Node accepts '/' on Windows too). */
function defaultDir(env: ParseEnvironment): string {
  const fromEnv = env.env['GRAPHCHAT_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return env.homeDir.replace(/\/+$/, '') + '/.graphchat';
}

/**
 * Splits `--flag=value` into two tokens. A lone `-` and everything after `--`
 * are arguments, never flags.
 */
interface Token {
  readonly text: string;
  readonly flag: boolean;
}

function tokenize(argv: readonly string[]): Token[] {
  const tokens: Token[] = [];
  let rest = false;
  for (const arg of argv) {
    if (rest) {
      tokens.push({ text: arg, flag: false });
    } else if (arg === '--') {
      rest = true;
      tokens.push({ text: arg, flag: true });
    } else if (arg.startsWith('--') && arg.includes('=')) {
      const eq = arg.indexOf('=');
      tokens.push({ text: arg.slice(0, eq), flag: true }, { text: arg.slice(eq + 1), flag: false });
    } else {
      tokens.push({ text: arg, flag: arg.length > 1 && arg.startsWith('-') });
    }
  }
  return tokens;
}

/** The command's flags (with or without a value) and its positional arguments. */
interface CommandSpec {
  readonly valueFlags: readonly string[];
  readonly booleanFlags: readonly string[];
  /** Flags that may be given more than once. */
  readonly repeatable?: readonly string[];
}

interface CommandArgs {
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly booleans: ReadonlySet<string>;
  readonly positional: readonly string[];
  readonly help: boolean;
}

function parseCommandArgs(command: string, tokens: readonly Token[], spec: CommandSpec): CommandArgs {
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
    } else if (spec.valueFlags.includes(flag)) {
      const next = tokens[i + 1];
      if (next === undefined || next.flag) throw usage(`${command}: ${flag} needs a value`);
      const list = values.get(flag) ?? [];
      if (list.length > 0 && !(spec.repeatable ?? []).includes(flag)) {
        throw usage(`${command}: ${flag} given more than once`);
      }
      list.push(next.text);
      values.set(flag, list);
      i++;
    } else if (spec.booleanFlags.includes(flag)) {
      booleans.add(flag);
    } else if (GLOBAL_FLAGS.has(flag)) {
      throw usage(`${flag} is a global option: put it before the command (${globalFirst(command, tokens, i)})`);
    } else {
      throw usage(`${command}: unknown option ${flag}`);
    }
  }
  return { values, booleans, positional, help };
}

/** A word as typed in a shell: quoted when it holds anything but plain characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The suggestion for a global option found at tokens[at], after `command`:
 * the option (with its value, for --dir and --passphrase-file) moved before
 * the command, e.g. `graphchat --dir alice contacts`; "..." stands for the
 * command's other arguments, if it has any.
 */
function globalFirst(command: string, tokens: readonly Token[], at: number): string {
  const flag = tokens[at]!.text;
  const takesValue = flag === '--dir' || flag === '--passphrase-file';
  const value = takesValue ? tokens[at + 1] : undefined;
  const option = !takesValue ? flag : value === undefined || value.flag ? `${flag} ${flag === '--dir' ? 'DIR' : 'F'}` : `${flag} ${shellWord(value.text)}`;
  const used = takesValue && value !== undefined && !value.flag ? 2 : 1;
  return `graphchat ${option} ${command}${tokens.length > used ? ' ...' : ''}`;
}

function single(args: CommandArgs, flag: string): string | null {
  return args.values.get(flag)?.[0] ?? null;
}

function expectPositional(command: string, args: CommandArgs, names: readonly string[], joinLast: boolean): string[] {
  const got = args.positional;
  const synopsis = `graphchat ${command} ${names.join(' ')}`;
  if (got.length < names.length) {
    throw usage(`${command}: missing ${names[got.length]} (usage: ${synopsis})`);
  }
  if (got.length > names.length) {
    if (!joinLast) throw usage(`${command}: unexpected argument ${JSON.stringify(got[names.length])} (usage: ${synopsis})`);
    return [...got.slice(0, names.length - 1), got.slice(names.length - 1).join(' ')];
  }
  return [...got];
}

function nonEmpty(command: string, what: string, value: string): string {
  if (value.trim() === '') throw usage(`${command}: ${what} is empty`);
  return value;
}

function seconds(command: string, flag: string, value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw usage(`${command}: ${flag} needs a positive number of seconds, not ${JSON.stringify(value)}`);
  }
  return n;
}

const NEW_PROFILE_SPEC: CommandSpec = {
  valueFlags: ['--name', '--server', '--full-name', '--queues-per-relay'],
  booleanFlags: ['--session-per-connection'],
  repeatable: ['--server'],
};

const SPECS: Record<CommandWord, CommandSpec> = {
  init: NEW_PROFILE_SPEC,
  invite: { valueFlags: [], booleanFlags: ['--qr', '--otr'] },
  address: { valueFlags: [], booleanFlags: ['--qr'] },
  connect: { valueFlags: [], booleanFlags: ['--scanned'] },
  accept: { valueFlags: [], booleanFlags: [] },
  decline: { valueFlags: [], booleanFlags: [] },
  contacts: { valueFlags: [], booleanFlags: ['--all'] },
  send: { valueFlags: [], booleanFlags: [] },
  sync: { valueFlags: ['--timeout', '--idle'], booleanFlags: [] },
  history: { valueFlags: [], booleanFlags: [] },
  contact: { valueFlags: [], booleanFlags: [] },
  code: { valueFlags: [], booleanFlags: ['--qr'] },
  verify: { valueFlags: [], booleanFlags: [] },
  profile: { valueFlags: ['--name', '--full-name', '--status', '--image'], booleanFlags: [] },
  profiles: { valueFlags: [], booleanFlags: [] },
  // `proof` alone takes nothing: only --help, or a subcommand.
  proof: { valueFlags: [], booleanFlags: [] },
  otr: { valueFlags: [], booleanFlags: [] },
  chat: { valueFlags: [], booleanFlags: [] },
};

const PROFILE_USE_SPEC: CommandSpec = { valueFlags: [], booleanFlags: [] };
const PROOF_EXPORT_SPEC: CommandSpec = { valueFlags: ['--from', '--to', '--out'], booleanFlags: [] };
const PROOF_VERIFY_SPEC: CommandSpec = { valueFlags: [], booleanFlags: [] };

function isCommandName(name: string): name is CommandWord {
  return (COMMANDS as readonly string[]).includes(name);
}

function queuesPerRelay(command: string, value: string | null): number {
  if (value === null) return 1;
  const n = Number(value);
  if (!/^[1-4]$/.test(value.trim()) || !Number.isInteger(n)) throw usage(`${command}: --queues-per-relay is 1 to 4, not ${JSON.stringify(value)}`);
  return n;
}

/** The flags shared by `init` and `profile new`; servers may be left out only by `profile new`. */
function newProfileArgs(command: string, args: CommandArgs, serversRequired: boolean) {
  expectPositional(command, args, [], false);
  const displayName = single(args, '--name');
  const servers = args.values.get('--server') ?? [];
  if (displayName === null) throw usage(`${command}: --name NAME is required`);
  if (serversRequired && servers.length === 0) throw usage(`${command}: at least one --server ADDR is required`);
  return {
    displayName: nonEmpty(command, '--name', displayName),
    servers: servers.map((s) => nonEmpty(command, '--server', s)),
    fullName: single(args, '--full-name'),
    sessionPerConnection: args.booleans.has('--session-per-connection'),
    queuesPerRelay: queuesPerRelay(command, single(args, '--queues-per-relay')),
  };
}

/** `profile [--name ...]`, `profile new ...` or `profile use ID|NAME`. */
function parseProfile(tokens: readonly Token[]): Command {
  const first = tokens[0];
  const sub = first !== undefined && !first.flag ? first.text : null;
  if (sub === 'new') {
    const args = parseCommandArgs('profile new', tokens.slice(1), NEW_PROFILE_SPEC);
    if (args.help) return { name: 'help', topic: 'profile' };
    return { name: 'profile-new', ...newProfileArgs('profile new', args, false) };
  }
  if (sub === 'use') {
    const args = parseCommandArgs('profile use', tokens.slice(1), PROFILE_USE_SPEC);
    if (args.help) return { name: 'help', topic: 'profile' };
    const [profile] = expectPositional('profile use', args, ['ID|NAME'], false);
    return { name: 'profile-use', profile: nonEmpty('profile use', 'ID|NAME', profile!) };
  }
  const args = parseCommandArgs('profile', tokens, SPECS.profile);
  if (args.help) return { name: 'help', topic: 'profile' };
  if (args.positional.length > 0) {
    throw usage(`profile: unknown subcommand ${JSON.stringify(args.positional[0])} (new, use, or flags to edit)`);
  }
  const displayName = single(args, '--name');
  if (displayName !== null) nonEmpty('profile', '--name', displayName);
  return { name: 'profile', displayName, fullName: single(args, '--full-name'), status: single(args, '--status'), image: single(args, '--image') };
}

/** `proof export CONTACT [--from MSG] [--to MSG] --out FILE` or `proof verify FILE`. */
function parseProof(tokens: readonly Token[]): Command {
  const first = tokens[0];
  const sub = first !== undefined && !first.flag ? first.text : null;
  if (sub === 'export') {
    const args = parseCommandArgs('proof export', tokens.slice(1), PROOF_EXPORT_SPEC);
    if (args.help) return { name: 'help', topic: 'proof' };
    const [contact] = expectPositional('proof export', args, ['CONTACT'], false);
    const out = single(args, '--out');
    if (out === null) throw usage('proof export: --out FILE is required');
    const bound = (flag: string): string | null => {
      const value = single(args, flag);
      return value === null ? null : nonEmpty('proof export', flag, value);
    };
    return { name: 'proof-export', contact: nonEmpty('proof export', 'CONTACT', contact!), from: bound('--from'), to: bound('--to'), out: nonEmpty('proof export', '--out', out) };
  }
  if (sub === 'verify') {
    const args = parseCommandArgs('proof verify', tokens.slice(1), PROOF_VERIFY_SPEC);
    if (args.help) return { name: 'help', topic: 'proof' };
    const [file] = expectPositional('proof verify', args, ['FILE'], false);
    return { name: 'proof-verify', file: nonEmpty('proof verify', 'FILE', file!) };
  }
  const args = parseCommandArgs('proof', tokens, SPECS.proof);
  if (args.help) return { name: 'help', topic: 'proof' };
  const what = args.positional.length > 0 ? `unknown subcommand ${JSON.stringify(args.positional[0])}` : 'missing subcommand';
  throw usage(`proof: ${what} (export or verify)`);
}

function parseCommand(name: string, tokens: readonly Token[]): Command {
  if (name === 'help') {
    const topic = tokens.find((t) => !t.flag)?.text ?? null;
    if (topic !== null && !isCommandName(topic)) throw usage(`help: unknown command ${JSON.stringify(topic)}`);
    return { name: 'help', topic };
  }
  if (!isCommandName(name)) throw usage(`unknown command ${JSON.stringify(name)} (see graphchat --help)`);
  if (name === 'profile') return parseProfile(tokens);
  if (name === 'proof') return parseProof(tokens);
  const args = parseCommandArgs(name, tokens, SPECS[name]);
  if (args.help) return { name: 'help', topic: name };
  switch (name) {
    case 'init':
      return { name, ...newProfileArgs(name, args, true) };
    case 'invite':
      expectPositional(name, args, [], false);
      return { name, qr: args.booleans.has('--qr'), offTheRecord: args.booleans.has('--otr') };
    case 'address':
      expectPositional(name, args, [], false);
      return { name, qr: args.booleans.has('--qr') };
    case 'otr': {
      const [action, contact] = expectPositional(name, args, ['on|off|accept', 'CONTACT'], false);
      if (action !== 'on' && action !== 'off' && action !== 'accept') throw usage(`otr: on, off or accept, not ${JSON.stringify(action)}`);
      return { name, action, contact: nonEmpty(name, 'CONTACT', contact!) };
    }
    case 'connect': {
      const [link] = expectPositional(name, args, ['LINK'], false);
      return { name, link: nonEmpty(name, 'LINK', link!), scanned: args.booleans.has('--scanned') };
    }
    case 'contacts':
      expectPositional(name, args, [], false);
      return { name, all: args.booleans.has('--all') };
    case 'profiles':
    case 'chat':
      expectPositional(name, args, [], false);
      return { name };
    case 'send': {
      const [contact, text] = expectPositional(name, args, ['CONTACT', 'TEXT'], true);
      return { name, contact: nonEmpty(name, 'CONTACT', contact!), text: nonEmpty(name, 'TEXT', text!) };
    }
    case 'sync':
      expectPositional(name, args, [], false);
      return {
        name,
        timeoutSeconds: seconds(name, '--timeout', single(args, '--timeout'), DEFAULT_SYNC_TIMEOUT_SECONDS),
        idleSeconds: seconds(name, '--idle', single(args, '--idle'), DEFAULT_SYNC_IDLE_SECONDS),
      };
    case 'code': {
      const [contact] = expectPositional(name, args, ['CONTACT'], false);
      return { name, contact: nonEmpty(name, 'CONTACT', contact!), qr: args.booleans.has('--qr') };
    }
    case 'history':
    case 'contact':
    case 'accept':
    case 'decline': {
      const [contact] = expectPositional(name, args, ['CONTACT'], false);
      return { name, contact: nonEmpty(name, 'CONTACT', contact!) };
    }
    case 'verify': {
      // The code is groups of digits; it may come as one quoted argument or as several.
      const [contact, code] = expectPositional(name, args, ['CONTACT', 'CODE'], true);
      return { name, contact: nonEmpty(name, 'CONTACT', contact!), code: nonEmpty(name, 'CODE', code!) };
    }
  }
}

/**
 * Parses `argv` (without the node and script paths). Throws CliError 'USAGE'
 * with a one-line message on anything it does not understand.
 */
export function parseArgs(argv: readonly string[], environment: ParseEnvironment): ParsedArgs {
  const tokens = tokenize(argv);
  let dir: string | null = null;
  let passphraseFile: string | null = null;
  let json = false;
  let help = false;
  let version = false;
  let i = 0;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!token.flag) break;
    const flag = token.text;
    if (flag === '--') {
      i++;
      break;
    }
    if (flag === '--dir' || flag === '--passphrase-file') {
      const next = tokens[i + 1];
      if (next === undefined || next.flag) throw usage(`${flag} needs a value`);
      if (next.text === '') throw usage(`${flag} is empty`);
      if (flag === '--dir') dir = next.text;
      else passphraseFile = next.text;
      i++;
    } else if (flag === '--json') {
      json = true;
    } else if (flag === '--help' || flag === '-h') {
      help = true;
    } else if (flag === '--version' || flag === '-V') {
      version = true;
    } else {
      throw usage(`unknown option ${flag} (see graphchat --help)`);
    }
  }
  const options: GlobalOptions = { dir: dir ?? defaultDir(environment), passphraseFile, json, help, version };
  const name = tokens[i];
  if (name === undefined) return { options, command: null };
  // `graphchat --help COMMAND ...`: help on the command, whatever follows it.
  if (help) return { options, command: { name: 'help', topic: isCommandName(name.text) ? name.text : null } };
  return { options, command: parseCommand(name.text, tokens.slice(i + 1)) };
}

/** Whether the command opens the database (and so needs the passphrase). */
export function needsDatabase(command: Command): boolean {
  return command.name !== 'help' && command.name !== 'proof-verify';
}

/** Where the database lives in the state directory. */
export function databasePath(dir: string): string {
  return dir.replace(/\/+$/, '') + '/' + DB_FILE;
}

export interface PassphraseSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a whole file as UTF-8 (throws as fs.readFileSync does). */
  readonly readFile: (path: string) => string;
}

/**
 * The passphrase from --passphrase-file (its first line, without the line
 * break) or else GRAPHCHAT_PASSPHRASE; null when neither is given (the caller
 * may then ask on a terminal). An empty passphrase is refused.
 */
export function resolvePassphrase(options: GlobalOptions, source: PassphraseSource): string | null {
  if (options.passphraseFile !== null) {
    let content: string;
    try {
      content = source.readFile(options.passphraseFile);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError('NO_PASSPHRASE', `cannot read passphrase file ${options.passphraseFile}: ${reason}`);
    }
    const first = content.split(/\r?\n/, 1)[0] ?? '';
    if (first === '') throw new CliError('NO_PASSPHRASE', `passphrase file ${options.passphraseFile} is empty`);
    return first;
  }
  const fromEnv = source.env['GRAPHCHAT_PASSPHRASE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return null;
}
