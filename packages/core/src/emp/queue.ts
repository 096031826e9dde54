/**
 * The recipient's and sender's side of one simplex queue over a RelayClient:
 * create it, secure it, send, subscribe, receive, acknowledge
 * (docs/protocol/edge-messaging.md §Queue lifecycle).
 */
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { CodedError } from '../errors.js';
import type { RelayClient } from './client.js';
import type { Response } from './commands.js';
import type { ErrorCode } from './error-codes.js';
import { decryptQueueMessage, queueSecret, type QueueMessage } from './message-crypto.js';

export interface RecipientQueue {
  readonly recipientId: Uint8Array;
  readonly senderId: Uint8Array;
  /** Ed25519 key pair that signs the recipient's commands. */
  readonly recipientKey: KeyPair;
  /** Secret shared with the relay; decrypts delivered messages. */
  readonly secret: Uint8Array;
}

/** The relay's ERR code, or UNEXPECTED_RESPONSE for an answer of the wrong type (which a correct relay never sends). */
export type QueueErrorCode = ErrorCode | 'UNEXPECTED_RESPONSE';

/** The relay refused a queue command, or answered it with the wrong response; `response` is the answer as received. */
export class QueueError extends CodedError<QueueErrorCode> {
  override readonly name = 'QueueError';
  constructor(readonly response: Response) {
    super(
      response.type === 'ERR' ? response.code : 'UNEXPECTED_RESPONSE',
      response.type === 'ERR' ? `relay answered ERR ${response.code}` : `unexpected response ${response.type}`,
    );
  }
}

function expectOk(response: Response): void {
  if (response.type !== 'OK') throw new QueueError(response);
}

export async function createQueue(client: RelayClient, crypto: Crypto, password = ''): Promise<RecipientQueue> {
  const recipientKey = crypto.ed25519KeyPair();
  const dh = crypto.x25519KeyPair();
  const response = await client.command(
    new Uint8Array(0),
    { type: 'NEW', recipientAuthKey: recipientKey.publicKey, recipientDhKey: dh.publicKey, password },
    recipientKey.secretKey,
  );
  if (response.type !== 'IDS') throw new QueueError(response);
  const secret = queueSecret(crypto, dh.secretKey, response.serverDhKey);
  crypto.wipe(dh.secretKey);
  return { recipientId: response.recipientId, senderId: response.senderId, recipientKey, secret };
}

export async function secureQueue(client: RelayClient, queue: RecipientQueue, senderPublicKey: Uint8Array): Promise<void> {
  expectOk(await client.command(queue.recipientId, { type: 'KEY', senderAuthKey: senderPublicKey }, queue.recipientKey.secretKey));
}

export async function subscribeQueue(client: RelayClient, queue: RecipientQueue): Promise<void> {
  expectOk(await client.command(queue.recipientId, { type: 'SUB' }, queue.recipientKey.secretKey));
}

/**
 * Acknowledges a delivered message. Unsigned by default: the relay accepts that
 * from the session that subscribed to or polled the queue; pass `signed` to
 * acknowledge from another session.
 */
export async function ackMessage(client: RelayClient, queue: RecipientQueue, msgId: Uint8Array, signed = false): Promise<void> {
  expectOk(await client.command(queue.recipientId, { type: 'ACK', msgId }, signed ? queue.recipientKey.secretKey : null));
}

/** Sends to a queue; `senderKey` is null for the unsigned confirmation to a queue not yet secured. */
export async function sendMessage(client: RelayClient, senderId: Uint8Array, senderKey: KeyPair | null, body: Uint8Array): Promise<void> {
  expectOk(await client.command(senderId, { type: 'SEND', body }, senderKey?.secretKey ?? null));
}

export function openMessage(crypto: Crypto, queue: RecipientQueue, msgId: Uint8Array, encryptedBody: Uint8Array): QueueMessage {
  return decryptQueueMessage(crypto, queue.secret, msgId, encryptedBody);
}
