/** What the commands need: an agent on an open store, a way to close both, and the terminal the chat runs on. */
import type { Agent } from '@graphchat/client';

const DB_FILE = 'graphchat.db';

/** Where the database lives in the state directory. */
export function databasePath(dir: string): string {
  return dir.replace(/\/+$/, '') + '/' + DB_FILE;
}

/** The part of the agent the terminal client uses (tests pass a fake with the same shape). */
export type ChatAgent = Pick<
  Agent,
  | 'onEvent'
  | 'createProfile'
  | 'activeProfile'
  | 'setActiveProfile'
  | 'listProfiles'
  | 'updateProfile'
  | 'setPrivateRouting'
  | 'addRelay'
  | 'removeRelay'
  | 'relays'
  | 'testRelay'
  | 'setRotation'
  | 'rotate'
  | 'rekey'
  | 'createInvitation'
  | 'contactAddress'
  | 'connect'
  | 'acceptRequest'
  | 'declineRequest'
  | 'contacts'
  | 'findContact'
  | 'send'
  | 'history'
  | 'securityCode'
  | 'verifyCode'
  | 'exportProof'
  | 'proposeMode'
  | 'acceptMode'
  | 'linkDevice'
  | 'joinDevice'
  | 'devices'
  | 'removeDevice'
  | 'deviceCode'
  | 'sync'
  | 'start'
  | 'stop'
>;

export interface Session {
  readonly agent: ChatAgent;
  /** Stops nothing: the caller stops the agent first if it started it. Closes the store. */
  close(): void;
  /** Closes the store and, if this session created the database, deletes it again (a failed init). */
  discard(): void;
}

export interface OpenSessionOptions {
  /** State directory (created with mode 0700 when `create`). */
  readonly dir: string;
  readonly passphrase: string;
  /** Create a new database (init) rather than open the existing one. */
  readonly create: boolean;
}

/** Opens the store in `dir` and builds an agent on it; throws StoreError. */
export type OpenSession = (options: OpenSessionOptions) => Promise<Session>;

/** The terminal the interactive chat reads and writes. */
export interface ChatIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** Whether input and output are a terminal (prompt, line editing, redrawing the input line). */
  readonly terminal: boolean;
}
