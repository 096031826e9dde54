/**
 * A command of the terminal client, as one entry of the table (table.ts):
 * how it is typed and described, what it opens before it runs, what it does,
 * how the command line prints its result and, for a command the chat offers
 * too, its slash form (slash.ts).
 */
import type { Printer } from '../output.js';
import type { CommandArgs, Flags } from './arguments.js';
import type { SessionContext } from './context.js';
import { slashCommand } from './slash.js';
import type { SlashCommand, SlashForm } from './slash.js';

/** One way to type a command, as `graphchat --help` lists it. */
export interface Listing {
  /** Without "graphchat"; a line break continues it on the next line. */
  readonly form: string;
  readonly description: readonly string[];
}

/** How a command is typed on the command line and described by its help. */
export interface CommandLineForm<C> {
  /** The words that start it: `send`, or `profile new`; the first is its help topic. */
  readonly words: readonly [string] | readonly [string, string];
  readonly flags: Flags;
  /** The command from its flags and arguments; throws CliError 'USAGE'. */
  readonly parse: (args: CommandArgs) => C;
  readonly listing: readonly Listing[];
  /** What `graphchat help WORD` shows of it, after "usage: ". */
  readonly synopsis: string;
}

/**
 * Null when the command succeeded; otherwise the one line that says why it
 * failed (exit 1), for a result that is a failure but not an error: an
 * invalid proof is reported, not thrown.
 */
export type Failure = string | null;

interface CommonSpec<C, R> {
  readonly line: CommandLineForm<C>;
  /** What the command line prints of the result, as JSON objects or as lines for people. */
  readonly print?: (result: R, printer: Printer) => void;
  readonly failure?: (result: R) => Failure;
}

export type Opens = 'database' | 'new database' | 'database or new';

/** A command that runs on the database. */
export interface SessionCommandSpec<C, R> extends CommonSpec<C, R> {
  /**
   * A new database is created for `init` and removed again if the command
   * fails; `database or new` (`device join`) creates one only if the
   * directory has none.
   */
  readonly opens: Opens;
  /** It talks to the relays: the agent is stopped after it, whatever happens. */
  readonly networked?: boolean;
  /** It runs only on a terminal: refused before the passphrase is asked for. */
  readonly needsTerminal?: boolean;
  /** Does the work and returns what there is to print or show. */
  readonly run: (command: C, context: SessionContext) => Promise<R>;
  readonly slash?: SlashForm<C, R>;
}

/** A command that needs no database, passphrase or network. */
export interface OfflineCommandSpec<C, R> extends CommonSpec<C, R> {
  readonly run: (command: C) => Promise<R>;
}

export interface SessionEntry<C> {
  readonly line: CommandLineForm<C>;
  readonly opens: Opens;
  readonly networked: boolean;
  readonly needsTerminal: boolean;
  /** Runs the command and prints its result. */
  readonly execute: (command: C, context: SessionContext) => Promise<Failure>;
  /** Its command in the interactive chat, if the chat offers it. */
  readonly slash: SlashCommand | null;
}

export interface OfflineEntry<C> {
  readonly line: CommandLineForm<C>;
  readonly opens: 'nothing';
  readonly execute: (command: C, printer: Printer) => Promise<Failure>;
}

export type CommandEntry<C> = SessionEntry<C> | OfflineEntry<C>;

/** Prints the result; returns whether it is a failure. */
function printResult<R>(spec: CommonSpec<unknown, R>, result: R, printer: Printer): Failure {
  spec.print?.(result, printer);
  return spec.failure?.(result) ?? null;
}

export function defineCommand<C, R>(spec: SessionCommandSpec<C, R> & { readonly slash: SlashForm<C, R> }): SessionEntry<C> & { readonly slash: SlashCommand };
export function defineCommand<C, R>(spec: SessionCommandSpec<C, R>): SessionEntry<C>;
export function defineCommand<C, R>(spec: SessionCommandSpec<C, R>): SessionEntry<C> {
  return {
    line: spec.line,
    opens: spec.opens,
    networked: spec.networked ?? false,
    needsTerminal: spec.needsTerminal ?? false,
    execute: async (command, context) => printResult(spec, await spec.run(command, context), context.printer),
    slash: spec.slash === undefined ? null : slashCommand(spec.slash, spec.run),
  };
}

export function defineOfflineCommand<C, R>(spec: OfflineCommandSpec<C, R>): OfflineEntry<C> {
  return {
    line: spec.line,
    opens: 'nothing',
    execute: async (command, printer) => printResult(spec, await spec.run(command), printer),
  };
}
