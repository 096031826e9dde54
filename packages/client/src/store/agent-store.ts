/**
 * The storage interface the agent keeps its records through (records.ts).
 * Backends: SQLite encrypted with the user's passphrase (terminal client),
 * encrypted IndexedDB (web client), and MemoryStore (tests). Every backend
 * passes the same contract suite (@graphchat/client/test-support).
 *
 * Every state change the agent makes happens inside one `transaction`, so a
 * crash leaves either all of it or none of it: a ratchet step is never
 * stored without the message it decrypted, and an encrypted message is
 * never stored without the ratchet state that produced it.
 */
import type { ConnectionRecord, MessageDirection, MessageRecord, OutboxRecord, ProfileRecord } from './records.js';

export interface AgentStore {
  /** Runs `fn` atomically: all its writes are kept or none. Not re-entrant. */
  transaction<T>(fn: () => T): T;

  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;

  listProfiles(): ProfileRecord[];
  getProfile(id: string): ProfileRecord | null;
  putProfile(profile: ProfileRecord): void;

  listConnections(profileId?: string): ConnectionRecord[];
  getConnection(id: string): ConnectionRecord | null;
  putConnection(connection: ConnectionRecord): void;

  putMessage(message: MessageRecord): void;
  getMessage(id: string): MessageRecord | null;
  /** A connection's messages of every kind, sent and received, in the order they were first stored. */
  listMessages(connectionId: string): MessageRecord[];
  /** Sent messages still waiting to be encrypted (status 'queued', seq 0), oldest first. */
  listUnencrypted(connectionId: string): MessageRecord[];
  /** The message with this envelope sequence number in this direction, if stored. */
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null;

  /** Adds an outbox item; returns it with its id. */
  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord;
  updateOutbox(item: OutboxRecord): void;
  deleteOutbox(id: number): void;
  /** All outbox items, in id order. */
  listOutbox(): OutboxRecord[];

  /** Received envelopes held until the sequence gap before them fills, keyed by connection and seq. */
  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void;
  takeHeld(connectionId: string, seq: number): Uint8Array | null;
  countHeld(connectionId: string): number;

  /**
   * Resolves once every transaction committed before the call is durable.
   * For stores that commit in memory and write behind (IndexedDB, whose API
   * is asynchronous while `transaction` is not): the agent awaits it before
   * anything that tells a relay a transaction happened (a SEND of what it
   * sealed, an ACK of what it stored). Stores whose commit is durable
   * (SQLite) leave it out.
   */
  flush?(): Promise<void>;

  close(): void;
}
