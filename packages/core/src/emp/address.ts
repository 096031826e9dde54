/**
 * Relay addresses (docs/protocol/edge-messaging.md §Relay address):
 *
 *   emp://<fingerprint>[:<password>]@<host>[:<port>][?tls=0|1]
 *
 * The fingerprint is base64url(SHA-256(relay static X25519 key)); clients
 * authenticate the relay by it, not by certificate authorities.
 */
import { fromBase64url, toBase64url } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { DecodeError } from '../errors.js';
import { trimLinkWhitespace } from '../whitespace.js';

export interface RelayAddress {
  readonly fingerprint: Uint8Array;
  /** Access password of a private relay; empty for a public one. */
  readonly password: string;
  readonly host: string;
  readonly port: number;
  /** Whether the WebSocket runs over TLS (wss). Defaults to true exactly when port is 443. */
  readonly tls: boolean;
}

const DEFAULT_PORT = 443;
const ADDRESS = /^emp:\/\/([A-Za-z0-9_-]{43})(?::([^@/?#]*))?@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(?:\?tls=([01]))?$/;

export function relayFingerprint(crypto: Crypto, staticPublicKey: Uint8Array): Uint8Array {
  return crypto.sha256(staticPublicKey);
}

export function parseRelayAddress(text: string): RelayAddress {
  const match = ADDRESS.exec(trimLinkWhitespace(text));
  if (!match) throw new DecodeError('INVALID', `not a relay address: expected emp://<fingerprint>[:<password>]@<host>[:<port>]`);
  const [, fingerprint, password, host, port, tls] = match;
  const portNumber = port === undefined ? DEFAULT_PORT : Number(port);
  if (portNumber < 1 || portNumber > 65535) throw new DecodeError('INVALID', 'port out of range');
  let decodedPassword: string;
  try {
    decodedPassword = decodeURIComponent(password ?? '');
  } catch {
    throw new DecodeError('INVALID', 'invalid percent-encoding in password');
  }
  return {
    fingerprint: fromBase64url(fingerprint!),
    password: decodedPassword,
    host: host!,
    port: portNumber,
    tls: tls === undefined ? portNumber === DEFAULT_PORT : tls === '1',
  };
}

export function formatRelayAddress(address: RelayAddress): string {
  const password = address.password ? ':' + encodeURIComponent(address.password) : '';
  const port = address.port === DEFAULT_PORT ? '' : `:${address.port}`;
  const tls = address.tls === (address.port === DEFAULT_PORT) ? '' : `?tls=${address.tls ? 1 : 0}`;
  return `emp://${toBase64url(address.fingerprint)}${password}@${address.host}${port}${tls}`;
}

/** The WebSocket URL the address points at; HTTP requests use the same origin. */
export function relayUrl(address: RelayAddress): string {
  return `${address.tls ? 'wss' : 'ws'}://${address.host}:${address.port}/`;
}
