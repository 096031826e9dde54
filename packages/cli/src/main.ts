/**
 * The terminal client as a function: parses the arguments, runs the command
 * and reports errors, returning the exit code. Streams, environment and the
 * way the database is opened are injected, so tests run it in-process.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { parseArgs } from './command-line.js';
import { asExpectedError, CliError, EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, oneLine } from './errors.js';
import type { GlobalOptions } from './global-options.js';
import { helpText } from './help.js';
import type { MainDeps, MainIo } from './main-io.js';
import { errorJson, hideRelayPasswords, jsonLine } from './output.js';
import type { Writable } from './output.js';
import { runCommand } from './run.js';
import { databasePath } from './session.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A store error's message made actionable for this client. */
function describe(code: string, message: string, options: GlobalOptions): string {
  switch (code) {
    case 'NOT_INITIALIZED':
      return `no database in ${options.dir}: run "graphchat init --name NAME --server ADDR" first`;
    case 'ALREADY_INITIALIZED':
      return `${options.dir} already holds a database (${databasePath(options.dir)})`;
    case 'WRONG_PASSPHRASE':
      return `wrong passphrase for ${databasePath(options.dir)}`;
    case 'UNSUPPORTED_VERSION':
      return `this connection speaks graph-chat version 2 (one side's graphchat was older when it was made): it cannot move relays, rotate or rekey; it keeps working as it is; connect again, once both sides run version 3, to get them`;
    case 'BUSY':
      return `${message} (run "graphchat sync" to finish it first)`;
    case 'IN_USE':
      return `another graphchat process is using ${options.dir} (only one at a time: wait for it to finish)`;
    default:
      return message;
  }
}

/** Reports an error (stderr line, and the JSON line on stdout with --json); returns the exit code. */
function report(error: unknown, io: MainIo, options: GlobalOptions): number {
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
  if (options.json) io.stdout.write(jsonLine(errorJson(code, message)));
  io.stderr.write(`graphchat: ${message}\n`);
  return exit;
}

/**
 * Runs `graphchat` with `argv` (the arguments after the script path) and
 * returns the exit code: 0 success, 1 error, 2 usage error, 70 internal error.
 */
export async function main(argv: readonly string[], io: MainIo, deps: MainDeps = {}): Promise<number> {
  const { options, command, error } = parseArgs(argv, { env: io.env, homeDir: io.homeDir ?? homedir() });
  try {
    if (error !== null) throw error;
    if (options.version) {
      io.stdout.write(options.json ? jsonLine({ version: packageVersion() }) : `graphchat ${packageVersion()}\n`);
      return EXIT_OK;
    }
    if (options.help) {
      io.stdout.write(helpText(command?.name === 'help' ? command.topic : null));
      return EXIT_OK;
    }
    if (command === null && io.isTTY !== true) throw new CliError('USAGE', 'no command given (see graphchat --help)');
    return await runCommand(command ?? { name: 'chat' }, options, io, deps);
  } catch (caught) {
    return report(caught, io, options);
  }
}
