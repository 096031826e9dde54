/**
 * What the relay keeps, behind an interface that other backends (a journal,
 * PostgreSQL) can implement: queue records and undelivered messages, on disk,
 * never all in memory.
 *
 * A write takes effect (is visible to reads) when its promise resolves, and
 * is durable once a later `flush()` resolves. The relay answers a block of
 * commands only after `flush()`, so writes from many commands and connections
 * share one commit.
 */
export interface QueueRecord {
  readonly recipientId: Uint8Array;
  readonly senderId: Uint8Array;
  /** Ed25519 key that signs the recipient's commands. */
  readonly recipientKey: Uint8Array;
  /** Ed25519 key that signs SEND once the queue is secured; null before. */
  readonly senderKey: Uint8Array | null;
  /** Secret shared with the recipient that delivered messages are encrypted with. */
  readonly dhSecret: Uint8Array;
  /** A suspended queue accepts no more messages. */
  readonly suspended: boolean;
}

export interface StoredMessage {
  readonly msgId: Uint8Array;
  /** Relay time of acceptance, ms since the Unix epoch. */
  readonly createdAt: number;
  /** The MSG body, already encrypted for the recipient. */
  readonly body: Uint8Array;
}

export interface StoreStats {
  readonly queues: number;
  readonly messages: number;
  /** Bytes the store uses (for SQLite: its pages in use, not counting free pages and the WAL). */
  readonly bytes: number;
}

/** `full`: the store holds its byte cap, or the sender's address its share of it (the relay answers FULL). */
export type CreateResult = 'ok' | 'full';
export type AddResult = 'ok' | 'quota' | 'full' | 'no_queue';

export interface QueueStore {
  /** Stores a new queue unless the store already holds its byte cap. */
  createQueue(queue: QueueRecord): Promise<CreateResult>;
  queueByRecipientId(recipientId: Uint8Array): Promise<QueueRecord | null>;
  queueBySenderId(senderId: Uint8Array): Promise<QueueRecord | null>;
  /** Sets the sender key; false when the queue already has one. */
  secureQueue(recipientId: Uint8Array, senderKey: Uint8Array): Promise<boolean>;
  suspendQueue(recipientId: Uint8Array): Promise<void>;
  /** Deletes the queue and its messages. */
  deleteQueue(recipientId: Uint8Array): Promise<void>;
  /**
   * Appends a message unless the queue no longer exists, already holds
   * `quota` messages, or the message would take the store past its byte cap
   * or `origin` (the sending client's address) past its share of the store.
   */
  addMessage(recipientId: Uint8Array, message: StoredMessage, quota: number, origin: string): Promise<AddResult>;
  /** The oldest undelivered message. */
  firstMessage(recipientId: Uint8Array): Promise<StoredMessage | null>;
  /** Deletes the oldest message if it has this id; false otherwise. */
  ackMessage(recipientId: Uint8Array, msgId: Uint8Array): Promise<boolean>;
  /** Deletes messages accepted before `time`; returns how many. */
  deleteExpired(time: number): Promise<number>;
  stats(): Promise<StoreStats>;
  /** Resolves once every write made so far is durable; rejects if committing them failed. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
