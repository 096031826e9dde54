/**
 * Relay configuration from command-line flags and environment variables
 * (flags win). Every option an operator sets, its variable and its default
 * are listed in HELP and in docs/deploy.md; the per-connection protection
 * limits (pending blocks, buffered bytes, timeouts) are fixed defaults.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CodedError, formatRelayAddress, limits, parseRelayAddress } from '@graphchat/core';
import type { RateLimit } from './admission.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import type { SyncMode } from './sqlite-store.js';

export interface RelayConfig {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on. */
  readonly bind: string;
  /** Host name or IP in the printed address. */
  readonly host: string;
  /** Port in the printed address, when a proxy listens on another one (e.g. 443). */
  readonly publicPort: number | null;
  /** Whether clients reach the relay over TLS (wss); default: only when the public port is 443. */
  readonly tls: boolean | null;
  readonly dataDir: string;
  /**
   * Start even when group or others can write the data directory (the relay
   * refuses by default: they could replace its key or store). See data-dir.ts.
   */
  readonly allowOpenDataDir: boolean;
  /** Access password; empty for a public relay. */
  readonly password: string;
  /**
   * Forward (EMP §7.8) to relays on loopback, private or link-local
   * addresses too. Off by default: a client could otherwise make the relay
   * connect into the relay's own network. Tests on one machine need it.
   */
  readonly allowPrivateDestinations: boolean;
  readonly messageTtlMs: number;
  readonly queueQuota: number;
  readonly maxSubscriptions: number;
  readonly maxPendingBlocks: number;
  /**
   * Blocks of one client address executed at once, over all its connections
   * and HTTP sessions (address-turns.ts): a busy address gets this many
   * blocks into each turn of the event loop, however many connections it has.
   */
  readonly blocksPerAddress: number;
  /** Queues one session may create; 0: no limit. Past it: LIMIT. */
  readonly maxQueuesPerSession: number;
  /** NEW per session (token bucket); burst 0: no limit. Past it: RATE. */
  readonly sessionQueueRate: RateLimit;
  /** NEW per client address, over all its sessions; burst 0: no limit. Past it: RATE. */
  readonly addressQueueRate: RateLimit;
  /**
   * SEND body bytes per client address, over all its sessions (token bucket);
   * burst 0: no limit. Past it: RATE. A forwarding relay's traffic counts
   * for the forwarding relay's address.
   */
  readonly addressSendRate: RateLimit;
  /** Bytes the store may use (queues and messages); 0: no cap. Past it: FULL. */
  readonly maxStoreBytes: number;
  /** Percent of maxStoreBytes that the messages one client address sent may take (stored-bytes.ts); 0: no limit. Past it: FULL. */
  readonly addressStorePercent: number;
  /** WebSocket connections in all, and per client address; 0: no limit. Past them: 503 to the upgrade. */
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** HTTP sessions in all, and per client address; 0: no limit (per address only). Past them: 503. */
  readonly maxHttpSessions: number;
  readonly maxHttpSessionsPerAddress: number;
  /** An HTTP session that has not sent a frame this long after its handshake is forgotten. */
  readonly httpUnusedSessionMs: number;
  /** Count limits per address under the last X-Forwarded-For address (behind a proxy), not the TCP peer. */
  readonly trustProxy: boolean;
  /** IPv6 clients count by the network of this many leading bits (admission.ts normalizeAddress). */
  readonly ipv6Prefix: number;
  /**
   * WebSocket ping interval. Pings keep idle connections open through proxies
   * that drop silent ones (nginx and PaaS routers after about a minute); a
   * connection that has not answered the previous ping is closed.
   */
  readonly heartbeatMs: number;
  /** Unsent bytes a WebSocket may pile up before the relay closes it as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** An HTTP session unused this long is forgotten. */
  readonly httpSessionIdleMs: number;
  /** How long a new WebSocket may take to send its first handshake message. */
  readonly handshakeTimeoutMs: number;
  /** How long the info page's figures are reused (see HttpApiOptions.infoRefreshMs). */
  readonly infoRefreshMs: number;
  readonly sync: SyncMode;
  readonly logLevel: LogLevel;
  /** Directory of the browser client's static files, served on the relay's port; null serves none. */
  readonly webRoot: string | null;
}

const KIB = 1024;
const MIB = 1024 * KIB;

export const DEFAULT_CONFIG: RelayConfig = {
  port: 5223,
  bind: '0.0.0.0',
  host: 'localhost',
  publicPort: null,
  tls: null,
  dataDir: join(homedir(), '.local', 'share', 'graphchat-server'),
  allowOpenDataDir: false,
  password: '',
  allowPrivateDestinations: false,
  messageTtlMs: 21 * 24 * 3600 * 1000,
  queueQuota: 128,
  maxSubscriptions: 100_000,
  maxPendingBlocks: 64,
  blocksPerAddress: 1,
  maxQueuesPerSession: 1000,
  sessionQueueRate: { burst: 100, perMinute: 60 },
  addressQueueRate: { burst: 1000, perMinute: 600 },
  addressSendRate: { burst: 16 * MIB, perMinute: 60 * MIB },
  maxStoreBytes: 1024 * MIB,
  addressStorePercent: 10,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 1000,
  maxHttpSessions: 10_000,
  maxHttpSessionsPerAddress: 100,
  httpUnusedSessionMs: 10_000,
  trustProxy: false,
  ipv6Prefix: 56,
  infoRefreshMs: 5 * 60 * 1000,
  handshakeTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  maxBufferedBytes: 8 * 1024 * 1024,
  httpSessionIdleMs: 5 * 60 * 1000,
  sync: 'normal',
  logLevel: 'info',
  webRoot: null,
};

export const HELP = `graphchat-server: a graphchat relay (simplex queues over WebSocket and HTTP)

Usage: graphchat-server [options]

Options (environment variable in brackets):
  --port N               port to listen on [PORT] (default 5223; 0 = any free port)
  --bind ADDR            interface to listen on [BIND] (default 0.0.0.0)
  --host NAME            public host name or IP in the address [HOST] (default localhost)
  --public-port N        public port in the address, if a proxy listens elsewhere [PUBLIC_PORT]
  --tls 0|1              clients connect with TLS (wss) [TLS] (default: 1 when the public port is 443)
  --data-dir DIR         identity key and message store [DATA_DIR] (default ~/.local/share/graphchat-server)
  --allow-open-data-dir  start even if group or others can write the data directory [ALLOW_OPEN_DATA_DIR=1]
                         (default: refuse; a directory they can only read gets a warning)
  --password TEXT        make the relay private: creating queues needs this password [PASSWORD]
  --allow-private-destinations  forward (EMP §7.8) to relays on loopback, private or link-local
                         addresses too [ALLOW_PRIVATE_DESTINATIONS=1] (default: refuse them; for tests on one machine)
  --message-ttl-days N   undelivered messages expire after N days [MESSAGE_TTL_DAYS] (default 21)
  --queue-quota N        undelivered messages a queue may hold [QUEUE_QUOTA] (default 128)
  --max-subscriptions N  subscriptions per connection [MAX_SUBSCRIPTIONS] (default 100000)
Limits on what strangers may take (0 = no limit):
  --max-store-mb N       store size cap in MiB; past it NEW and SEND get FULL [MAX_STORE_MB] (default 1024)
  --address-store-percent N    percent of the store that messages from one client address may take [ADDRESS_STORE_PERCENT] (default 10)
  --max-queues-per-session N   queues one session may create [MAX_QUEUES_PER_SESSION] (default 1000)
  --session-queue-burst N      NEW at once per session [SESSION_QUEUE_BURST] (default 100)
  --session-queue-rate N       NEW per minute per session, after the burst [SESSION_QUEUE_RATE] (default 60)
  --address-queue-burst N      NEW at once per client address [ADDRESS_QUEUE_BURST] (default 1000)
  --address-queue-rate N       NEW per minute per client address [ADDRESS_QUEUE_RATE] (default 600)
  --address-send-burst-kb N    SEND bytes at once per client address, in KiB [ADDRESS_SEND_BURST_KB] (default 16384; 0 or 16 and up)
  --address-send-rate-kb N     SEND KiB per minute per client address, after the burst [ADDRESS_SEND_RATE_KB] (default 61440)
  --max-connections N          WebSocket connections in all [MAX_CONNECTIONS] (default 10000)
  --max-connections-per-address N   ... per client address [MAX_CONNECTIONS_PER_ADDRESS] (default 1000)
  --max-http-sessions N        HTTP sessions in all, 1 or more [MAX_HTTP_SESSIONS] (default 10000)
  --max-http-sessions-per-address N ... per client address [MAX_HTTP_SESSIONS_PER_ADDRESS] (default 100)
  --http-unused-session-seconds N   an HTTP session that sends no frame is dropped after N s [HTTP_UNUSED_SESSION_SECONDS] (default 10)
  --trust-proxy 0|1      client address = last X-Forwarded-For entry (set behind a proxy) [TRUST_PROXY] (default 0)
  --ipv6-prefix N        IPv6 clients count per network of N leading bits, 16 to 128 [IPV6_PREFIX] (default 56)
  --sync normal|full     full: fsync every commit, survives power loss [SYNC] (default normal: survives process crashes)
  --log-level LEVEL      error, warn, info or debug [LOG_LEVEL] (default info)
  --web DIR              also serve the web client's files from DIR on the same port [WEB_DIR] (default: none)
  -h, --help             show this help

On start the relay prints its address on standard output, on a line of its own;
with --web, a second line gives the web client's URL.
`;

/** An option or environment variable the relay cannot start with; the message names it. */
export class ConfigError extends CodedError<'BAD_CONFIG'> {
  override readonly name = 'ConfigError';
  constructor(message: string) {
    super('BAD_CONFIG', message);
  }
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN; // plain decimal only: Number() would take " " as 0, "0x10", "1e3"
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  return value;
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RelayConfig | 'help' {
  let parsed;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; see --help`);
  }
  return fromFlags(parsed.values, env);
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string' },
      bind: { type: 'string' },
      host: { type: 'string' },
      'public-port': { type: 'string' },
      tls: { type: 'string' },
      'data-dir': { type: 'string' },
      'allow-open-data-dir': { type: 'boolean' },
      'allow-private-destinations': { type: 'boolean' },
      password: { type: 'string' },
      'message-ttl-days': { type: 'string' },
      'queue-quota': { type: 'string' },
      'max-subscriptions': { type: 'string' },
      'max-store-mb': { type: 'string' },
      'address-store-percent': { type: 'string' },
      'max-queues-per-session': { type: 'string' },
      'session-queue-burst': { type: 'string' },
      'session-queue-rate': { type: 'string' },
      'address-queue-burst': { type: 'string' },
      'address-queue-rate': { type: 'string' },
      'address-send-burst-kb': { type: 'string' },
      'address-send-rate-kb': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-connections-per-address': { type: 'string' },
      'max-http-sessions': { type: 'string' },
      'max-http-sessions-per-address': { type: 'string' },
      'http-unused-session-seconds': { type: 'string' },
      'trust-proxy': { type: 'string' },
      'ipv6-prefix': { type: 'string' },
      sync: { type: 'string' },
      'log-level': { type: 'string' },
      web: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function fromFlags(values: ReturnType<typeof parseFlags>['values'], env: NodeJS.ProcessEnv): RelayConfig | 'help' {
  if (values.help) return 'help';
  const pick = (flag: keyof typeof values, variable: string): string | undefined => {
    const value = values[flag] ?? env[variable];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const d = DEFAULT_CONFIG;
  const port = pick('port', 'PORT');
  const publicPort = pick('public-port', 'PUBLIC_PORT');
  const tls = pick('tls', 'TLS');
  const ttl = pick('message-ttl-days', 'MESSAGE_TTL_DAYS');
  const quota = pick('queue-quota', 'QUEUE_QUOTA');
  const subs = pick('max-subscriptions', 'MAX_SUBSCRIPTIONS');
  const sync = pick('sync', 'SYNC') ?? d.sync;
  const logLevel = pick('log-level', 'LOG_LEVEL') ?? d.logLevel;
  if (sync !== 'normal' && sync !== 'full') throw new ConfigError(`sync must be normal or full, got "${sync}"`);
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  const password = pick('password', 'PASSWORD') ?? '';
  if (new TextEncoder().encode(password).length > limits.MAX_PASSWORD_LENGTH) throw new ConfigError(`password must be at most ${limits.MAX_PASSWORD_LENGTH} bytes`);
  const host = pick('host', 'HOST') ?? d.host;
  if (!isAddressHost(host)) throw new ConfigError(`host must be a DNS name, an IPv4 address or a bracketed IPv6 address such as [::1], got "${host}"`);
  if (tls !== undefined && tls !== '0' && tls !== '1') throw new ConfigError(`tls must be 0 or 1, got "${tls}"`);
  const trustProxy = pick('trust-proxy', 'TRUST_PROXY');
  if (trustProxy !== undefined && trustProxy !== '0' && trustProxy !== '1') throw new ConfigError(`trust proxy must be 0 or 1, got "${trustProxy}"`);
  /** An integer option: its flag or variable, else the default. */
  const option = (flag: keyof typeof values, variable: string, name: string, fallback: number, min: number, max: number): number => {
    const text = pick(flag, variable);
    return text === undefined ? fallback : integer(name, text, min, max);
  };
  const sendBurstKb = option('address-send-burst-kb', 'ADDRESS_SEND_BURST_KB', 'address send burst KiB', d.addressSendRate.burst / KIB, 0, 1 << 30);
  // A smaller bucket could never hold the largest message, which would then never be sent.
  if (sendBurstKb !== 0 && sendBurstKb * KIB < limits.MAX_MESSAGE_BODY) throw new ConfigError(`address send burst must be 0 or at least ${Math.ceil(limits.MAX_MESSAGE_BODY / KIB)} KiB, got ${sendBurstKb}`);
  const allowOpen = values['allow-open-data-dir'] ? '1' : env.ALLOW_OPEN_DATA_DIR || undefined;
  if (allowOpen !== undefined && allowOpen !== '0' && allowOpen !== '1') throw new ConfigError(`ALLOW_OPEN_DATA_DIR must be 0 or 1, got "${allowOpen}"`);
  const allowPrivate = values['allow-private-destinations'] ? '1' : env.ALLOW_PRIVATE_DESTINATIONS || undefined;
  if (allowPrivate !== undefined && allowPrivate !== '0' && allowPrivate !== '1') throw new ConfigError(`ALLOW_PRIVATE_DESTINATIONS must be 0 or 1, got "${allowPrivate}"`);
  return {
    ...d,
    allowPrivateDestinations: allowPrivate === undefined ? d.allowPrivateDestinations : allowPrivate === '1',
    port: port === undefined ? d.port : integer('port', port, 0, 65535),
    bind: pick('bind', 'BIND') ?? d.bind,
    host,
    publicPort: publicPort === undefined ? null : integer('public port', publicPort, 1, 65535),
    tls: tls === undefined ? null : tls === '1',
    dataDir: pick('data-dir', 'DATA_DIR') ?? d.dataDir,
    allowOpenDataDir: allowOpen === undefined ? d.allowOpenDataDir : allowOpen === '1',
    password,
    messageTtlMs: ttl === undefined ? d.messageTtlMs : integer('message TTL days', ttl, 1, 3650) * 24 * 3600 * 1000,
    queueQuota: quota === undefined ? d.queueQuota : integer('queue quota', quota, 1, 100_000),
    maxSubscriptions: subs === undefined ? d.maxSubscriptions : integer('max subscriptions', subs, 1, 10_000_000),
    maxStoreBytes: option('max-store-mb', 'MAX_STORE_MB', 'max store MiB', d.maxStoreBytes / MIB, 0, 1 << 30) * MIB,
    addressStorePercent: option('address-store-percent', 'ADDRESS_STORE_PERCENT', 'address store percent', d.addressStorePercent, 0, 100),
    maxQueuesPerSession: option('max-queues-per-session', 'MAX_QUEUES_PER_SESSION', 'max queues per session', d.maxQueuesPerSession, 0, 10_000_000),
    sessionQueueRate: {
      burst: option('session-queue-burst', 'SESSION_QUEUE_BURST', 'session queue burst', d.sessionQueueRate.burst, 0, 10_000_000),
      perMinute: option('session-queue-rate', 'SESSION_QUEUE_RATE', 'session queue rate', d.sessionQueueRate.perMinute, 0, 10_000_000),
    },
    addressQueueRate: {
      burst: option('address-queue-burst', 'ADDRESS_QUEUE_BURST', 'address queue burst', d.addressQueueRate.burst, 0, 10_000_000),
      perMinute: option('address-queue-rate', 'ADDRESS_QUEUE_RATE', 'address queue rate', d.addressQueueRate.perMinute, 0, 10_000_000),
    },
    addressSendRate: {
      burst: sendBurstKb * KIB,
      perMinute: option('address-send-rate-kb', 'ADDRESS_SEND_RATE_KB', 'address send rate KiB', d.addressSendRate.perMinute / KIB, 0, 1 << 30) * KIB,
    },
    maxConnections: option('max-connections', 'MAX_CONNECTIONS', 'max connections', d.maxConnections, 0, 10_000_000),
    maxConnectionsPerAddress: option('max-connections-per-address', 'MAX_CONNECTIONS_PER_ADDRESS', 'max connections per address', d.maxConnectionsPerAddress, 0, 10_000_000),
    maxHttpSessions: option('max-http-sessions', 'MAX_HTTP_SESSIONS', 'max HTTP sessions', d.maxHttpSessions, 1, 10_000_000),
    maxHttpSessionsPerAddress: option('max-http-sessions-per-address', 'MAX_HTTP_SESSIONS_PER_ADDRESS', 'max HTTP sessions per address', d.maxHttpSessionsPerAddress, 0, 10_000_000),
    httpUnusedSessionMs: option('http-unused-session-seconds', 'HTTP_UNUSED_SESSION_SECONDS', 'HTTP unused session seconds', d.httpUnusedSessionMs / 1000, 1, 3600) * 1000,
    trustProxy: trustProxy === undefined ? d.trustProxy : trustProxy === '1',
    ipv6Prefix: option('ipv6-prefix', 'IPV6_PREFIX', 'IPv6 prefix', d.ipv6Prefix, 16, 128),
    sync,
    logLevel: logLevel as LogLevel,
    webRoot: pick('web', 'WEB_DIR') ?? d.webRoot,
  };
}

/** Whether `host` can stand in a relay address (clients must be able to parse what the relay prints). */
function isAddressHost(host: string): boolean {
  try {
    parseRelayAddress(formatRelayAddress({ fingerprint: new Uint8Array(32), password: '', host, port: 1, tls: false }));
    return true;
  } catch {
    return false;
  }
}
