/**
 * The Noise Protocol Framework (revision 34, https://noiseprotocol.org/noise.html),
 * pattern NX with X25519, ChaCha20-Poly1305 and SHA-256:
 *
 *   NX:
 *     -> e
 *     <- e, ee, s, es
 *
 * The initiator (client) learns the responder's (relay's) static key in the
 * second message and checks it against the fingerprint in the relay address;
 * both sides then hold forward-secret transport keys and the handshake hash,
 * which graphchat uses as the session id that signed commands are bound to.
 * The objects below follow the spec's CipherState / SymmetricState /
 * HandshakeState (§5), restricted to what NX needs.
 */
import { concatBytes, utf8 } from './bytes.js';
import { AEAD_TAG_LENGTH, type Crypto, type KeyPair } from './crypto/crypto.js';
import { CryptoError, DecodeError } from './errors.js';

export const NOISE_PROTOCOL_NAME = 'Noise_NX_25519_ChaChaPoly_SHA256';
const DH_LENGTH = 32;
/** Noise §3: a nonce value of 2^64-1 is reserved; JS numbers stop us earlier, at 2^53. */
const MAX_NONCE = Number.MAX_SAFE_INTEGER;
const EMPTY = new Uint8Array(0);

/** Noise §5.1 CipherState; the 96-bit ChaChaPoly nonce is 4 zero bytes || 64-bit little-endian n (§12.3). */
export class CipherState {
  private nonce = 0;
  private readonly nonceBytes = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonceBytes.buffer);

  constructor(private readonly crypto: Crypto, private readonly key: Uint8Array) {}

  private nextNonce(): Uint8Array {
    if (this.nonce >= MAX_NONCE) throw new CryptoError('BAD_KEY', 'Noise nonce exhausted; a new session is needed');
    this.nonceView.setUint32(4, this.nonce >>> 0, true);
    this.nonceView.setUint32(8, Math.floor(this.nonce / 2 ** 32), true);
    return this.nonceBytes;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.crypto.chacha20Poly1305Encrypt(this.key, this.nextNonce(), ad, plaintext);
    this.nonce++;
    return ciphertext;
  }

  /** Throws CryptoError DECRYPT; per §5.1 a failed decryption leaves the nonce unchanged. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.crypto.chacha20Poly1305Decrypt(this.key, this.nextNonce(), ad, ciphertext);
    if (plaintext === null) throw new CryptoError('DECRYPT', 'Noise message failed authentication');
    this.nonce++;
    return plaintext;
  }
}

/** Noise §5.2 SymmetricState. */
class SymmetricState {
  private chainingKey: Uint8Array;
  hash: Uint8Array;
  private cipher: CipherState | null = null;

  constructor(private readonly crypto: Crypto, protocolName: string) {
    const name = utf8(protocolName);
    this.hash = name.length <= 32 ? concatBytes(name, new Uint8Array(32 - name.length)) : crypto.sha256(name);
    this.chainingKey = this.hash;
  }

  /** HKDF(ck, ikm, 2) of §4.3 is RFC 5869 HKDF with salt = ck and empty info. */
  private hkdf2(ikm: Uint8Array): [Uint8Array, Uint8Array] {
    const out = this.crypto.hkdfSha256(ikm, this.chainingKey, EMPTY, 64);
    return [out.slice(0, 32), out.slice(32)];
  }

  mixKey(ikm: Uint8Array): void {
    const [chainingKey, key] = this.hkdf2(ikm);
    this.chainingKey = chainingKey;
    this.cipher = new CipherState(this.crypto, key);
  }

  mixHash(data: Uint8Array): void {
    this.hash = this.crypto.sha256(concatBytes(this.hash, data));
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher ? this.cipher.encryptWithAd(this.hash, plaintext) : plaintext;
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher ? this.cipher.decryptWithAd(this.hash, ciphertext) : ciphertext;
    this.mixHash(ciphertext);
    return plaintext;
  }

  split(): [CipherState, CipherState] {
    const [k1, k2] = this.hkdf2(EMPTY);
    return [new CipherState(this.crypto, k1), new CipherState(this.crypto, k2)];
  }
}

/** What both sides hold once the handshake is complete. */
export interface NoiseSession {
  /** Encrypts what this side sends. */
  readonly send: CipherState;
  /** Decrypts what this side receives. */
  readonly receive: CipherState;
  /** The final handshake hash h: a unique, unpredictable session id (§11.2 channel binding). */
  readonly handshakeHash: Uint8Array;
}

function newState(crypto: Crypto, prologue: Uint8Array): SymmetricState {
  const state = new SymmetricState(crypto, NOISE_PROTOCOL_NAME);
  state.mixHash(prologue);
  return state;
}

/** Initiator side of NX. `ephemeral` is injectable only for test vectors. */
export class NxInitiator {
  private readonly state: SymmetricState;
  private readonly ephemeral: KeyPair;

  constructor(private readonly crypto: Crypto, prologue: Uint8Array, ephemeral?: KeyPair) {
    this.state = newState(crypto, prologue);
    this.ephemeral = ephemeral ?? crypto.x25519KeyPair();
  }

  /** -> e, with a cleartext (but hash-authenticated) payload. */
  writeMessage1(payload: Uint8Array): Uint8Array {
    this.state.mixHash(this.ephemeral.publicKey);
    return concatBytes(this.ephemeral.publicKey, this.state.encryptAndHash(payload));
  }

  /**
   * <- e, ee, s, es. Returns the responder's static key, the payload and the
   * session. A protocol whose payload has a fixed length passes it as
   * `payloadLength`: a message of any other length then fails with
   * DecodeError before any DH.
   */
  readMessage2(message: Uint8Array, payloadLength?: number): { remoteStatic: Uint8Array; payload: Uint8Array; session: NoiseSession } {
    try {
      const minimum = DH_LENGTH * 2 + AEAD_TAG_LENGTH * 2;
      if (message.length < minimum + (payloadLength ?? 0)) throw new DecodeError('TRUNCATED', 'Noise message 2 too short');
      if (payloadLength !== undefined && message.length > minimum + payloadLength) throw new DecodeError('TRAILING', 'Noise message 2 too long');
      const remoteEphemeral = message.slice(0, DH_LENGTH);
      this.state.mixHash(remoteEphemeral);
      this.state.mixKey(this.crypto.x25519(this.ephemeral.secretKey, remoteEphemeral));
      const remoteStatic = this.state.decryptAndHash(message.slice(DH_LENGTH, DH_LENGTH * 2 + AEAD_TAG_LENGTH));
      this.state.mixKey(this.crypto.x25519(this.ephemeral.secretKey, remoteStatic));
      const payload = this.state.decryptAndHash(message.slice(DH_LENGTH * 2 + AEAD_TAG_LENGTH));
      const [send, receive] = this.state.split();
      return { remoteStatic, payload, session: { send, receive, handshakeHash: this.state.hash } };
    } finally {
      // One attempt only: a failed handshake is not retried with the same ephemeral key.
      this.crypto.wipe(this.ephemeral.secretKey);
    }
  }
}

/** Responder side of NX, holding the relay's static key. */
export class NxResponder {
  private readonly state: SymmetricState;
  private remoteEphemeral: Uint8Array | null = null;
  private readonly ephemeral: KeyPair;

  constructor(private readonly crypto: Crypto, prologue: Uint8Array, private readonly staticKey: KeyPair, ephemeral?: KeyPair) {
    this.state = newState(crypto, prologue);
    this.ephemeral = ephemeral ?? crypto.x25519KeyPair();
  }

  /** -> e. Returns the initiator's payload. */
  readMessage1(message: Uint8Array): Uint8Array {
    if (message.length < DH_LENGTH) throw new DecodeError('TRUNCATED', 'Noise message 1 too short');
    this.remoteEphemeral = message.slice(0, DH_LENGTH);
    this.state.mixHash(this.remoteEphemeral);
    return this.state.decryptAndHash(message.slice(DH_LENGTH));
  }

  /** <- e, ee, s, es. */
  writeMessage2(payload: Uint8Array): { message: Uint8Array; session: NoiseSession } {
    if (this.remoteEphemeral === null) throw new TypeError('readMessage1 must come first');
    this.state.mixHash(this.ephemeral.publicKey);
    this.state.mixKey(this.crypto.x25519(this.ephemeral.secretKey, this.remoteEphemeral));
    const encryptedStatic = this.state.encryptAndHash(this.staticKey.publicKey);
    this.state.mixKey(this.crypto.x25519(this.staticKey.secretKey, this.remoteEphemeral));
    const encryptedPayload = this.state.encryptAndHash(payload);
    const [receive, send] = this.state.split();
    this.crypto.wipe(this.ephemeral.secretKey);
    return {
      message: concatBytes(this.ephemeral.publicKey, encryptedStatic, encryptedPayload),
      session: { send, receive, handshakeHash: this.state.hash },
    };
  }
}
