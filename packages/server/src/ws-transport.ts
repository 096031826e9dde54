/**
 * One WebSocket connection: Noise NX handshake, then one encrypted block per
 * binary frame in each direction (docs/protocol/edge-messaging.md §WebSocket).
 * Misbehaviour closes the socket with a code from WS_CLOSE; it never throws.
 */
import { acceptClientHandshake, type EmpSession, type KeyPair, type Crypto } from '@graphchat/core';
import type { RawData, WebSocket } from 'ws';
import type { AddressTurns } from './address-turns.js';
import { answerBlock, sealTransmissions } from './block-io.js';
import type { Logger } from './log.js';
import type { Relay, RelayConnection } from './relay.js';

export const WS_CLOSE = {
  /** A text frame. */
  BAD_FRAME: 4000,
  /** A frame of the wrong size or one that failed authentication: the session can't continue. */
  DECRYPT: 4001,
  /** No common protocol version (the relay's handshake reply says which it speaks). */
  VERSION: 4002,
  /** Malformed handshake, or none within the timeout. */
  HANDSHAKE: 4003,
  /** More blocks in flight than the relay allows per connection. */
  TOO_MANY_PENDING: 4004,
  /** The client does not read its responses fast enough. */
  SLOW_CONSUMER: 4005,
} as const;

export interface WsTransportOptions {
  readonly crypto: Crypto;
  readonly staticKey: KeyPair;
  readonly relay: Relay;
  /** Shared by every connection: how many blocks of one address run at once. */
  readonly turns: AddressTurns;
  readonly log: Logger;
  readonly handshakeTimeoutMs: number;
  readonly maxPendingBlocks: number;
  readonly maxBufferedBytes: number;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** `address` is the client's (admission.ts clientAddress). */
export function serveWebSocket(ws: WebSocket, address: string, options: WsTransportOptions): void {
  let session: EmpSession | null = null;
  let connection: RelayConnection | null = null;
  let pending = 0;
  let chain: Promise<void> = Promise.resolve();
  let pushes: Uint8Array[] = [];

  let closing = false;
  const close = (code: number, reason: string) => {
    closing = true;
    options.log.debug(`ws: closing ${code} ${reason}`);
    ws.close(code, reason);
  };
  const handshakeTimer = setTimeout(() => close(WS_CLOSE.HANDSHAKE, 'handshake timeout'), options.handshakeTimeoutMs);

  // Pushed messages waiting to go out ride along with the next responses, or
  // leave at the end of this turn of the event loop: several share a block.
  const send = (responses: Uint8Array[]) => {
    const transmissions = pushes.length === 0 ? responses : responses.concat(pushes);
    pushes = [];
    if (session === null || ws.readyState !== ws.OPEN || transmissions.length === 0) return;
    for (const frame of sealTransmissions(session, transmissions)) ws.send(frame);
    if (ws.bufferedAmount > options.maxBufferedBytes) close(WS_CLOSE.SLOW_CONSUMER, 'slow consumer');
  };
  const push = (transmission: Uint8Array) => {
    if (pushes.length === 0) setImmediate(() => send([]));
    pushes.push(transmission);
  };

  const handshake = (frame: Uint8Array) => {
    clearTimeout(handshakeTimer);
    try {
      const result = acceptClientHandshake(options.crypto, options.staticKey, frame);
      ws.send(result.message2);
      if (result.session === null) return close(WS_CLOSE.VERSION, 'no common version');
      session = result.session;
      connection = options.relay.connect(session.id, push, true, address, session.version);
    } catch {
      close(WS_CLOSE.HANDSHAKE, 'bad handshake');
    }
  };

  ws.on('message', (data, isBinary) => {
    if (closing) return;
    if (!isBinary) return close(WS_CLOSE.BAD_FRAME, 'binary frames only');
    const frame = toBytes(data);
    if (session === null || connection === null) return handshake(frame);
    if (pending >= options.maxPendingBlocks) return close(WS_CLOSE.TOO_MANY_PENDING, 'too many pending blocks');
    let plaintext: Uint8Array;
    try {
      plaintext = session.open(frame);
    } catch {
      return close(WS_CLOSE.DECRYPT, 'frame failed authentication');
    }
    pending++;
    const current = connection;
    // Blocks are executed and answered strictly in the order they arrived (all but the answers that wait for another relay, below).
    chain = chain.then(async () => {
      try {
        // At most one block per connection in each turn of the event loop, so
        // that a pipelining client can't run ahead of the others: a block that
        // wrote waited for the turn's commit; one that did not (a PING, a
        // refused NEW) waits for the next turn here (EMP §5.3). The wait is
        // inside the address's slot, so that it counts against the address too.
        await options.turns.run(address, async () => {
          // Blocks still queued when the connection closes (also while waiting for the slot) are dropped, not executed.
          if (closing || ws.readyState !== ws.OPEN) return;
          const { ready, remote } = await answerBlock(current, plaintext);
          send(ready);
          // Answers waiting for another relay go out on their own when they come (matched by corrId):
          // a slow destination holds neither this address's turn nor the connection's next blocks.
          for (const answer of remote) void answer.then((transmission) => send([transmission]));
          if (!current.lastBlockWrote) await new Promise<void>((resolve) => setImmediate(resolve));
        });
      } catch (error) {
        options.log.error(`ws: ${String(error)}`);
        close(1011, 'internal error');
      } finally {
        pending--;
      }
    });
  });
  ws.on('close', () => {
    clearTimeout(handshakeTimer);
    connection?.close();
  });
  ws.on('error', (error) => options.log.debug(`ws: ${error.message}`));
}
