/**
 * The terminal client as a function: parses the arguments, opens the
 * database, runs one command and reports errors, returning the exit code.
 * Streams, environment and the way the database is opened are injected, so
 * tests run it in-process.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { databasePath, needsDatabase, parseArgs, resolvePassphrase } from './args.js';
import type { Command, GlobalOptions } from './args.js';
import { runCommand, runInit } from './commands.js';
import type { OneShotCommand } from './commands.js';
import { asExpectedError, CliError, EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, oneLine } from './errors.js';
import { helpText } from './help.js';
import { runChat } from './interactive.js';
import { errorJson, hideRelayPasswords, jsonLine, Printer } from './output.js';
import type { Writable } from './output.js';
import { verifyProofFile } from './proof.js';
import type { TerminalInput } from './prompt.js';
import type { OpenSession, Session } from './session.js';

export interface MainIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input, for `chat` and for asking the passphrase (default: none). */
  readonly stdin?: NodeJS.ReadableStream & TerminalInput;
  /** Whether stdin and stdout are a terminal (default false): no command then means `chat`, and a missing passphrase is asked for. */
  readonly isTTY?: boolean;
  /** Home directory for the default state directory (default os.homedir()). */
  readonly homeDir?: string;
  /** Reads a file as UTF-8 (default fs.readFileSync); used for --passphrase-file. */
  readonly readFile?: (path: string) => string;
}

export interface MainDeps {
  /** Opens the store and builds the agent (default: runtime.ts, encrypted SQLite + sodium + ws). */
  readonly openSession?: OpenSession;
  /** Renders a QR code (default qr.ts). */
  readonly renderQr?: (text: string) => Promise<string>;
  /** Asks for the passphrase on the terminal (default prompt.ts, on io.stdin / io.stderr). */
  readonly askPassphrase?: (create: boolean) => Promise<string>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A store error's message made actionable for this client. */
function describe(code: string, message: string, options: GlobalOptions | null): string {
  if (options === null) return message;
  switch (code) {
    case 'NOT_INITIALIZED':
      return `no database in ${options.dir}: run "graphchat init --name NAME --server ADDR" first`;
    case 'ALREADY_INITIALIZED':
      return `${options.dir} already holds a database (${databasePath(options.dir)})`;
    case 'WRONG_PASSPHRASE':
      return `wrong passphrase for ${databasePath(options.dir)}`;
    case 'IN_USE':
      return `another graphchat process is using ${options.dir} (only one at a time: wait for it to finish)`;
    default:
      return message;
  }
}

/** Reports an error (stderr line, and the JSON line on stdout with --json); returns the exit code. */
function report(error: unknown, io: MainIo, options: GlobalOptions | null, json: boolean): number {
  const expected = asExpectedError(error);
  let code: string;
  let message: string;
  let exit: number;
  if (expected !== null) {
    code = expected.code;
    message = hideRelayPasswords(oneLine(describe(expected.code, expected.message, options)));
    exit = code === 'USAGE' ? EXIT_USAGE : EXIT_ERROR;
  } else {
    code = 'INTERNAL';
    message = `internal error: ${oneLine(error instanceof Error ? error.message : String(error))}`;
    exit = EXIT_INTERNAL;
    if (io.env['GRAPHCHAT_DEBUG'] && error instanceof Error && error.stack !== undefined) io.stderr.write(error.stack + '\n');
  }
  if (json) io.stdout.write(jsonLine(errorJson(code, message)));
  io.stderr.write(`graphchat: ${message}\n`);
  return exit;
}

/** Whether --json was given among the global options, for errors that come before parsing finished. */
export function jsonRequested(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') return true;
    if (arg === '--dir' || arg === '--passphrase-file') i++;
    else if (arg === '--' || !arg.startsWith('-')) return false;
  }
  return false;
}

async function obtainPassphrase(options: GlobalOptions, io: MainIo, deps: MainDeps, create: boolean): Promise<string> {
  const readFile = io.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const given = resolvePassphrase(options, { env: io.env, readFile });
  if (given !== null) return given;
  if (io.isTTY === true) {
    if (deps.askPassphrase !== undefined) return deps.askPassphrase(create);
    if (io.stdin !== undefined) {
      const { askPassphrase } = await import('./prompt.js');
      return askPassphrase(io.stdin, io.stderr, create);
    }
  }
  throw new CliError('NO_PASSPHRASE', 'no passphrase: set GRAPHCHAT_PASSPHRASE or use --passphrase-file F');
}

async function defaultOpenSession(): Promise<OpenSession> {
  const runtime = await import('./runtime.js');
  return runtime.openSession;
}

async function defaultRenderQr(text: string): Promise<string> {
  const { renderQr } = await import('./qr.js');
  return renderQr(text, process.stdout.columns ?? 80);
}

/** Verifies a proof file: exit 1 with one line on stderr if the proof is invalid. */
async function proofVerify(command: Extract<Command, { name: 'proof-verify' }>, io: MainIo, printer: Printer): Promise<number> {
  const { failures } = await verifyProofFile(command, printer);
  if (failures.length === 0) return EXIT_OK;
  io.stderr.write(`graphchat: proof invalid: ${failures.length} failure${failures.length === 1 ? '' : 's'}\n`);
  return EXIT_ERROR;
}

/** Runs the command; returns the exit code of a command that finished (errors are thrown). */
async function execute(command: Command, options: GlobalOptions, io: MainIo, deps: MainDeps): Promise<number> {
  const printer = new Printer(io.stdout, options.json);
  if (command.name === 'help') {
    io.stdout.write(helpText(command.topic));
    return EXIT_OK;
  }
  // Before anything asks for a passphrase or opens a store: a proof is checked with the file alone.
  if (command.name === 'proof-verify') return proofVerify(command, io, printer);
  if (!needsDatabase(command)) return EXIT_OK;
  if (command.name === 'chat' && (io.stdin === undefined || io.isTTY !== true)) {
    throw new CliError('USAGE', 'chat needs a terminal; scripts use the other commands');
  }
  const create = command.name === 'init';
  const passphrase = await obtainPassphrase(options, io, deps, create);
  const open = deps.openSession ?? (await defaultOpenSession());
  const renderQr = deps.renderQr ?? defaultRenderQr;
  const session: Session = await open({ dir: options.dir, passphrase, create });
  if (command.name === 'init') {
    try {
      runInit(command, { agent: session.agent, printer });
    } catch (error) {
      session.discard();
      throw error;
    }
    session.close();
    return EXIT_OK;
  }
  const networked = command.name === 'chat' || command.name === 'sync';
  try {
    if (command.name === 'chat') {
      await runChat(session.agent, { input: io.stdin!, output: io.stdout as NodeJS.WritableStream, terminal: true }, renderQr);
    } else {
      await runCommand(command as OneShotCommand, { agent: session.agent, printer, renderQr });
    }
  } finally {
    if (networked) {
      // Stopped already on success; make sure on failure too, and let callbacks already queued
      // by closed sockets run while the store is still open.
      await session.agent.stop().catch(() => {});
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    session.close();
  }
  return EXIT_OK;
}

/**
 * Runs `graphchat` with `argv` (the arguments after the script path) and
 * returns the exit code: 0 success, 1 error, 2 usage error, 70 internal error.
 */
export async function main(argv: readonly string[], io: MainIo, deps: MainDeps = {}): Promise<number> {
  let options: GlobalOptions | null = null;
  try {
    const parsed = parseArgs(argv, { env: io.env, homeDir: io.homeDir ?? homedir() });
    options = parsed.options;
    if (options.version) {
      io.stdout.write(options.json ? jsonLine({ version: packageVersion() }) : `graphchat ${packageVersion()}\n`);
      return EXIT_OK;
    }
    if (options.help) {
      io.stdout.write(helpText(parsed.command?.name === 'help' ? parsed.command.topic : (parsed.command?.name ?? null)));
      return EXIT_OK;
    }
    let command = parsed.command;
    if (command === null) {
      if (io.isTTY !== true) throw new CliError('USAGE', 'no command given (see graphchat --help)');
      command = { name: 'chat' };
    }
    return await execute(command, options, io, deps);
  } catch (error) {
    return report(error, io, options, options?.json ?? jsonRequested(argv));
  }
}
