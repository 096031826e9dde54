// A stranger flooding a public relay (issue 12, part 3), and an honest pair
// measured while it does. All over loopback; each side may pick its source
// address in 127/8, to stand for clients behind different addresses.
import {
  ackMessage,
  createQueue,
  decodeBlock,
  decodeResponse,
  decodeTransmission,
  type EmpSession,
  encodeBlock,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  fromUtf8,
  openMessage,
  parseRelayAddress,
  type RelayClient,
  relayUrl,
  type Response,
  signatureInput,
  startClientHandshake,
  subscribeQueue,
  utf8,
} from '@graphchat/core';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { connect, crypto, httpBase, httpRequest, HttpSession } from './harness.js';

const EMPTY = new Uint8Array(0);
const NEW_PER_BLOCK = 50;
/** Under MAX_MESSAGE_BODY: what an attacker sends to fill the disk. */
const FLOOD_BODY = 15_000;

/** Response tally: `IDS`, `OK`, `ERR RATE`, ... */
export type Tally = Map<string, number>;

export function addTally(into: Tally, from: Tally): void {
  for (const [key, n] of from) into.set(key, (into.get(key) ?? 0) + n);
}

/**
 * One flooding WebSocket: keeps `window` blocks in flight, alternating a
 * block of 50 NEW with a SEND of 15,000 bytes into one of the queues it got.
 */
export class FloodSocket {
  readonly tally: Tally = new Map();
  closeCode: number | null = null;
  private readonly senderIds: Uint8Array[] = [];
  /** Responses still expected for each block in flight, oldest first. */
  private readonly awaiting: number[] = [];
  private readonly newBlock: Uint8Array;
  private readonly body = new Uint8Array(FLOOD_BODY);
  private stopAt = 0;
  private turn = 0;
  private done: (() => void) | null = null;

  private constructor(
    private readonly ws: WebSocket,
    private readonly session: EmpSession,
    private readonly window: number,
  ) {
    // The same signed NEW, repeated: each one makes a new queue, and a refused one costs the flooder nothing.
    const key = crypto.ed25519KeyPair();
    const signed = encodeSigned(EMPTY, EMPTY, encodeCommand({ type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: crypto.x25519KeyPair().publicKey, password: '' }));
    const transmission = encodeTransmission(crypto.ed25519Sign(key.secretKey, signatureInput(session.id, signed)), signed);
    this.newBlock = encodeBlock(new Array<Uint8Array>(NEW_PER_BLOCK).fill(transmission));
    ws.on('message', (data: Buffer) => this.received(new Uint8Array(data)));
    ws.on('close', (code) => {
      this.closeCode = code;
      this.done?.();
    });
  }

  /** Resolves with the socket, or null when the relay refuses the connection. */
  static async open(address: string, window: number, localAddress: string): Promise<FloodSocket | null> {
    const relay = parseRelayAddress(address);
    const ws = new WebSocket(relayUrl(relay), { localAddress });
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('error', () => resolve(false));
    });
    if (!opened) return null;
    const handshake = startClientHandshake(crypto);
    ws.send(handshake.message1);
    const reply = await new Promise<Buffer>((resolve) => ws.once('message', resolve));
    return new FloodSocket(ws, handshake.complete(new Uint8Array(reply), relay.fingerprint), window);
  }

  /** Floods until `untilMs` (Date.now()), then waits for the blocks in flight and closes. */
  run(untilMs: number): Promise<void> {
    this.stopAt = untilMs;
    return new Promise((resolve) => {
      this.done = () => {
        this.done = null;
        resolve();
      };
      for (let i = 0; i < this.window; i++) this.sendNext();
    });
  }

  private sendNext(): void {
    if (this.closeCode !== null || this.ws.readyState !== this.ws.OPEN) return;
    if (Date.now() >= this.stopAt) {
      if (this.awaiting.length === 0) this.ws.close();
      return;
    }
    const sendTurn = this.turn++ % 2 === 1 && this.senderIds.length > 0;
    if (sendTurn) {
      const senderId = this.senderIds[Math.floor(Math.random() * this.senderIds.length)]!;
      this.ws.send(this.session.seal(encodeBlock([encodeTransmission(EMPTY, encodeSigned(EMPTY, senderId, encodeCommand({ type: 'SEND', body: this.body })))])));
      this.awaiting.push(1);
    } else {
      this.ws.send(this.session.seal(this.newBlock));
      this.awaiting.push(NEW_PER_BLOCK);
    }
  }

  private received(frame: Uint8Array): void {
    for (const bytes of decodeBlock(this.session.open(frame))) {
      const response = decodeResponse(decodeTransmission(bytes).message);
      const key = response.type === 'ERR' ? `ERR ${response.code}` : response.type;
      this.tally.set(key, (this.tally.get(key) ?? 0) + 1);
      if (response.type === 'IDS') this.senderIds.push(response.senderId);
      if (this.awaiting.length > 0 && --this.awaiting[0]! === 0) {
        this.awaiting.shift();
        this.sendNext();
      }
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

export interface FloodResult {
  readonly opened: number;
  readonly refused: number;
  readonly tally: Tally;
  readonly closeCodes: number[];
}

/** Where floods come from, unless a caller says otherwise. */
export const FLOOD_ADDRESS = '127.0.0.1';

/** `sockets` flooding sockets for `seconds`, from `localAddress`. */
export async function flood(address: string, sockets: number, seconds: number, window = 4, localAddress = FLOOD_ADDRESS): Promise<FloodResult> {
  const opened = (await Promise.all(Array.from({ length: sockets }, () => FloodSocket.open(address, window, localAddress)))).filter(
    (s): s is FloodSocket => s !== null,
  );
  const until = Date.now() + seconds * 1000;
  await Promise.all(opened.map((s) => Promise.race([s.run(until), new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 10_000))])));
  const tally: Tally = new Map();
  for (const s of opened) {
    addTally(tally, s.tally);
    s.close();
  }
  return { opened: opened.length, refused: sockets - opened.length, tally, closeCodes: opened.map((s) => s.closeCode ?? 0) };
}

/** `flood` in a worker thread (a core of its own, when there is one). */
export function floodInWorker(address: string, sockets: number, seconds: number, window = 4, localAddress = FLOOD_ADDRESS): Promise<FloodResult> {
  const worker = new Worker(new URL('./flood-worker.js', import.meta.url), { workerData: { address, sockets, seconds, window, localAddress } });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: Omit<FloodResult, 'tally'> & { tally: [string, number][] }) => {
      resolve({ ...result, tally: new Map(result.tally) });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * Replays one captured message 1 with `concurrency` requests in flight for
 * `seconds`; tallies the HTTP statuses. With `forwardedFor`, the requests
 * name these client addresses in turn in X-Forwarded-For (for a relay that
 * trusts its proxy): replays from several addresses.
 */
export async function replayHandshake(address: string, seconds: number, concurrency = 16, forwardedFor: readonly string[] = []): Promise<Tally> {
  const message1 = startClientHandshake(crypto).message1;
  const url = `${httpBase(address)}v1/session`;
  const until = Date.now() + seconds * 1000;
  const tally: Tally = new Map();
  let sent = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const from = forwardedFor.length === 0 ? {} : { 'x-forwarded-for': forwardedFor[sent++ % forwardedFor.length]! };
      const status = String((await httpRequest(url, { method: 'POST', body: new Uint8Array(message1), headers: from })).status);
      tally.set(status, (tally.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}

/** Where honest clients come from: another address than the flood's, as they would be. */
export const HONEST_ADDRESS = '127.0.0.2';

export interface HonestResult {
  readonly sent: number;
  readonly accepted: number;
  readonly delivered: number;
  /** SEND issued -> MSG decrypted by the recipient, ms, sorted. */
  readonly latencies: number[];
  readonly errors: string[];
}

/**
 * An honest pair on WebSockets from `localAddress`: the recipient subscribes and acknowledges,
 * the sender sends one message every `intervalMs` until `stop` resolves, then
 * waits up to `drainMs` for the rest to arrive.
 */
export async function honestPair(address: string, stop: Promise<unknown>, intervalMs = 20, drainMs = 5000, localAddress = HONEST_ADDRESS): Promise<HonestResult> {
  const recipient = await connect(address, localAddress);
  const sender = await connect(address, localAddress);
  const errors: string[] = [];
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const seen = new Set<string>();
  try {
    const queue = await createQueue(recipient, crypto);
    recipient.onPush = (push) => {
      if (push.response.type !== 'MSG') return;
      const text = fromUtf8(openMessage(crypto, queue, push.response.msgId, push.response.encryptedBody).body);
      const at = sentAt.get(text);
      if (at !== undefined && !seen.has(text)) {
        seen.add(text);
        latencies.push(performance.now() - at);
      }
      ackMessage(recipient, queue, push.response.msgId).catch((error: unknown) => errors.push(`ACK: ${String(error)}`));
    };
    await subscribeQueue(recipient, queue);
    let stopped = false;
    void stop.then(() => (stopped = true));
    let sent = 0;
    let accepted = 0;
    const sends: Promise<void>[] = [];
    while (!stopped) {
      const text = `honest ${sent++}`;
      sentAt.set(text, performance.now());
      sends.push(
        sender.command(queue.senderId, { type: 'SEND', body: utf8(text) }, null).then(
          (response: Response) => (response.type === 'OK' ? void accepted++ : void errors.push(`SEND ${text}: ${JSON.stringify(response)}`)),
          (error: unknown) => void errors.push(`SEND ${text}: ${String(error)}`),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    await Promise.all(sends);
    const deadline = Date.now() + drainMs;
    while (seen.size < accepted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return { sent, accepted, delivered: seen.size, latencies: latencies.sort((a, b) => a - b), errors };
  } finally {
    recipient.close();
    sender.close();
  }
}

/** An honest HTTP client: a new session every `intervalMs` until `stop`, each used for one PING. */
export async function honestHttp(address: string, stop: Promise<unknown>, intervalMs = 200): Promise<{ attempts: number; ok: number; errors: string[] }> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  let attempts = 0;
  let ok = 0;
  const errors: string[] = [];
  while (!stopped) {
    attempts++;
    try {
      const session = await HttpSession.open(address);
      const response = await session.command(EMPTY, { type: 'PING' }, null);
      if (response.type === 'PONG') ok++;
      else errors.push(JSON.stringify(response));
    } catch (error) {
      errors.push(String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return { attempts, ok, errors };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export type { RelayClient };
