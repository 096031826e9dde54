/**
 * The client's side of private message routing (docs/protocol/edge-messaging.md
 * §7.8): asking a relay of its own to reach another relay (PRXY), and sending
 * a SEND there through it (PFWD), sealed so that the forwarding relay learns
 * neither the queue nor the message, and the destination not the client.
 */
import { equalBytes } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { CodedError } from '../errors.js';
import { formatRelayAddress, relayFingerprint, type RelayAddress } from './address.js';
import type { RelayClient } from './client.js';
import { decodeResponse, decodeTransmission, encodeCommand, encodeSigned, encodeTransmission, signatureInput, type Command, type Response } from './commands.js';
import { openForwardResponse, sealForward } from './forward-seal.js';
import { FORWARDING_VERSION, ID_LENGTH } from './limits.js';

export type ForwardErrorCode =
  /** The session with the forwarding relay was negotiated below version 2. */
  | 'VERSION'
  /** The forwarding relay refused PRXY or PFWD (ERR PROXY, usually), or answered with the wrong response. */
  | 'PROXY'
  /** The destination key the forwarding relay named does not match the fingerprint in the address. */
  | 'IDENTITY'
  /** The sealed answer did not open, or answered another transmission: the forwarding relay tampered with it. */
  | 'RESPONSE';

export class ForwardError extends CodedError<ForwardErrorCode> {
  override readonly name = 'ForwardError';
  /** The forwarding relay's answer, when it gave one. */
  response: Response | null = null;
}

/** A route to one destination through one forwarding session (PKEY). */
export interface ProxyRoute {
  /** PFWD's entity id: the first 24 bytes of the forwarding relay's session id with the destination. */
  readonly proxyId: Uint8Array;
  /** That session's id: the forwarded SEND is signed over it. */
  readonly sessionId: Uint8Array;
  /** The destination's static X25519 key, checked against its fingerprint. */
  readonly relayKey: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Sends PRXY for `destination` (its password is never sent) and checks the key the forwarding relay names. */
export async function openProxy(client: RelayClient, crypto: Crypto, destination: RelayAddress): Promise<ProxyRoute> {
  if (client.session.version < FORWARDING_VERSION) throw new ForwardError('VERSION', `the forwarding relay speaks EMP version ${client.session.version}`);
  const relay = formatRelayAddress({ ...destination, password: '' });
  const response = await client.command(EMPTY, { type: 'PRXY', relay }, null);
  if (response.type !== 'PKEY') throw refused(response);
  if (!equalBytes(relayFingerprint(crypto, response.relayKey), destination.fingerprint)) {
    throw new ForwardError('IDENTITY', 'the forwarding relay named a destination key that does not match the address');
  }
  return { proxyId: response.sessionId.slice(0, ID_LENGTH), sessionId: response.sessionId, relayKey: response.relayKey };
}

/**
 * Forwards one SEND through `route` and resolves with the destination's
 * answer (OK, or ERR as a direct SEND would get). `signingKey` signs over the
 * forwarding session's id, as the destination verifies it there.
 */
export async function forwardSend(
  client: RelayClient,
  crypto: Crypto,
  route: ProxyRoute,
  senderId: Uint8Array,
  command: Extract<Command, { type: 'SEND' }>,
  signingKey: Uint8Array | null,
): Promise<Response> {
  const corrId = crypto.randomBytes(4);
  const signed = encodeSigned(corrId, senderId, encodeCommand(command));
  const signature = signingKey === null ? EMPTY : crypto.ed25519Sign(signingKey, signatureInput(route.sessionId, signed));
  const seal = sealForward(crypto, route.sessionId, route.relayKey, encodeTransmission(signature, signed));
  const response = await client.command(route.proxyId, { type: 'PFWD', ephemeralKey: seal.ephemeralKey, sealed: seal.sealed }, null);
  if (response.type !== 'PRES') throw refused(response);
  const opened = openForwardResponse(crypto, seal.responseKey, response.sealedResponse);
  crypto.wipe(seal.responseKey);
  if (opened === null) throw new ForwardError('RESPONSE', 'the forwarded answer did not open');
  try {
    const t = decodeTransmission(opened);
    if (!equalBytes(t.corrId, corrId)) throw new ForwardError('RESPONSE', 'the forwarded answer is for another transmission');
    return decodeResponse(t.message);
  } catch (error) {
    if (error instanceof ForwardError) throw error;
    throw new ForwardError('RESPONSE', 'the forwarded answer does not decode');
  }
}

function refused(response: Response): ForwardError {
  const error = new ForwardError('PROXY', `the forwarding relay answered ${response.type === 'ERR' ? `ERR ${response.code}` : response.type}`);
  error.response = response;
  return error;
}
