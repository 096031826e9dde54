/**
 * The forwarding relay's side of private message routing (EMP §7.7, §7.8):
 * its own EMP sessions with destination relays, one per destination shared
 * by all its clients and closed when idle, and per client session the
 * proxies it holds (PRXY) and the forwards waiting for an answer (PFWD).
 */
import {
  ForwardError,
  formatRelayAddress,
  limits,
  parseRelayAddress,
  RelayClient,
  toHex,
  type Command,
  type Crypto,
  type RelayAddress,
  type Response,
  type Transmission,
  type WebSocketLike,
} from '@graphchat/core';
import { isIP } from 'node:net';
import { WebSocket } from 'ws';
import { bareHost, DestinationError, isPrivateAddress, publicOnlyLookup } from './destination-guard.js';
import type { Logger } from './log.js';

/** Destinations one client session holds proxies for; past it, the least recently used is dropped. */
export const MAX_PROXIES_PER_SESSION = 16;
/** PRXYs and PFWDs of one client session waiting for their destination. */
export const MAX_PENDING_FORWARDS = 64;
/** Destinations the relay holds sessions with (or is connecting to), for all its clients. */
export const MAX_DESTINATIONS = 1000;
/** A session with a destination is closed after this long without a forward. */
export const PROXY_IDLE_MS = 60_000;
/** Reaching a destination, and each RFWD. */
const FORWARD_TIMEOUT_MS = limits.RELAY_FORWARD_TIMEOUT_MS;

type RfwdCommand = Extract<Command, { type: 'RFWD' }>;

export interface ForwarderOptions {
  readonly crypto: Crypto;
  readonly allowPrivateDestinations: boolean;
  readonly log: Logger;
  readonly idleMs?: number;
  /** MAX_DESTINATIONS unless a test asks for fewer. */
  readonly maxDestinations?: number;
  /**
   * Test hook: what a malicious forwarding relay sends the destination
   * instead of an RFWD (changed, or several: a replay); the client is
   * answered from the first.
   */
  readonly rewrite?: (command: RfwdCommand) => readonly RfwdCommand[];
}

interface Destination {
  readonly client: Promise<RelayClient>;
  /** The client once connected; null while connecting. */
  open: RelayClient | null;
  lastUsed: number;
}

const EMPTY = new Uint8Array(0);

/** The relay's sessions with destinations, shared by all its clients. */
export class Forwarder {
  private readonly destinations = new Map<string, Destination>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly idleMs: number;

  constructor(private readonly options: ForwarderOptions) {
    this.idleMs = options.idleMs ?? PROXY_IDLE_MS;
    this.sweeper = setInterval(() => this.closeIdle(), Math.max(1000, this.idleMs / 2));
    this.sweeper.unref();
  }

  /**
   * The open session with `destination` (without password), reusing one if
   * there is; null when the relay holds sessions with as many destinations
   * as it may. The promise rejects when the destination can't be reached.
   */
  reach(destination: RelayAddress): Promise<RelayClient> | null {
    const key = formatRelayAddress(destination);
    // Decided before any wait, so clients asking at once share one session (or one attempt).
    const known = this.destinations.get(key);
    if (known !== undefined && (known.open === null || known.open.isOpen)) {
      known.lastUsed = Date.now();
      return known.client;
    }
    // Other destinations are not dropped to make room: their sessions carry other clients' proxies.
    if (known === undefined && this.destinations.size >= (this.options.maxDestinations ?? MAX_DESTINATIONS)) return null;
    const entry: Destination = { client: this.connect(destination), open: null, lastUsed: Date.now() };
    this.destinations.set(key, entry);
    const forget = () => {
      if (this.destinations.get(key) === entry) this.destinations.delete(key);
    };
    entry.client.then(
      (client) => {
        entry.open = client;
        client.onClose = forget;
      },
      forget,
    );
    return entry.client;
  }

  private async connect(destination: RelayAddress): Promise<RelayClient> {
    const host = bareHost(destination.host);
    if (!this.options.allowPrivateDestinations && isIP(host) !== 0 && isPrivateAddress(host)) {
      throw new DestinationError('PRIVATE', `${host} is a private address`);
    }
    const lookup = this.options.allowPrivateDestinations ? undefined : publicOnlyLookup;
    const webSocket = (url: string): WebSocketLike =>
      new WebSocket(url, { perMessageDeflate: false, maxPayload: limits.BLOCK_SIZE, ...(lookup ? { lookup } : {}) }) as unknown as WebSocketLike;
    const client = await RelayClient.connect(destination, { crypto: this.options.crypto, webSocket, timeoutMs: FORWARD_TIMEOUT_MS });
    if (client.session.version < limits.FORWARDING_VERSION) {
      client.close();
      throw new ForwardError('VERSION', 'the destination does not speak EMP version 2');
    }
    return client;
  }

  /** The RFWDs to send for one PFWD: just that one, unless a test plays a malicious relay. */
  rewrite(command: RfwdCommand): readonly RfwdCommand[] {
    return this.options.rewrite?.(command) ?? [command];
  }

  /** Destinations held or being connected to (for tests). */
  get size(): number {
    return this.destinations.size;
  }

  /** Notes a forward to `relay` (as `reach` keys it), so its session is not closed as idle. */
  touch(relay: string): void {
    const entry = this.destinations.get(relay);
    if (entry !== undefined) entry.lastUsed = Date.now();
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [key, entry] of this.destinations) {
      if (now - entry.lastUsed < this.idleMs) continue;
      this.destinations.delete(key);
      void entry.client.then((client) => client.close(), () => {});
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const entry of this.destinations.values()) void entry.client.then((client) => client.close(), () => {});
    this.destinations.clear();
  }
}

/** What a client's forwarding draws on at its own relay, per client address (EMP §14.9). */
export interface ForwardRates {
  /** A PRXY takes a token from the address's NEW bucket. */
  readonly takeProxyToken: () => boolean;
  /** A PFWD takes its sealed bytes from the address's SEND bytes. */
  readonly takeForwardBytes: (bytes: number) => boolean;
}

/**
 * What a forwarding command answers: a refusal decided at once, or the wait
 * for the destination. The wait is kept apart so that the transports run it
 * outside the client address's turn and the connection's block order: a slow
 * or silent destination must not hold up the client's other commands.
 */
export type ForwardAnswer = Response | { readonly remote: Promise<Response> };

/** One client session's proxies (least recently used first) and forwards in flight. */
export class ProxySet {
  private readonly proxies = new Map<string, { relay: string; client: RelayClient }>();
  private pending = 0;

  constructor(
    private readonly forwarder: Forwarder,
    private readonly rates: ForwardRates,
    private readonly log: Logger,
  ) {}

  proxy(t: Transmission, command: Extract<Command, { type: 'PRXY' }>): ForwardAnswer {
    if (t.entityId.length !== 0 || t.signature.length !== 0) return err('PROHIBITED');
    let destination: RelayAddress;
    try {
      destination = parseRelayAddress(command.relay);
    } catch {
      return err('SYNTAX');
    }
    // The password of a private relay is for NEW only: the forwarding relay must not learn it.
    if (destination.password !== '') return err('SYNTAX');
    if (this.pending >= MAX_PENDING_FORWARDS) return err('LIMIT');
    if (!this.rates.takeProxyToken()) return err('RATE');
    const reaching = this.forwarder.reach(destination);
    if (reaching === null) return err('LIMIT');
    return { remote: this.track(this.proxied(formatRelayAddress(destination), reaching)) };
  }

  private async proxied(relay: string, reaching: Promise<RelayClient>): Promise<Response> {
    let client: RelayClient;
    try {
      client = await reaching;
    } catch (error) {
      this.log.debug(`forward: cannot reach a destination: ${(error as Error).message}`);
      return err('PROXY');
    }
    for (const [id, held] of this.proxies) {
      // A proxy for the same destination is replaced; one whose session closed is of no use any more.
      if (held.relay === relay || !held.client.isOpen) this.proxies.delete(id);
    }
    // Full: the least recently used goes, so a client with contacts on many relays can reach them all in turn.
    if (this.proxies.size >= MAX_PROXIES_PER_SESSION) this.proxies.delete(this.proxies.keys().next().value!);
    const sessionId = client.session.id;
    this.proxies.set(toHex(sessionId.subarray(0, limits.ID_LENGTH)), { relay, client });
    return { type: 'PKEY', sessionId, relayKey: client.session.relayKey! };
  }

  forward(t: Transmission, command: Extract<Command, { type: 'PFWD' }>): ForwardAnswer {
    if (t.signature.length !== 0) return err('PROHIBITED');
    if (t.entityId.length === 0) return err('PROHIBITED');
    const id = toHex(t.entityId);
    const proxy = this.proxies.get(id);
    if (proxy === undefined || !proxy.client.isOpen) return err('PROXY');
    if (this.pending >= MAX_PENDING_FORWARDS) return err('LIMIT');
    // Charged at the size every honest forward has (padded), whatever this one's: a short one costs the destination
    // as much work, and must not slip past the address's budget.
    if (!this.rates.takeForwardBytes(limits.SEALED_FORWARD_SIZE)) return err('RATE');
    // Used last: moved to the end of the eviction order.
    this.proxies.delete(id);
    this.proxies.set(id, proxy);
    this.forwarder.touch(proxy.relay);
    return { remote: this.track(this.forwarded(proxy.client, command)) };
  }

  private async forwarded(client: RelayClient, command: Extract<Command, { type: 'PFWD' }>): Promise<Response> {
    try {
      const forwards = this.forwarder.rewrite({ type: 'RFWD', ephemeralKey: command.ephemeralKey, sealed: command.sealed });
      const [response] = await client.commands(forwards.map((forward) => ({ entityId: EMPTY, command: forward, signingKey: null })));
      if (response?.type === 'RRES') return { type: 'PRES', sealedResponse: response.sealedResponse };
      // The destination remembers no more forwards on this session: a new one starts afresh.
      if (response?.type === 'ERR' && response.code === 'LIMIT') client.close();
      return err('PROXY');
    } catch {
      return err('PROXY'); // timed out, or the session closed
    }
  }

  /** Counts `wait` against MAX_PENDING_FORWARDS until it settles. */
  private async track(wait: Promise<Response>): Promise<Response> {
    this.pending++;
    try {
      return await wait;
    } finally {
      this.pending--;
    }
  }
}

function err(code: 'PROHIBITED' | 'SYNTAX' | 'LIMIT' | 'PROXY' | 'RATE'): Response {
  return { type: 'ERR', code };
}
