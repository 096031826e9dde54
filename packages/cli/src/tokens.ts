/** The command line as tokens: flags and the words that are not. */

export interface Token {
  readonly text: string;
  readonly flag: boolean;
  /** The value of `--flag=value`, given with its flag. */
  readonly joined?: true;
}

/**
 * Splits `--flag=value` into two tokens. A lone `-` and everything after `--`
 * are arguments, never flags.
 */
export function tokenize(argv: readonly string[]): Token[] {
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
      tokens.push({ text: arg.slice(0, eq), flag: true }, { text: arg.slice(eq + 1), flag: false, joined: true });
    } else {
      tokens.push({ text: arg, flag: arg.length > 1 && arg.startsWith('-') });
    }
  }
  return tokens;
}
