/**
 * The transport session between a client and a relay: a Noise NX handshake
 * that authenticates the relay by the fingerprint in its address and
 * negotiates the version, then fixed-size encrypted blocks in both
 * directions (docs/protocol/edge-messaging.md §Handshake, §Frames).
 * Transport-agnostic: WebSocket and HTTP carry the same bytes.
 */
import { equalBytes } from '../bytes.js';
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { SessionError } from '../errors.js';
import { NxInitiator, NxResponder, type CipherState, type NoiseSession } from '../noise.js';
import { relayFingerprint } from './address.js';
import {
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  HANDSHAKE_PROLOGUE,
  negotiateVersion,
  SERVER_HELLO_LENGTH,
  type VersionRange,
} from './handshake.js';
import { BLOCK_PLAINTEXT_SIZE, BLOCK_SIZE, MAX_VERSION, MIN_VERSION } from './limits.js';

const EMPTY = new Uint8Array(0);
export const SUPPORTED_VERSIONS: VersionRange = { min: MIN_VERSION, max: MAX_VERSION };

/** An established session: seals and opens whole blocks. */
export class EmpSession {
  /** The Noise handshake hash; every signed command covers it. */
  readonly id: Uint8Array;
  private readonly sender: CipherState;
  private readonly receiver: CipherState;

  /**
   * @param relayKey the relay's static X25519 key, on the client's side (a
   *   forwarding relay names it to its clients, §7.8); null on the relay's side.
   */
  constructor(
    noise: NoiseSession,
    readonly version: number,
    readonly relayKey: Uint8Array | null = null,
  ) {
    this.id = noise.handshakeHash;
    this.sender = noise.send;
    this.receiver = noise.receive;
  }

  seal(block: Uint8Array): Uint8Array {
    if (block.length !== BLOCK_PLAINTEXT_SIZE) throw new RangeError(`block must be ${BLOCK_PLAINTEXT_SIZE} bytes`);
    return this.sender.encryptWithAd(EMPTY, block);
  }

  /** Throws SessionError FRAME for a frame of the wrong size or one that fails authentication. */
  open(frame: Uint8Array): Uint8Array {
    if (frame.length !== BLOCK_SIZE) throw new SessionError('FRAME', `frame must be ${BLOCK_SIZE} bytes, got ${frame.length}`);
    try {
      return this.receiver.decryptWithAd(EMPTY, frame);
    } catch {
      throw new SessionError('FRAME', 'frame failed authentication');
    }
  }
}

/** Client side: send `message1`, then pass the relay's reply to `complete`. */
export function startClientHandshake(crypto: Crypto, versions: VersionRange = SUPPORTED_VERSIONS) {
  const initiator = new NxInitiator(crypto, HANDSHAKE_PROLOGUE);
  return {
    message1: initiator.writeMessage1(encodeClientHello(versions)),
    /** Authenticates the relay against `fingerprint` and returns the session. */
    complete(message2: Uint8Array, fingerprint: Uint8Array): EmpSession {
      let result: ReturnType<NxInitiator['readMessage2']>;
      try {
        // Exactly 102 bytes (EMP §4.3): e (32), encrypted s (48), encrypted hello (22).
        result = initiator.readMessage2(message2, SERVER_HELLO_LENGTH);
      } catch (error) {
        throw new SessionError('HANDSHAKE', `relay handshake failed: ${(error as Error).message}`);
      }
      if (!equalBytes(relayFingerprint(crypto, result.remoteStatic), fingerprint)) {
        throw new SessionError('IDENTITY', 'relay key does not match the fingerprint in its address');
      }
      // Always decodes: readMessage2 checked the payload's length, and any 6 bytes are a hello.
      const hello = decodeServerHello(result.payload);
      if (hello.version === 0 || hello.version < versions.min || hello.version > versions.max) {
        throw new SessionError('VERSION', `no common protocol version: relay speaks ${hello.min}-${hello.max}, client ${versions.min}-${versions.max}`);
      }
      return new EmpSession(result.session, hello.version, result.remoteStatic);
    },
  };
}

/**
 * Relay side: answers message 1. `session` is null when the versions do not
 * overlap; the relay sends `message2` (which says so) and closes.
 */
export function acceptClientHandshake(
  crypto: Crypto,
  staticKey: KeyPair,
  message1: Uint8Array,
  versions: VersionRange = SUPPORTED_VERSIONS,
): { message2: Uint8Array; session: EmpSession | null } {
  const responder = new NxResponder(crypto, HANDSHAKE_PROLOGUE, staticKey);
  let version: number;
  let reply: ReturnType<NxResponder['writeMessage2']>;
  try {
    version = negotiateVersion(decodeClientHello(responder.readMessage1(message1)), versions);
    // Throws for a low-order client ephemeral key.
    reply = responder.writeMessage2(encodeServerHello({ ...versions, version }));
  } catch {
    throw new SessionError('HANDSHAKE', 'malformed client handshake');
  }
  const { message, session } = reply;
  return { message2: message, session: version === 0 ? null : new EmpSession(session, version) };
}
