/**
 * The agent's relay sessions. A session is keyed by relay and by an
 * isolation group (a profile, or one connection when the profile asks for a
 * session per connection), so a relay never sees the queues of two profiles
 * on one session. Sessions that drop are reopened with backoff while the
 * pool is open; the pool reports each session going up or down.
 */
import { type Crypto, formatRelayAddress, parseRelayAddress, type Push, RelayClient, type WebSocketFactory } from '@graphchat/core';

export interface PoolOptions {
  readonly crypto: Crypto;
  readonly webSocket: WebSocketFactory;
  readonly timeoutMs?: number;
  /** Called when a session comes up (new or reconnected): subscribe its queues here. */
  readonly onUp: (session: PoolSession) => void;
  readonly onDown: (session: PoolSession, reason: string) => void;
  readonly onPush: (session: PoolSession, push: Push) => void;
}

/** The relay address without its password: what identifies a relay. */
export function relayKey(address: string): string {
  return formatRelayAddress({ ...parseRelayAddress(address), password: '' });
}

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export class PoolSession {
  client: RelayClient | null = null;
  /** Recipient ids (hex) subscribed on the current client. */
  readonly subscribed = new Set<string>();
  private connecting: Promise<RelayClient | null> | null = null;
  private retryMs = MIN_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  lastError = '';

  constructor(
    private readonly pool: RelayPool,
    readonly relay: string,
    readonly group: string,
  ) {}

  get isUp(): boolean {
    return this.client !== null && this.client.isOpen;
  }

  /** The open client, connecting first if needed; null if the relay can't be reached now. */
  open(): Promise<RelayClient | null> {
    if (this.isUp) return Promise.resolve(this.client);
    if (this.connecting === null) this.connecting = this.connect();
    return this.connecting;
  }

  private async connect(): Promise<RelayClient | null> {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    try {
      const client = await RelayClient.connect(this.relay, this.pool.clientOptions);
      this.retryMs = MIN_RETRY_MS;
      if (this.pool.closed) {
        client.close();
        return null;
      }
      this.client = client;
      this.subscribed.clear();
      client.onPush = (push) => this.pool.options.onPush(this, push);
      client.onClose = (code, reason) => this.dropped(client, `${code} ${reason}`);
      this.pool.options.onUp(this);
      return client;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.scheduleRetry();
      return null;
    } finally {
      this.connecting = null;
    }
  }

  private dropped(client: RelayClient, reason: string): void {
    if (this.client !== client) return;
    this.client = null;
    this.subscribed.clear();
    this.lastError = reason;
    if (this.pool.closed) return;
    this.pool.options.onDown(this, reason);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.pool.closed || !this.pool.reconnect || this.retryTimer !== null) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.open();
    }, delay);
  }

  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    client?.close();
  }
}

export class RelayPool {
  private readonly sessions = new Map<string, PoolSession>();
  closed = false;
  /** Whether dropped or unreachable sessions are retried in the background. */
  reconnect = true;
  readonly clientOptions: { crypto: Crypto; webSocket: WebSocketFactory; timeoutMs: number };

  constructor(readonly options: PoolOptions) {
    this.clientOptions = { crypto: options.crypto, webSocket: options.webSocket, timeoutMs: options.timeoutMs ?? 10_000 };
  }

  /** The session for this relay and isolation group (created, not yet opened). */
  session(relay: string, group: string): PoolSession {
    const key = `${relayKey(relay)} ${group}`;
    let session = this.sessions.get(key);
    if (session === undefined) {
      this.closed = false;
      session = new PoolSession(this, relay, group);
      this.sessions.set(key, session);
    }
    return session;
  }

  /** The session for this relay and group if one was asked for already (none is created). */
  existing(relay: string, group: string): PoolSession | undefined {
    return this.sessions.get(`${relayKey(relay)} ${group}`);
  }

  all(): PoolSession[] {
    return [...this.sessions.values()];
  }

  /** Closes every session; sessions asked for afterwards start afresh. */
  close(): void {
    this.closed = true;
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }
}
