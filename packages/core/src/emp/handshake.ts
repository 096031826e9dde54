/**
 * Payloads of the two Noise NX handshake messages: version negotiation
 * (docs/protocol/edge-messaging.md §Handshake). Both payloads are covered by
 * the Noise handshake hash, so a network attacker can't downgrade the version.
 */
import { ByteReader, ByteWriter, utf8 } from '../bytes.js';
import { DecodeError } from '../errors.js';

/** Noise prologue: binds every handshake to this protocol. */
export const HANDSHAKE_PROLOGUE = utf8('graphchat-emp');

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export interface ServerHello extends VersionRange {
  /** The agreed version, or 0 when the ranges do not overlap (the relay then closes). */
  readonly version: number;
}

/** min:u16 max:u16. */
const CLIENT_HELLO_LENGTH = 4;
/** min:u16 max:u16 version:u16. */
export const SERVER_HELLO_LENGTH = 6;

export function encodeClientHello(range: VersionRange): Uint8Array {
  return new ByteWriter(CLIENT_HELLO_LENGTH).u16(range.min).u16(range.max).finish();
}

export function decodeClientHello(bytes: Uint8Array): VersionRange {
  const r = new ByteReader(bytes);
  const range = { min: r.u16(), max: r.u16() };
  r.end();
  if (range.min < 1 || range.min > range.max) throw new DecodeError('INVALID', 'invalid version range');
  return range;
}

export function encodeServerHello(hello: ServerHello): Uint8Array {
  return new ByteWriter(SERVER_HELLO_LENGTH).u16(hello.min).u16(hello.max).u16(hello.version).finish();
}

export function decodeServerHello(bytes: Uint8Array): ServerHello {
  const r = new ByteReader(bytes);
  const hello = { min: r.u16(), max: r.u16(), version: r.u16() };
  r.end();
  return hello;
}

/** The highest version in both ranges, or 0. */
export function negotiateVersion(client: VersionRange, server: VersionRange): number {
  const version = Math.min(client.max, server.max);
  return version >= Math.max(client.min, server.min) ? version : 0;
}
