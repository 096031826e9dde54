import type { Printer } from '../output.js';
import type { ChatAgent, ChatIo } from '../session.js';

/** What a command runs with once its database is open. */
export interface SessionContext {
  readonly agent: ChatAgent;
  /** Renders a QR code for the terminal (qr.ts; tests pass a stub). */
  readonly renderQr: (text: string) => Promise<string>;
  /** Where a command prints while it runs (sync, each event as it comes). */
  readonly printer: Printer;
  /** The terminal, if stdin and stdout are one: the chat runs only there. */
  readonly terminal: ChatIo | null;
}
