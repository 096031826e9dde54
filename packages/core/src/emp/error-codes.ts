/**
 * The closed set of error codes a relay answers with (ERR <code>). The same
 * names are documented in docs/protocol/edge-messaging.md §Errors, and a test
 * keeps the two in sync.
 */
export const ERROR_CODES = [
  /** The block could not be parsed; nothing in it was executed. */
  'BLOCK',
  /** A transmission or command could not be parsed, has an unknown tag, or carries an unusable key (a low-order DH key). */
  'SYNTAX',
  /** The command is not allowed here (SUB over HTTP, a signature on PING, an entity id where none belongs). */
  'PROHIBITED',
  /** Signature missing or invalid, no such queue, wrong password, or queue suspended. Deliberately one code. */
  'AUTH',
  /** The queue already has a sender key. */
  'DUPLICATE',
  /** The queue holds its maximum number of undelivered messages. */
  'QUOTA',
  /** SEND body over MAX_MESSAGE_BODY. */
  'LARGE_MSG',
  /** No message to deliver (GET), or ACK of a message that is not the queue's oldest. */
  'NO_MSG',
  /** The connection holds the most subscriptions, or has created the most queues, the relay allows. */
  'LIMIT',
  /** NEW faster than the relay allows from this session or this client address; retry later. */
  'RATE',
  /** The relay's store holds as many bytes as its operator allows: no NEW or SEND until messages are delivered or expire. */
  'FULL',
  /** A forwarding relay could not reach the destination relay, or no longer holds the session a PFWD names (§7.8). */
  'PROXY',
  /** The relay failed; the command may be retried. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}
