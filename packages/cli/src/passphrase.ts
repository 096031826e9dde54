/**
 * The database passphrase: the first line of --passphrase-file, else
 * $GRAPHCHAT_PASSPHRASE, else asked on the terminal. Read only when a
 * command opens the database.
 */
import { CliError } from './errors.js';
import type { GlobalOptions } from './global-options.js';

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
export function resolvePassphrase(options: Pick<GlobalOptions, 'passphraseFile'>, source: PassphraseSource): string | null {
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

/** Asks for the passphrase on the terminal; for a new database (`create`) twice. */
export type AskPassphrase = (create: boolean) => Promise<string>;

/** The passphrase given, or asked for if there is a terminal; NO_PASSPHRASE otherwise. */
export async function obtainPassphrase(
  options: Pick<GlobalOptions, 'passphraseFile'>,
  source: PassphraseSource,
  ask: AskPassphrase | null,
  create: boolean,
): Promise<string> {
  const given = resolvePassphrase(options, source);
  if (given !== null) return given;
  if (ask !== null) return ask(create);
  throw new CliError('NO_PASSPHRASE', 'no passphrase: set GRAPHCHAT_PASSPHRASE or use --passphrase-file F');
}
