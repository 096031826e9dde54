/** Errors of the terminal client itself (as opposed to the agent's and the store's). */
import { AgentError } from '@graphchat/client';
import { CodedError } from '@graphchat/core';
import { StoreError } from './store/errors.js';

export type CliErrorCode =
  /** Bad command line: unknown command or flag, missing or extra argument. Exit code 2. */
  | 'USAGE'
  /** No passphrase in GRAPHCHAT_PASSPHRASE, no --passphrase-file, and no terminal to ask on. */
  | 'NO_PASSPHRASE'
  /** `verify` was given a code that does not match. */
  | 'CODE_MISMATCH'
  /** Reading or writing a file or directory failed. */
  | 'IO'
  /** `proof verify` was given a file it cannot read or that is not JSON. */
  | 'BAD_PROOF_FILE'
  /** A device name that more than one of the profile's devices has: the id tells them apart. */
  | 'AMBIGUOUS_DEVICE'
  /** `device link` or `device join` ended (link expired, timeout) before the devices were linked. */
  | 'NOT_LINKED';

export class CliError extends CodedError<CliErrorCode> {
  override readonly name = 'CliError';
}

/** Exit codes: 0 success, 1 an expected error, 2 bad usage, 70 an internal error (EX_SOFTWARE). */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** An error the user can act on: reported as one line, without a stack trace. */
export interface ExpectedError {
  readonly code: string;
  readonly message: string;
}

/**
 * Recognises the typed errors of the terminal client, the agent and the
 * store by their class, and Node's system errors (ENOENT, EACCES, ...) as
 * 'IO'. Anything else is internal.
 */
export function asExpectedError(error: unknown): ExpectedError | null {
  if (error instanceof CliError || error instanceof AgentError || error instanceof StoreError) return { code: error.code, message: error.message };
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (/^E[A-Z0-9]+$/.test(code) && typeof (error as { syscall?: unknown }).syscall === 'string') {
    return { code: 'IO', message: error.message };
  }
  return null;
}

/** One line: newlines and runs of white space around them become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
