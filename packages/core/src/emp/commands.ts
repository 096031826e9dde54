/**
 * Commands (client → relay) and responses (relay → client) of the
 * edge-messaging protocol, and the transmission that carries each one
 * (docs/protocol/edge-messaging.md §Transmissions, §Commands).
 *
 *   transmission = sigLen:u8 signature signed
 *   signed       = corrId:short entityId:short tag:short fields
 *
 * A signature, when present, is Ed25519 over `sessionId || signed`, so it is
 * valid only in the transport session it was made for.
 */
import { ByteReader, ByteWriter, concatBytes, fromUtf8, utf8 } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { isErrorCode, type ErrorCode } from './error-codes.js';
import { ID_LENGTH, KEY_LENGTH, MAX_CORRELATION_ID_LENGTH, MAX_MESSAGE_BODY, SIGNATURE_LENGTH } from './limits.js';

export type Command =
  | { type: 'NEW'; recipientAuthKey: Uint8Array; recipientDhKey: Uint8Array; password: string }
  | { type: 'SUB' }
  | { type: 'KEY'; senderAuthKey: Uint8Array }
  | { type: 'SEND'; body: Uint8Array }
  | { type: 'ACK'; msgId: Uint8Array }
  | { type: 'GET' }
  | { type: 'OFF' }
  | { type: 'DEL' }
  | { type: 'PING' }
  /** Version 2 (§7.8): ask a relay to reach `relay` (an address without password) for forwarding. */
  | { type: 'PRXY'; relay: string }
  /** Version 2: a sealed transmission for the relay a PRXY reached; entity id = the proxy id (PKEY). */
  | { type: 'PFWD'; ephemeralKey: Uint8Array; sealed: Uint8Array }
  /** Version 2, forwarding relay to destination relay: the same sealed transmission. */
  | { type: 'RFWD'; ephemeralKey: Uint8Array; sealed: Uint8Array };

export type Response =
  | { type: 'IDS'; recipientId: Uint8Array; senderId: Uint8Array; serverDhKey: Uint8Array }
  | { type: 'OK' }
  | { type: 'MSG'; msgId: Uint8Array; encryptedBody: Uint8Array }
  | { type: 'END' }
  | { type: 'PONG' }
  | { type: 'ERR'; code: ErrorCode }
  /** Answers PRXY: the forwarding relay's session id with the destination, and the destination's static key. */
  | { type: 'PKEY'; sessionId: Uint8Array; relayKey: Uint8Array }
  /** Answers RFWD: the destination's sealed answer to the forwarded transmission. */
  | { type: 'RRES'; sealedResponse: Uint8Array }
  /** Answers PFWD: the sealed answer, passed on unchanged. */
  | { type: 'PRES'; sealedResponse: Uint8Array };

export interface Transmission {
  /** Empty, or a 64-byte Ed25519 signature over `sessionId || signed`. */
  readonly signature: Uint8Array;
  /** The bytes the signature covers (without the session id). */
  readonly signed: Uint8Array;
  readonly corrId: Uint8Array;
  readonly entityId: Uint8Array;
  /** The encoded command or response, decoded separately so a bad one can still be answered by corrId. */
  readonly message: Uint8Array;
}

const ascii = (tag: string): Uint8Array => utf8(tag);

export function encodeCommand(command: Command): Uint8Array {
  const w = new ByteWriter(64).shortBytes(ascii(command.type));
  switch (command.type) {
    case 'NEW':
      return w.bytes(fixed(command.recipientAuthKey, KEY_LENGTH)).bytes(fixed(command.recipientDhKey, KEY_LENGTH)).shortBytes(utf8(command.password)).finish();
    case 'KEY':
      return w.bytes(fixed(command.senderAuthKey, KEY_LENGTH)).finish();
    case 'SEND':
      if (command.body.length > MAX_MESSAGE_BODY) throw new RangeError(`message body over ${MAX_MESSAGE_BODY} bytes`);
      return w.longBytes(command.body).finish();
    case 'ACK':
      return w.shortBytes(fixed(command.msgId, ID_LENGTH)).finish();
    case 'PRXY':
      return w.shortBytes(utf8(command.relay)).finish();
    case 'PFWD':
    case 'RFWD':
      return w.bytes(fixed(command.ephemeralKey, KEY_LENGTH)).longBytes(command.sealed).finish();
    case 'SUB':
    case 'GET':
    case 'OFF':
    case 'DEL':
    case 'PING':
      return w.finish();
  }
}

/**
 * Decodes a command. SEND bodies are decoded up to the u16 limit so the relay
 * can answer LARGE_MSG (not SYNTAX) for an oversize one.
 */
export function decodeCommand(bytes: Uint8Array): Command {
  const r = new ByteReader(bytes);
  const tag = fromUtf8(r.shortBytes());
  let command: Command;
  switch (tag) {
    case 'NEW':
      command = { type: 'NEW', recipientAuthKey: r.bytes(KEY_LENGTH), recipientDhKey: r.bytes(KEY_LENGTH), password: fromUtf8(r.shortBytes()) };
      break;
    case 'KEY':
      command = { type: 'KEY', senderAuthKey: r.bytes(KEY_LENGTH) };
      break;
    case 'SEND':
      command = { type: 'SEND', body: r.longBytes() };
      break;
    case 'ACK':
      command = { type: 'ACK', msgId: exactId(r.shortBytes()) };
      break;
    case 'PRXY':
      command = { type: 'PRXY', relay: fromUtf8(r.shortBytes()) };
      break;
    case 'PFWD':
    case 'RFWD':
      command = { type: tag, ephemeralKey: r.bytes(KEY_LENGTH), sealed: r.longBytes() };
      break;
    case 'SUB':
    case 'GET':
    case 'OFF':
    case 'DEL':
    case 'PING':
      command = { type: tag };
      break;
    default:
      throw new DecodeError('INVALID', `unknown command tag ${JSON.stringify(tag)}`);
  }
  r.end();
  return command;
}

export function encodeResponse(response: Response): Uint8Array {
  const w = new ByteWriter(64).shortBytes(ascii(response.type));
  switch (response.type) {
    case 'IDS':
      return w.shortBytes(fixed(response.recipientId, ID_LENGTH)).shortBytes(fixed(response.senderId, ID_LENGTH)).bytes(fixed(response.serverDhKey, KEY_LENGTH)).finish();
    case 'MSG':
      return w.shortBytes(fixed(response.msgId, ID_LENGTH)).longBytes(response.encryptedBody).finish();
    case 'ERR':
      return w.shortBytes(ascii(response.code)).finish();
    case 'PKEY':
      return w.bytes(fixed(response.sessionId, KEY_LENGTH)).bytes(fixed(response.relayKey, KEY_LENGTH)).finish();
    case 'RRES':
    case 'PRES':
      return w.longBytes(response.sealedResponse).finish();
    case 'OK':
    case 'END':
    case 'PONG':
      return w.finish();
  }
}

export function decodeResponse(bytes: Uint8Array): Response {
  const r = new ByteReader(bytes);
  const tag = fromUtf8(r.shortBytes());
  let response: Response;
  switch (tag) {
    case 'IDS':
      response = { type: 'IDS', recipientId: exactId(r.shortBytes()), senderId: exactId(r.shortBytes()), serverDhKey: r.bytes(KEY_LENGTH) };
      break;
    case 'MSG':
      response = { type: 'MSG', msgId: exactId(r.shortBytes()), encryptedBody: r.longBytes() };
      break;
    case 'ERR': {
      const code = fromUtf8(r.shortBytes());
      if (!isErrorCode(code)) throw new DecodeError('INVALID', `unknown error code ${JSON.stringify(code)}`);
      response = { type: 'ERR', code };
      break;
    }
    case 'PKEY':
      response = { type: 'PKEY', sessionId: r.bytes(KEY_LENGTH), relayKey: r.bytes(KEY_LENGTH) };
      break;
    case 'RRES':
    case 'PRES':
      response = { type: tag, sealedResponse: r.longBytes() };
      break;
    case 'OK':
    case 'END':
    case 'PONG':
      response = { type: tag };
      break;
    default:
      throw new DecodeError('INVALID', `unknown response tag ${JSON.stringify(tag)}`);
  }
  r.end();
  return response;
}

/** The part of a transmission a signature covers. */
export function encodeSigned(corrId: Uint8Array, entityId: Uint8Array, message: Uint8Array): Uint8Array {
  if (corrId.length > MAX_CORRELATION_ID_LENGTH) throw new RangeError('correlation id too long');
  if (entityId.length !== 0 && entityId.length !== ID_LENGTH) throw new RangeError('entity id must be empty or 24 bytes');
  return new ByteWriter(message.length + 64).shortBytes(corrId).shortBytes(entityId).bytes(message).finish();
}

/** What is signed: the session id (Noise handshake hash) followed by the signed part. */
export function signatureInput(sessionId: Uint8Array, signed: Uint8Array): Uint8Array {
  return concatBytes(sessionId, signed);
}

export function encodeTransmission(signature: Uint8Array, signed: Uint8Array): Uint8Array {
  if (signature.length !== 0 && signature.length !== SIGNATURE_LENGTH) throw new RangeError('signature must be empty or 64 bytes');
  return new ByteWriter(signed.length + 65).shortBytes(signature).bytes(signed).finish();
}

export function decodeTransmission(bytes: Uint8Array): Transmission {
  const r = new ByteReader(bytes);
  const signature = r.shortBytes();
  if (signature.length !== 0 && signature.length !== SIGNATURE_LENGTH) throw new DecodeError('INVALID', 'signature must be empty or 64 bytes');
  const signedStart = r.offset;
  const corrId = r.shortBytes();
  if (corrId.length > MAX_CORRELATION_ID_LENGTH) throw new DecodeError('INVALID', 'correlation id too long');
  const entityId = r.shortBytes();
  if (entityId.length !== 0 && entityId.length !== ID_LENGTH) throw new DecodeError('INVALID', 'entity id must be empty or 24 bytes');
  const message = r.rest();
  return { signature, signed: bytes.slice(signedStart), corrId, entityId, message };
}

function fixed(value: Uint8Array, length: number): Uint8Array {
  if (value.length !== length) throw new RangeError(`expected ${length} bytes, got ${value.length}`);
  return value;
}

function exactId(id: Uint8Array): Uint8Array {
  if (id.length !== ID_LENGTH) throw new DecodeError('INVALID', `id must be ${ID_LENGTH} bytes`);
  return id;
}
