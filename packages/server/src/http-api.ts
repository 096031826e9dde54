/**
 * The HTTP side of the relay's single port (docs/protocol/edge-messaging.md §HTTP):
 * the same handshake and the same encrypted blocks as the WebSocket, one
 * request at a time, for clients that can't keep a socket open; plus
 * `GET /health`, `GET /relay.json` (the address, for the web client) and an
 * info page with the address and aggregate counters. With a web root, every
 * other path is a file of the web client, and the info page moves from `/`
 * to `/info`, where it always is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptClientHandshake, fromBase64url, limits, toHex, type Crypto, type EmpSession, type KeyPair } from '@graphchat/core';
import { clientAddress } from './admission.js';
import type { AddressTurns } from './address-turns.js';
import { answerBlock, sealTransmissions } from './block-io.js';
import type { Logger } from './log.js';
import type { Relay, RelayConnection } from './relay.js';
import type { WebRoot } from './web-root.js';

export interface HttpApiOptions {
  readonly crypto: Crypto;
  readonly staticKey: KeyPair;
  readonly relay: Relay;
  /** Shared with the WebSocket transport: how many blocks of one address run at once. */
  readonly turns: AddressTurns;
  readonly log: Logger;
  /** The public address, without the password. */
  readonly publicAddress: string;
  readonly isPrivate: boolean;
  /** Sessions in all, and per client address (0: no limit). */
  readonly maxSessions: number;
  readonly maxSessionsPerAddress: number;
  readonly sessionIdleMs: number;
  /** A session that has not sent a frame this long after its handshake is forgotten. */
  readonly unusedSessionMs: number;
  readonly trustProxy: boolean;
  /** IPv6 clients are counted by this prefix (admission.ts normalizeAddress). */
  readonly ipv6Prefix: number;
  /** Shown on the info page beside the bytes used; 0: no cap. */
  readonly maxStoreBytes: number;
  readonly stats: () => Promise<{ queues: number; messages: number; bytes: number }>;
  /**
   * How long the info page's figures are reused. Live counters would let
   * anyone who polls the page see when messages are sent and delivered, which
   * the fixed-size frames hide; and counting every message per request costs.
   */
  readonly infoRefreshMs: number;
  /** The web client's files, served at every path no API route claims; null serves none. */
  readonly web: WebRoot | null;
}

interface HttpSession {
  readonly token: string;
  readonly session: EmpSession;
  readonly connection: RelayConnection;
  readonly address: string;
  lastUsed: number;
  busy: boolean;
  /** A frame has been opened in it: the client completed the handshake. */
  used: boolean;
}

const TOKEN_LENGTH = 16;
const MAX_HANDSHAKE_BODY = 1024;

/**
 * The session pool. A message 1 costs nothing to replay and every replay
 * makes a session, so a session that has not yet sent a frame is a
 * candidate for eviction: when an address's share of the pool is full,
 * its oldest such session makes room; when the whole pool is, the oldest
 * of the address holding the most of them; and one is forgotten after
 * `unusedSessionMs` anyway. Only sessions whose client sent a valid frame
 * (and so holds the session keys) can fill the pool and get `503 BUSY`.
 */
export class HttpApi {
  private readonly sessions = new Map<string, HttpSession>();
  /** Sessions that sent no frame yet, per address, oldest first (Map keeps insertion order). */
  private readonly unusedByAddress = new Map<string, Map<string, HttpSession>>();
  private readonly perAddress = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private infoRows: { at: number; rows: Promise<[string, string | number][]> } | null = null;

  constructor(private readonly options: HttpApiOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(options.sessionIdleMs, options.unusedSessionMs, 60_000) / 2);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) this.end(s);
  }

  private sweep(): void {
    const now = Date.now();
    const idle = now - this.options.sessionIdleMs;
    const unused = now - this.options.unusedSessionMs;
    for (const s of [...this.sessions.values()]) {
      if (!s.busy && (s.lastUsed < idle || (!s.used && s.lastUsed < unused))) this.end(s);
    }
  }

  private add(s: HttpSession): void {
    this.sessions.set(s.token, s);
    this.perAddress.set(s.address, (this.perAddress.get(s.address) ?? 0) + 1);
    this.rememberUnused(s);
  }

  /** An unused session can be evicted to make room (makeRoom), oldest first. */
  private rememberUnused(s: HttpSession): void {
    let mine = this.unusedByAddress.get(s.address);
    if (mine === undefined) this.unusedByAddress.set(s.address, (mine = new Map()));
    mine.set(s.token, s);
  }

  /** The session sent a valid frame: it is no longer evictable. */
  private markUsed(s: HttpSession): void {
    if (s.used) return;
    s.used = true;
    this.forgetUnused(s);
  }

  private forgetUnused(s: HttpSession): void {
    const mine = this.unusedByAddress.get(s.address);
    mine?.delete(s.token);
    if (mine?.size === 0) this.unusedByAddress.delete(s.address);
  }

  private end(s: HttpSession): void {
    if (this.sessions.get(s.token) !== s) return;
    this.sessions.delete(s.token);
    this.forgetUnused(s);
    const n = (this.perAddress.get(s.address) ?? 1) - 1;
    if (n === 0) this.perAddress.delete(s.address);
    else this.perAddress.set(s.address, n);
    s.connection.close();
  }

  /** Makes room for one more session from `address`, evicting unused sessions if need be; false when only used ones fill the pool. */
  private makeRoom(address: string): boolean {
    const perAddress = this.options.maxSessionsPerAddress;
    if (perAddress !== 0 && (this.perAddress.get(address) ?? 0) >= perAddress) {
      const oldest = this.unusedByAddress.get(address)?.values().next().value;
      if (oldest === undefined) return false;
      this.end(oldest);
    }
    if (this.sessions.size >= this.options.maxSessions) {
      // The address holding the most unused sessions gives up its oldest: replays from a few addresses evict their own
      // sessions, not an honest client's between its handshake and its first frame.
      let heaviest: Map<string, HttpSession> | undefined;
      for (const mine of this.unusedByAddress.values()) if (heaviest === undefined || mine.size > heaviest.size) heaviest = mine;
      const oldest = heaviest?.values().next().value;
      if (oldest === undefined) return false;
      this.end(oldest);
    }
    return true;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      // Browsers on any origin may use the relay: every request is authenticated inside the Noise session, not by cookies.
      res.setHeader('access-control-allow-origin', '*');
      const route = this.route(path);
      if (route === null) return json(res, 404, { error: 'NOT_FOUND' });
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-methods': 'GET, HEAD, POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '86400' }).end();
        return;
      }
      const [method, handler] = route;
      const allowed = method === 'GET' ? req.method === 'GET' || req.method === 'HEAD' : req.method === method;
      if (!allowed) return json(res, 405, { error: 'METHOD' });
      await handler(req, res);
    } catch (error) {
      // A client that drops its request mid-body is routine, not a relay error.
      if (req.destroyed) this.options.log.debug(`http: ${String(error)}`);
      else this.options.log.error(`http: ${String(error)}`);
      if (!res.headersSent) json(res, 500, { error: 'INTERNAL' });
    }
  }

  private route(path: string): [method: 'GET' | 'POST', handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>] | null {
    if (path === '/health') return ['GET', async (_req, res) => json(res, 200, { status: 'ok' })];
    if (path === '/info' || (path === '/' && this.options.web === null)) return ['GET', (_req, res) => this.info(res)];
    if (path === '/relay.json') return ['GET', async (_req, res) => this.relayJson(res)];
    if (path === '/v1/session') return ['POST', (req, res) => this.handshake(req, res)];
    const prefix = '/v1/session/';
    if (path.startsWith(prefix)) return ['POST', (req, res) => this.block(req, res, path.slice(prefix.length))];
    const web = this.options.web;
    if (web !== null) return ['GET', (req, res) => webFile(web, path, req, res)];
    return null;
  }

  /** Lets the web client served here propose this relay as its default; never the password, as on the info page. */
  private relayJson(res: ServerResponse): void {
    json(res, 200, { address: this.options.publicAddress, private: this.options.isPrivate });
  }

  private async handshake(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_HANDSHAKE_BODY);
    if (body === null) return json(res, 413, { error: 'TOO_LARGE' });
    const address = clientAddress(req, this.options.trustProxy, this.options.ipv6Prefix);
    let result;
    try {
      result = acceptClientHandshake(this.options.crypto, this.options.staticKey, body);
    } catch {
      return json(res, 400, { error: 'HANDSHAKE' });
    }
    const token = this.options.crypto.randomBytes(TOKEN_LENGTH);
    if (result.session !== null) {
      if (!this.makeRoom(address)) return json(res, 503, { error: 'BUSY' });
      const connection = this.options.relay.connect(result.session.id, () => {}, false, address, result.session.version);
      this.add({ token: toHex(token), session: result.session, connection, address, lastUsed: Date.now(), busy: false, used: false });
    }
    binary(res, Buffer.concat([token, result.message2]));
  }

  private async block(req: IncomingMessage, res: ServerResponse, tokenText: string): Promise<void> {
    let key: string;
    try {
      key = toHex(fromBase64url(tokenText));
    } catch {
      return json(res, 404, { error: 'SESSION' });
    }
    const s = this.sessions.get(key);
    if (s === undefined) return json(res, 404, { error: 'SESSION' });
    if (s.busy) return json(res, 409, { error: 'BUSY' });
    s.busy = true;
    // Not evictable while its frame is in flight: an evicted session would still run the frame, unanswerably.
    this.forgetUnused(s);
    try {
      const frame = await readBody(req, limits.BLOCK_SIZE);
      if (frame === null || frame.length !== limits.BLOCK_SIZE) return json(res, 400, { error: 'FRAME' });
      let plaintext: Uint8Array;
      try {
        plaintext = s.session.open(frame);
      } catch {
        // A forged or replayed frame: the session is no longer trustworthy.
        this.end(s);
        return json(res, 400, { error: 'DECRYPT' });
      }
      s.lastUsed = Date.now();
      this.markUsed(s);
      const { ready, remote } = await this.options.turns.run(s.address, () => answerBlock(s.connection, plaintext));
      // Waits for another relay (PRXY, PFWD) are outside the turn: they hold up this request only.
      const answer = ready.concat(await Promise.all(remote));
      binary(res, Buffer.concat(sealTransmissions(s.session, answer)));
    } finally {
      s.busy = false;
      if (!s.used && this.sessions.get(s.token) === s) this.rememberUnused(s);
    }
  }

  private async info(res: ServerResponse): Promise<void> {
    const now = Date.now();
    if (this.infoRows === null || now - this.infoRows.at >= this.options.infoRefreshMs) {
      this.infoRows = { at: now, rows: this.infoFigures(now) };
    }
    const rows = await this.infoRows.rows;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>graphchat relay</title><style>body{font:16px system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}td{padding:.3em 1em .3em 0;vertical-align:top}code{word-break:break-all}</style></head>
<body><h1>graphchat relay</h1><table>${rows.map(([k, v]) => `<tr><td>${k}</td><td><code>${escapeHtml(String(v))}</code></td></tr>`).join('')}</table>
<p>Add the address to a graphchat client to create message queues on this relay.</p></body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  }

  private async infoFigures(now: number): Promise<[string, string | number][]> {
    const c = this.options.relay.counters;
    const { queues, messages, bytes } = await this.options.stats();
    const cap = this.options.maxStoreBytes;
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return [
      ['Address', this.options.publicAddress + (this.options.isPrivate ? ' (private: the password is given out separately)' : '')],
      ['Protocol versions', `${limits.MIN_VERSION}-${limits.MAX_VERSION}`],
      ['Queues', queues],
      ['Undelivered messages', messages],
      ['Store size', cap === 0 ? `${mib(bytes)} (no cap)` : `${mib(bytes)} of ${mib(cap)} (${Math.min(100, Math.round((bytes / cap) * 100))}%)${bytes >= cap ? ': full, new queues and messages are refused' : ''}`],
      ['Messages accepted since start', c.messagesSent],
      ['Messages delivered since start', c.messagesDelivered],
      ['Open connections', c.connections],
      ['Up since', new Date(this.startedAt).toISOString()],
      ['Figures as of', new Date(now).toISOString()],
    ];
  }
}

async function webFile(web: WebRoot, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = await web.find(path);
  if (typeof file === 'string') return json(res, file === 'BAD_PATH' ? 400 : 404, { error: file });
  await file.send(res, req.method === 'HEAD');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function binary(res: ServerResponse, body: Uint8Array): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
}

/** The request body, or null when it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
