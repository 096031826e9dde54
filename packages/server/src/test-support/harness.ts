// Real relays for tests: in-process on port 0, or as a child process that a
// test can kill -9; real WebSocket clients on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  ByteWriter,
  type Command,
  type CommandRequest,
  decodeBlock,
  decodeResponse,
  decodeTransmission,
  type EmpSession,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  fromUtf8,
  limits,
  packBlocks,
  parseRelayAddress,
  type Push,
  queueSecret,
  type RecipientQueue,
  RelayClient,
  relayUrl,
  type Response,
  signatureInput,
  startClientHandshake,
  toBase64url,
  toHex,
  type WebSocketLike,
} from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { WebSocket } from 'ws';
import { DEFAULT_CONFIG, type RelayConfig } from '../config.js';
import { startRelay, type RelayHooks, type RunningRelay } from '../server.js';

export const crypto = sodiumCrypto;

const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'graphchat-relay-test-'));
  dirs.push(dir);
  return dir;
}
process.on('exit', () => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

export function startTestRelay(overrides: Partial<RelayConfig> = {}, hooks: RelayHooks = {}): Promise<RunningRelay> {
  // Test relays all run on loopback, so they forward to one another's private addresses.
  return startRelay({ ...DEFAULT_CONFIG, port: 0, bind: '127.0.0.1', host: '127.0.0.1', dataDir: tempDir(), logLevel: 'error', allowPrivateDestinations: true, ...overrides }, hooks);
}

export const webSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;

/**
 * A client on a new WebSocket. `localAddress` picks the source address (any of
 * 127/8 reaches a relay on 127.0.0.1 under Linux), so that a test can stand
 * for clients behind different addresses.
 */
export function connect(address: string, localAddress?: string): Promise<RelayClient> {
  const socket = localAddress === undefined ? webSocket : (url: string) => new WebSocket(url, { localAddress }) as unknown as WebSocketLike;
  return RelayClient.connect(address, { crypto, webSocket: socket, timeoutMs: 5000 });
}

/** Collects pushes so a test can await the next one. */
export class PushInbox {
  private readonly queue: Push[] = [];
  private waiters: ((push: Push) => void)[] = [];

  constructor(client: RelayClient) {
    client.onPush = (push) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(push);
      else this.queue.push(push);
    };
  }

  next(timeoutMs = 3000): Promise<Push> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('no push within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      const waiter = (push: Push) => {
        clearTimeout(timer);
        resolve(push);
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves true if nothing arrives within `ms`. */
  async quiet(ms = 300): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }
}

const children = new Set<ChildProcess>();
/** For an `after` hook: a failed test must not leave relays running (they would keep the test process alive). */
export function killSpawnedRelays(): void {
  for (const child of children) child.kill('SIGKILL');
}

const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly address: string;
}

/** Starts `graphchat-server` as a child process and resolves with the address it prints. */
export function spawnRelay(dataDir: string, args: string[] = []): Promise<RelayProcess> {
  // Test relays all run on loopback, so they forward to one another's private addresses.
  const child = spawn(process.execPath, [BIN, '--port', '0', '--bind', '127.0.0.1', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'error', '--allow-private-destinations', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (address) => resolve({ child, address }));
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.once('exit', (code) => reject(new Error(`relay exited with ${code} before printing its address`)));
  });
}

/** A port is reused across restarts so the address stays the same; the port is in the address. */
export function portOf(address: string): number {
  return Number(/:(\d+)$/.exec(address)![1]);
}

export function killHard(relay: RelayProcess): Promise<void> {
  return new Promise((resolve) => {
    relay.child.once('exit', () => resolve());
    relay.child.kill('SIGKILL');
  });
}

/** A bare WebSocket session, below RelayClient, for tests that play a malicious client. */
export class RawSession {
  readonly received: Uint8Array[] = [];
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket, readonly session: EmpSession) {
    ws.on('message', (data: Buffer) => {
      this.received.push(session.open(new Uint8Array(data)));
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  static async open(address: string): Promise<RawSession> {
    const relay = parseRelayAddress(address);
    const ws = await openSocket(relayUrl(relay));
    const handshake = startClientHandshake(crypto);
    ws.send(handshake.message1);
    const reply = await new Promise<Buffer>((resolve) => ws.once('message', resolve));
    return new RawSession(ws, handshake.complete(new Uint8Array(reply), relay.fingerprint));
  }

  sendBlock(block: Uint8Array): void {
    this.ws.send(this.session.seal(block));
  }

  /** Resolves once `count` frames have arrived in total (or the socket closed). */
  async waitFor(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count && this.closeCode === null) {
      if (Date.now() > deadline) throw new Error(`waited for ${count} frames, have ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the close code the relay sends. */
export function closeCodeOf(ws: WebSocket, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket not closed')), timeoutMs);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

// ---------------------------------------------------------------------------
// The HTTP binding (docs/protocol/edge-messaging.md §11): a bare session over
// `fetch`, for tests of http-api.ts. Appended; imports kept with the helpers.

/** `http://host:port/` for a relay address (same origin as the WebSocket). */
export function httpBase(address: string): string {
  return relayUrl(parseRelayAddress(address)).replace(/^ws/, 'http');
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export async function httpRequest(url: string, init: RequestInit = {}): Promise<HttpReply> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

export function httpPost(url: string, body: Uint8Array): Promise<HttpReply> {
  return httpRequest(url, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
}

/** The JSON body of an HTTP reply (error bodies are `{"error":"<NAME>"}`). */
export function jsonOf(reply: HttpReply): unknown {
  return JSON.parse(fromUtf8(reply.body));
}

/** The responses in opened blocks, with their correlation ids (hex). */
export function responsesIn(blocks: readonly Uint8Array[]): { corrId: string; response: Response }[] {
  return blocks.flatMap((plaintext) =>
    decodeBlock(plaintext).map((bytes) => {
      const t = decodeTransmission(bytes);
      return { corrId: toHex(t.corrId), response: decodeResponse(t.message) };
    }),
  );
}

/** A session over `POST /v1/session` and `POST /v1/session/<token>`. */
export class HttpSession {
  /** The last frame posted by `exchange`, as sent: tests replay it. */
  lastFrame: Uint8Array | null = null;
  private nextCorrId = 1;

  private constructor(
    readonly base: string,
    readonly token: Uint8Array,
    readonly session: EmpSession,
  ) {}

  /** Handshakes; `fingerprint` overrides the one in the address (to test that it is checked). */
  static async open(address: string, fingerprint?: Uint8Array): Promise<HttpSession> {
    const relay = parseRelayAddress(address);
    const base = httpBase(address);
    const handshake = startClientHandshake(crypto);
    const reply = await httpPost(`${base}v1/session`, handshake.message1);
    if (reply.status !== 200) throw new Error(`handshake: HTTP ${reply.status} ${fromUtf8(reply.body)}`);
    const session = handshake.complete(reply.body.subarray(16), fingerprint ?? relay.fingerprint);
    return new HttpSession(base, reply.body.slice(0, 16), session);
  }

  get url(): string {
    return `${this.base}v1/session/${toBase64url(this.token)}`;
  }

  /** Posts a body as is. */
  post(body: Uint8Array): Promise<HttpReply> {
    return httpPost(this.url, body);
  }

  /** Seals one block, posts it and returns the opened blocks of the answer; throws on anything but 200. */
  async exchange(block: Uint8Array): Promise<Uint8Array[]> {
    const frame = this.session.seal(block);
    this.lastFrame = frame;
    const reply = await this.post(frame);
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status} ${fromUtf8(reply.body)}`);
    return this.openAnswer(reply.body);
  }

  /** The opened blocks of an answer's frames; throws unless it is whole frames. */
  openAnswer(body: Uint8Array): Uint8Array[] {
    if (body.length === 0 || body.length % limits.BLOCK_SIZE !== 0) throw new Error(`answer of ${body.length} bytes is not whole frames`);
    const blocks: Uint8Array[] = [];
    for (let offset = 0; offset < body.length; offset += limits.BLOCK_SIZE) {
      blocks.push(this.session.open(body.subarray(offset, offset + limits.BLOCK_SIZE)));
    }
    return blocks;
  }

  /** A command as a transmission with a fresh correlation id, signed over this session's id when it has a key. */
  private transmission(request: CommandRequest): { corrId: string; bytes: Uint8Array } {
    const corrId = new ByteWriter(4).u32(this.nextCorrId++).finish();
    const signed = encodeSigned(corrId, request.entityId, encodeCommand(request.command));
    const signature = request.signingKey ? crypto.ed25519Sign(request.signingKey, signatureInput(this.session.id, signed)) : new Uint8Array(0);
    return { corrId: toHex(corrId), bytes: encodeTransmission(signature, signed) };
  }

  /** One command sealed into a frame and not posted, for a test that posts it itself (piece by piece, say). */
  sealCommand(request: CommandRequest): Uint8Array {
    return this.session.seal(packBlocks([this.transmission(request).bytes])[0]!);
  }

  /** Sends commands (packed into as few blocks as they fit, one request per block) and returns their responses in order. */
  async commands(requests: readonly CommandRequest[]): Promise<Response[]> {
    const transmissions = requests.map((request) => this.transmission(request));
    const answers = new Map<string, Response>();
    for (const block of packBlocks(transmissions.map((t) => t.bytes))) {
      for (const response of responsesIn(await this.exchange(block))) answers.set(response.corrId, response.response);
    }
    return transmissions.map(({ corrId }) => {
      const response = answers.get(corrId);
      if (response === undefined) throw new Error(`no response for corrId ${corrId}`);
      return response;
    });
  }

  async command(entityId: Uint8Array, command: Command, signingKey: Uint8Array | null): Promise<Response> {
    const [response] = await this.commands([{ entityId, command, signingKey }]);
    return response!;
  }
}

/** `createQueue` of @graphchat/client, over an HTTP session. */
export async function createHttpQueue(http: HttpSession, password = ''): Promise<RecipientQueue> {
  const recipientKey = crypto.ed25519KeyPair();
  const dh = crypto.x25519KeyPair();
  const response = await http.command(
    new Uint8Array(0),
    { type: 'NEW', recipientAuthKey: recipientKey.publicKey, recipientDhKey: dh.publicKey, password },
    recipientKey.secretKey,
  );
  if (response.type !== 'IDS') throw new Error(`NEW answered ${JSON.stringify(response)}`);
  return { recipientId: response.recipientId, senderId: response.senderId, recipientKey, secret: queueSecret(crypto, dh.secretKey, response.serverDhKey) };
}
