/**
 * A client's session with one relay over WebSocket: handshake (relay
 * authenticated by the fingerprint in its address), then commands matched
 * to responses by correlation id, and pushed MSG/END delivered to a handler.
 * Works with the browser's WebSocket and with the `ws` package in Node.
 */
import { putU32, toHex } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { CodedError, SessionError } from '../errors.js';
import { parseRelayAddress, relayUrl, type RelayAddress } from './address.js';
import { decodeBlock, packBlocks } from './block.js';
import { CLIENT_FORWARD_TIMEOUT_MS } from './limits.js';
import { decodeResponse, decodeTransmission, encodeCommand, encodeSigned, encodeTransmission, signatureInput, type Command, type Response } from './commands.js';
import { startClientHandshake, type EmpSession } from './session.js';

/** The part of the WebSocket API this client needs (browser WebSocket and `ws` both have it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface RelayClientOptions {
  readonly crypto: Crypto;
  readonly webSocket: WebSocketFactory;
  /** Handshake and per-command timeout. */
  readonly timeoutMs?: number;
}

/** A command to send: `signingKey` is the 64-byte Ed25519 secret key, or null for unsigned commands. */
export interface CommandRequest {
  readonly entityId: Uint8Array;
  readonly command: Command;
  readonly signingKey: Uint8Array | null;
}

/** Pushed by the relay: a message on a subscribed queue, or the end of a subscription. */
export type Push = { readonly recipientId: Uint8Array; readonly response: Extract<Response, { type: 'MSG' } | { type: 'END' }> };

export type RelayClientErrorCode = 'TIMEOUT' | 'CLOSED' | 'RESPONSE';

export class RelayClientError extends CodedError<RelayClientErrorCode> {
  override readonly name = 'RelayClientError';
}

const EMPTY = new Uint8Array(0);

function frameBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Uint8Array) return data;
  throw new SessionError('FRAME', 'unexpected frame type');
}

export class RelayClient {
  /** Called for each pushed MSG or END. */
  onPush: (push: Push) => void = () => {};
  /** Called once when the connection closes. */
  onClose: (code: number, reason: string) => void = () => {};
  private readonly pending = new Map<string, { resolve: (r: Response) => void; reject: (e: Error) => void; timer: unknown }>();
  private nextCorrId = 1;
  private outbox: Uint8Array[] = [];
  private closedWith: { code: number; reason: string } | null = null;

  private constructor(
    private readonly socket: WebSocketLike,
    readonly session: EmpSession,
    private readonly crypto: Crypto,
    private readonly timeoutMs: number,
  ) {
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.closed(event.code, event.reason);
    socket.onerror = () => {};
  }

  /** Connects and completes the handshake; rejects with SessionError IDENTITY when the relay's key does not match the address. */
  static connect(address: string | RelayAddress, options: RelayClientOptions): Promise<RelayClient> {
    const relay = typeof address === 'string' ? parseRelayAddress(address) : address;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const handshake = startClientHandshake(options.crypto);
    const socket = options.webSocket(relayUrl(relay));
    socket.binaryType = 'arraybuffer';
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.onclose = socket.onmessage = null;
        // Closing a socket still connecting makes `ws` emit 'error': without a listener that is an uncaught exception.
        socket.onerror = () => {};
        socket.close();
        reject(error);
      };
      const timer = setTimeout(() => fail(new RelayClientError('TIMEOUT', 'relay handshake timed out')), timeoutMs);
      socket.onopen = () => socket.send(handshake.message1);
      socket.onerror = () => fail(new RelayClientError('CLOSED', `cannot connect to ${relayUrl(relay)}`));
      socket.onclose = (event) => fail(new RelayClientError('CLOSED', `relay closed the connection (${event.code} ${event.reason})`));
      socket.onmessage = (event) => {
        clearTimeout(timer);
        try {
          resolve(new RelayClient(socket, handshake.complete(frameBytes(event.data), relay.fingerprint), options.crypto, timeoutMs));
        } catch (error) {
          fail(error as Error);
        }
      };
    });
  }

  get isOpen(): boolean {
    return this.closedWith === null;
  }

  /** Sends one command and resolves with its response (ERR included). */
  async command(entityId: Uint8Array, command: Command, signingKey: Uint8Array | null): Promise<Response> {
    const [response] = await this.commands([{ entityId, command, signingKey }]);
    return response!;
  }

  /** Sends commands together, packed into as few blocks as they fit, and resolves with their responses in order. */
  commands(requests: readonly CommandRequest[]): Promise<Response[]> {
    if (this.closedWith !== null) return Promise.reject(new RelayClientError('CLOSED', 'connection is closed'));
    // Encode everything first: a command that can't be encoded fails the call before anything is sent.
    const encoded = requests.map((request) => {
      const corrId = new Uint8Array(4);
      putU32(corrId, 0, this.nextCorrId++);
      const signed = encodeSigned(corrId, request.entityId, encodeCommand(request.command));
      const signature = request.signingKey ? this.crypto.ed25519Sign(request.signingKey, signatureInput(this.session.id, signed)) : EMPTY;
      return { corrId, transmission: encodeTransmission(signature, signed) };
    });
    const responses = encoded.map((e, i) => this.awaitResponse(toHex(e.corrId), timeoutFor(requests[i]!.command, this.timeoutMs)));
    // Commands issued in the same turn of the event loop share blocks.
    if (this.outbox.length === 0) void Promise.resolve().then(() => this.flush());
    for (const e of encoded) this.outbox.push(e.transmission);
    return Promise.all(responses);
  }

  private flush(): void {
    const transmissions = this.outbox;
    this.outbox = [];
    if (this.closedWith === null) this.sendTransmissions(transmissions);
  }

  /** Sends raw transmissions (already encoded and signed); used by tests that play a malicious client. */
  sendTransmissions(transmissions: readonly Uint8Array[]): void {
    for (const block of packBlocks(transmissions)) this.sendBlock(block);
  }

  /** Sends one raw block plaintext; used by tests that play a malicious client. */
  sendBlock(block: Uint8Array): void {
    this.socket.send(this.session.seal(block));
  }

  private awaitResponse(key: string, timeoutMs: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new RelayClientError('TIMEOUT', 'no response from relay'));
      }, timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
    });
  }

  /** Responses with no matching correlation id (e.g. ERR BLOCK); tests read these. */
  onUncorrelated: (response: Response) => void = () => {};

  private receive(data: unknown): void {
    let transmissions: Uint8Array[];
    try {
      transmissions = decodeBlock(this.session.open(frameBytes(data)));
    } catch {
      this.socket.close(4001, 'bad frame from relay');
      return;
    }
    for (const bytes of transmissions) {
      let t, response: Response;
      try {
        t = decodeTransmission(bytes);
        response = decodeResponse(t.message);
      } catch {
        continue; // A malformed response can't be matched to a command; its command times out.
      }
      if (t.corrId.length === 0) {
        if (response.type === 'MSG' || response.type === 'END') this.onPush({ recipientId: t.entityId, response });
        else this.onUncorrelated(response);
        continue;
      }
      const key = toHex(t.corrId);
      const waiter = this.pending.get(key);
      if (waiter === undefined) continue;
      this.pending.delete(key);
      clearTimeout(waiter.timer);
      waiter.resolve(response);
    }
  }

  private closed(code: number, reason: string): void {
    if (this.closedWith !== null) return;
    this.closedWith = { code, reason };
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new RelayClientError('CLOSED', `relay closed the connection (${code} ${reason})`));
    }
    this.pending.clear();
    this.onClose(code, reason);
  }

  close(): void {
    this.socket.close(1000, 'client closing');
    this.closed(1000, 'client closing');
  }
}

/**
 * PRXY and PFWD wait for another relay: the client waits longer than the
 * forwarding relay does, so that the relay's own answer (ERR PROXY) comes
 * first and a slow destination is not taken for a dead relay (EMP §7.7).
 */
function timeoutFor(command: Command, timeoutMs: number): number {
  return command.type === 'PRXY' || command.type === 'PFWD' ? Math.max(timeoutMs, CLIENT_FORWARD_TIMEOUT_MS) : timeoutMs;
}
