/** What `main` runs with: its streams and environment, and what tests replace (how the database opens, QR codes, the passphrase prompt). */
import type { Writable } from './output.js';
import type { AskPassphrase } from './passphrase.js';
import type { TerminalInput } from './prompt.js';
import type { OpenSession } from './session.js';

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
  readonly askPassphrase?: AskPassphrase;
}
