/**
 * The destination relay's side of private message routing (EMP §7.7 RFWD,
 * §7.8): opening a forwarded transmission sealed for this relay's static
 * key and this session, refusing one seen before in the session, executing
 * the SEND inside as if sent on this session, and sealing its answer.
 */
import {
  decodeCommand,
  DecodeError,
  decodeTransmission,
  encodeResponse,
  encodeSigned,
  encodeTransmission,
  openForward,
  sealForwardResponse,
  toHex,
  type Command,
  type Crypto,
  type KeyPair,
  type Response,
  type Transmission,
} from '@graphchat/core';

/**
 * Ephemeral keys one session remembers to refuse a replayed RFWD. Held as
 * 64-character hex strings in a Set: about 11 MB of heap when full
 * (measured with Node 20), not the 3.2 MB of the raw keys.
 */
export const MAX_FORWARDS_PER_SESSION = 100_000;

const EMPTY = new Uint8Array(0);

export interface ForwardedOptions {
  readonly crypto: Crypto;
  readonly staticKey: KeyPair;
  readonly sessionId: Uint8Array;
  /** Executes a SEND as if it came on this session (its signature is over this session's id). */
  readonly send: (t: Transmission, body: Uint8Array) => Promise<Response>;
  /** Ephemeral keys remembered; MAX_FORWARDS_PER_SESSION unless a test asks for fewer. */
  readonly maxForwards?: number;
}

/** One session's forwarded transmissions: the ephemeral keys seen, bounded. */
export class ForwardedReceiver {
  private readonly seen = new Set<string>();

  constructor(private readonly options: ForwardedOptions) {}

  async receive(t: Transmission, command: Extract<Command, { type: 'RFWD' }>): Promise<Response> {
    const { crypto, staticKey, sessionId } = this.options;
    if (t.entityId.length !== 0 || t.signature.length !== 0) return { type: 'ERR', code: 'PROHIBITED' };
    const key = toHex(command.ephemeralKey);
    if (this.seen.has(key)) return { type: 'ERR', code: 'AUTH' };
    if (this.seen.size >= (this.options.maxForwards ?? MAX_FORWARDS_PER_SESSION)) return { type: 'ERR', code: 'LIMIT' };
    const opened = openForward(crypto, staticKey, sessionId, command.ephemeralKey, command.sealed);
    if (opened === null) return { type: 'ERR', code: 'AUTH' };
    // Only seals that opened are remembered: the set holds forwards made for this relay and this session only.
    this.seen.add(key);
    const [corrId, entityId, response] = await this.execute(opened.transmission);
    const answer = encodeTransmission(EMPTY, encodeSigned(corrId, entityId, encodeResponse(response)));
    const sealedResponse = sealForwardResponse(crypto, opened.responseKey, answer);
    crypto.wipe(opened.responseKey);
    return { type: 'RRES', sealedResponse };
  }

  private async execute(bytes: Uint8Array): Promise<[Uint8Array, Uint8Array, Response]> {
    let t: Transmission;
    try {
      t = decodeTransmission(bytes);
    } catch {
      return [EMPTY, EMPTY, { type: 'ERR', code: 'SYNTAX' }];
    }
    let command: Command;
    try {
      command = decodeCommand(t.message);
    } catch (error) {
      if (error instanceof DecodeError) return [t.corrId, t.entityId, { type: 'ERR', code: 'SYNTAX' }];
      throw error;
    }
    // Only SEND may be forwarded: the recipient's commands come from the recipient's own sessions.
    if (command.type !== 'SEND' || t.entityId.length === 0) return [t.corrId, t.entityId, { type: 'ERR', code: 'PROHIBITED' }];
    return [t.corrId, t.entityId, await this.options.send(t, command.body)];
  }
}
