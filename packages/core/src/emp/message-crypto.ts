/**
 * The relay's re-encryption of every delivered message for the queue's
 * recipient (docs/protocol/edge-messaging.md §Message encryption), so that
 * the bytes a sender sends and the bytes a recipient receives can't be matched.
 *
 *   queueSecret = HKDF-SHA256(ikm = X25519(dh), salt = "", info = "graphchat-emp queue", 32)
 *   MSG body    = XChaCha20-Poly1305(queueSecret, nonce = msgId, ad = "",
 *                                    timestamp:u64 flags:u8 body)
 *
 * The 24-byte random message id serves as the nonce: it is unique per message.
 */
import { ByteReader, ByteWriter, utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { CryptoError } from '../errors.js';

const QUEUE_SECRET_INFO = utf8('graphchat-emp queue');
const EMPTY = new Uint8Array(0);
/** flags bit 0: the SEND was signed with the queue's sender key. Other bits are reserved and ignored. */
const FLAG_AUTHORIZED = 1;

export interface QueueMessage {
  /** Relay time when the message was accepted, in milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** True when the sender signed it with the sender key (the queue was secured). */
  readonly authorized: boolean;
  readonly body: Uint8Array;
}

export function queueSecret(crypto: Crypto, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = crypto.x25519(secretKey, publicKey);
  const secret = crypto.hkdfSha256(shared, EMPTY, QUEUE_SECRET_INFO, 32);
  crypto.wipe(shared);
  return secret;
}

export function encryptQueueMessage(crypto: Crypto, secret: Uint8Array, msgId: Uint8Array, message: QueueMessage): Uint8Array {
  const plaintext = new ByteWriter(message.body.length + 9)
    .u64(message.timestamp)
    .u8(message.authorized ? FLAG_AUTHORIZED : 0)
    .bytes(message.body)
    .finish();
  return crypto.xchacha20Poly1305Encrypt(secret, msgId, EMPTY, plaintext);
}

/** Throws CryptoError DECRYPT when the body was not made with this queue's secret and message id. */
export function decryptQueueMessage(crypto: Crypto, secret: Uint8Array, msgId: Uint8Array, encryptedBody: Uint8Array): QueueMessage {
  const plaintext = crypto.xchacha20Poly1305Decrypt(secret, msgId, EMPTY, encryptedBody);
  if (plaintext === null) throw new CryptoError('DECRYPT', 'message failed authentication');
  const r = new ByteReader(plaintext);
  return { timestamp: r.u64(), authorized: (r.u8() & FLAG_AUTHORIZED) !== 0, body: r.rest() };
}
