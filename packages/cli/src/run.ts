/**
 * Runs a parsed command: opens what its entry needs (reading the passphrase
 * then), runs it, and closes again whatever happens.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from './command-line.js';
import type { SessionContext } from './commands/context.js';
import { TABLE } from './commands/table.js';
import type { CommandName, Commands } from './commands/table.js';
import { CliError, EXIT_ERROR, EXIT_OK } from './errors.js';
import type { GlobalOptions } from './global-options.js';
import { helpText } from './help.js';
import type { MainDeps, MainIo } from './main-io.js';
import { Printer } from './output.js';
import { obtainPassphrase } from './passphrase.js';
import type { AskPassphrase } from './passphrase.js';
import { databasePath } from './session.js';
import type { ChatAgent, ChatIo, OpenSession } from './session.js';

async function defaultOpenSession(): Promise<OpenSession> {
  const runtime = await import('./runtime.js');
  return runtime.openSession;
}

async function defaultRenderQr(text: string): Promise<string> {
  const { renderQr } = await import('./qr.js');
  return renderQr(text, process.stdout.columns ?? 80);
}

/** How to ask for the passphrase: on a terminal only. */
function asker(io: MainIo, deps: MainDeps): AskPassphrase | null {
  if (io.isTTY !== true) return null;
  if (deps.askPassphrase !== undefined) return deps.askPassphrase;
  const stdin = io.stdin;
  if (stdin === undefined) return null;
  return async (create) => {
    const { askPassphrase } = await import('./prompt.js');
    return askPassphrase(stdin, io.stderr, create);
  };
}

/** The exit code of a command that finished: 1 with its line on stderr if its result is a failure. */
function exitCode(failure: string | null, io: MainIo): number {
  if (failure === null) return EXIT_OK;
  io.stderr.write(`graphchat: ${failure}\n`);
  return EXIT_ERROR;
}

/** Runs the command; returns the exit code of a command that finished (errors are thrown). */
export async function runCommand(command: Command, options: GlobalOptions, io: MainIo, deps: MainDeps): Promise<number> {
  if (command.name === 'help') {
    io.stdout.write(helpText(command.topic));
    return EXIT_OK;
  }
  return runEntry(command.name, command, options, io, deps);
}

// Generic in the name, so that the entry found is the one that takes this command.
async function runEntry<N extends CommandName>(name: N, command: Commands[N], options: GlobalOptions, io: MainIo, deps: MainDeps): Promise<number> {
  const entry = TABLE[name];
  const printer = new Printer(io.stdout, options.json);
  // Before anything asks for a passphrase or opens a store: a proof is checked with the file alone.
  if (entry.opens === 'nothing') return exitCode(await entry.execute(command, printer), io);
  const terminal: ChatIo | null = io.stdin !== undefined && io.isTTY === true ? { input: io.stdin, output: io.stdout as NodeJS.WritableStream, terminal: true } : null;
  if (entry.needsTerminal && terminal === null) throw new CliError('USAGE', `${entry.line.words.join(' ')} needs a terminal; scripts use the other commands`);
  const create = entry.opens === 'new database' || (entry.opens === 'database or new' && !existsSync(databasePath(options.dir)));
  const readFile = io.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const passphrase = await obtainPassphrase(options, { env: io.env, readFile }, asker(io, deps), create);
  const open = deps.openSession ?? (await defaultOpenSession());
  const session = await open({ dir: options.dir, passphrase, create });
  const context: SessionContext = { agent: session.agent, renderQr: deps.renderQr ?? defaultRenderQr, printer, terminal };
  if (create) {
    let failure: string | null;
    try {
      failure = await entry.execute(command, context);
    } catch (error) {
      if (entry.networked) await stopAgent(session.agent);
      session.discard();
      throw error;
    }
    session.close();
    return exitCode(failure, io);
  }
  try {
    return exitCode(await entry.execute(command, context), io);
  } finally {
    if (entry.networked) await stopAgent(session.agent);
    session.close();
  }
}

/**
 * Stopped already on success; made sure on failure too, and callbacks
 * already queued by closed sockets run while the store is still open.
 */
async function stopAgent(agent: ChatAgent): Promise<void> {
  await agent.stop().catch(() => {});
  await new Promise<void>((resolve) => setImmediate(resolve));
}
