/**
 * Builds a relay from its configuration and listens; `bin.ts` only parses
 * flags and calls this. Tests start relays in-process on port 0.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { formatRelayAddress, limits, relayFingerprint } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { WebSocketServer } from 'ws';
import type { RelayConfig } from './config.js';
import { AddressCounter, clientAddress } from './admission.js';
import { AddressTurns } from './address-turns.js';
import { createPrivateFile, prepareDataDir, restrictFiles, STORE_FILE, STORE_FILES } from './data-dir.js';
import { Forwarder, type ForwarderOptions } from './forwarder.js';
import { HttpApi } from './http-api.js';
import { IDENTITY_FILE, loadOrCreateIdentity } from './identity.js';
import { createLogger, type Logger } from './log.js';
import { Relay } from './relay.js';
import { openSqliteStore } from './sqlite-store.js';
import type { QueueStore } from './store.js';
import { WebRoot } from './web-root.js';
import { serveWebSocket } from './ws-transport.js';

export interface RunningRelay {
  /** The address clients use, including the password of a private relay. */
  readonly address: string;
  readonly port: number;
  /** Where a browser opens the web client, when the relay serves one (`--web`). */
  readonly webUrl: string | null;
  readonly relay: Relay;
  close(): Promise<void>;
}

const EXPIRY_INTERVAL_MS = 3600 * 1000;

/** Test hook: `wrapStore` sees (and may change) everything the relay stores, as a malicious relay could. */
export interface RelayHooks {
  readonly wrapStore?: (store: QueueStore) => QueueStore;
  /** Test hook: the TCP peer address of every WebSocket connection, as the relay sees it. */
  readonly onPeer?: (address: string) => void;
  /** Test hook: what the relay forwards to a destination instead of each RFWD, as a malicious relay could (forwarder.ts). */
  readonly rewriteForward?: ForwarderOptions['rewrite'];
  /** Test hook: where the relay logs, instead of standard error at `config.logLevel`. */
  readonly log?: Logger;
}

export async function startRelay(config: RelayConfig, hooks: RelayHooks = {}): Promise<RunningRelay> {
  const crypto = sodiumCrypto;
  const log = hooks.log ?? createLogger(config.logLevel);
  // Checked first: a missing web root stops the start before anything is opened.
  const web = config.webRoot === null ? null : await WebRoot.open(config.webRoot);
  prepareDataDir(config.dataDir, config.allowOpenDataDir, log);
  // Files of a relay that did not set modes yet become 0600 before anything reads them.
  restrictFiles(config.dataDir, [IDENTITY_FILE, ...STORE_FILES], log);
  const staticKey = loadOrCreateIdentity(crypto, config.dataDir);
  const storePath = join(config.dataDir, STORE_FILE);
  createPrivateFile(storePath);
  const opened = openSqliteStore(storePath, {
    sync: config.sync,
    maxBytes: config.maxStoreBytes,
    maxBytesPerAddress: Math.floor((config.maxStoreBytes * config.addressStorePercent) / 100),
  });
  const store = hooks.wrapStore?.(opened) ?? opened;
  const forwarder = new Forwarder({
    crypto,
    allowPrivateDestinations: config.allowPrivateDestinations,
    log,
    ...(hooks.rewriteForward ? { rewrite: hooks.rewriteForward } : {}),
  });
  const relay = new Relay({
    crypto,
    store,
    password: config.password,
    queueQuota: config.queueQuota,
    maxSubscriptions: config.maxSubscriptions,
    maxQueuesPerSession: config.maxQueuesPerSession,
    sessionQueueRate: config.sessionQueueRate,
    addressQueueRate: config.addressQueueRate,
    addressSendRate: config.addressSendRate,
    log,
    staticKey,
    forwarder,
  });

  const expire = async () => {
    try {
      const removed = await store.deleteExpired(Date.now() - config.messageTtlMs);
      await store.flush();
      if (removed > 0) log.info(`expired ${removed} undelivered messages`);
    } catch (error) {
      log.error(`expiry failed: ${String(error)}`);
    }
  };
  await expire();
  const expiryTimer = setInterval(() => void expire(), Math.min(EXPIRY_INTERVAL_MS, config.messageTtlMs));
  expiryTimer.unref();

  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.BLOCK_SIZE, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.bind, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const publicPort = config.publicPort ?? port;
  const tls = config.tls ?? publicPort === 443;
  const addressOf = (password: string) =>
    formatRelayAddress({
      fingerprint: relayFingerprint(crypto, staticKey.publicKey),
      password,
      host: config.host,
      port: publicPort,
      tls,
    });

  const turns = new AddressTurns(config.blocksPerAddress);
  const http = new HttpApi({
    crypto,
    staticKey,
    relay,
    turns,
    log,
    publicAddress: addressOf(''),
    isPrivate: config.password !== '',
    maxSessions: config.maxHttpSessions,
    maxSessionsPerAddress: config.maxHttpSessionsPerAddress,
    sessionIdleMs: config.httpSessionIdleMs,
    unusedSessionMs: config.httpUnusedSessionMs,
    trustProxy: config.trustProxy,
    ipv6Prefix: config.ipv6Prefix,
    maxStoreBytes: config.maxStoreBytes,
    stats: () => store.stats(),
    infoRefreshMs: config.infoRefreshMs,
    web,
  });
  const alive = new WeakSet<object>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, config.heartbeatMs);
  heartbeat.unref();

  const sockets = new AddressCounter(config.maxConnections, config.maxConnectionsPerAddress);
  server.on('request', (req, res) => void http.handle(req, res));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    hooks.onPeer?.(req.socket.remoteAddress ?? '');
    const address = clientAddress(req, config.trustProxy, config.ipv6Prefix);
    // Refused before the WebSocket and the handshake cost anything (EMP §9.3).
    if (!sockets.tryAdd(address)) {
      log.debug(`ws: connection limit reached (${sockets.total} in all, ${sockets.of(address)} from this address)`);
      const body = '{"error":"BUSY"}';
      socket.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    socket.once('close', () => sockets.remove(address));
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      serveWebSocket(ws, address, {
        crypto,
        staticKey,
        relay,
        turns,
        log,
        handshakeTimeoutMs: config.handshakeTimeoutMs,
        maxPendingBlocks: config.maxPendingBlocks,
        maxBufferedBytes: config.maxBufferedBytes,
      });
    });
  });

  return {
    address: addressOf(config.password),
    port,
    webUrl: web === null ? null : webUrl(config.host, publicPort, tls),
    relay,
    async close() {
      clearInterval(expiryTimer);
      clearInterval(heartbeat);
      http.close();
      relay.close();
      forwarder.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** The web client's URL as a browser reaches the relay: the same host, port and TLS as its address; a scheme's default port left out. */
function webUrl(host: string, port: number, tls: boolean): string {
  const shown = port === (tls ? 443 : 80) ? '' : `:${port}`;
  return `${tls ? 'https' : 'http'}://${host}${shown}/`;
}
