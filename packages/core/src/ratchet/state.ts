/**
 * The Double Ratchet state of §3.2 as an immutable value, and its
 * initialization (§3.3). ratchetEncrypt/ratchetDecrypt take a state and
 * return a new one; they never modify the one they were given, and the byte
 * arrays of a state are never written to after it is made, so the old and new
 * states may share them.
 */
import type { Crypto, KeyPair } from '../crypto/crypto.js';
import { toHex } from '../bytes.js';
import { kdfRk } from './kdf.js';
import { RATCHET_PUBLIC_KEY_LENGTH } from './header.js';

/** A message key kept for a message not yet received (§3.2 MKSKIPPED). */
export interface SkippedKey {
  /** The sender's ratchet public key of the chain the key belongs to. */
  readonly dh: Uint8Array;
  readonly n: number;
  readonly mk: Uint8Array;
}

export interface RatchetState {
  /** DHs: our current ratchet key pair. */
  readonly dhs: KeyPair;
  /** DHr: the peer's current ratchet public key; null until the receiver hears from the sender. */
  readonly dhr: Uint8Array | null;
  /** RK: root key. */
  readonly rk: Uint8Array;
  /** CKs: sending chain key; null for the receiver until its first DH ratchet step. */
  readonly cks: Uint8Array | null;
  /** CKr: receiving chain key; null until the first message is received. */
  readonly ckr: Uint8Array | null;
  /** Ns, Nr: message numbers for sending and receiving. */
  readonly ns: number;
  readonly nr: number;
  /** PN: number of messages in the previous sending chain. */
  readonly pn: number;
  /** MKSKIPPED, keyed by skippedKeyId(dh, n), in insertion order (oldest first). */
  readonly skipped: ReadonlyMap<string, SkippedKey>;
  /** Receiving-chain public keys we ratcheted away from, newest last (see MAX_RETIRED_CHAINS). */
  readonly retired: readonly Uint8Array[];
}

/** Makes a new ratchet key pair; the default is crypto.x25519KeyPair(). Must return a fresh pair on every call. */
export type KeyPairGenerator = () => KeyPair;

export function skippedKeyId(dh: Uint8Array, n: number): string {
  return `${toHex(dh)}:${n}`;
}

const inspect = Symbol.for('nodejs.util.inspect.custom');

/**
 * A frozen state. Its printed and JSON forms (from the prototype, so that
 * making a state per message costs only the field copies) show only public
 * values, the ratchet public keys and counters, never a secret.
 */
class FrozenRatchetState implements RatchetState {
  readonly dhs: KeyPair;
  readonly dhr: Uint8Array | null;
  readonly rk: Uint8Array;
  readonly cks: Uint8Array | null;
  readonly ckr: Uint8Array | null;
  readonly ns: number;
  readonly nr: number;
  readonly pn: number;
  readonly skipped: ReadonlyMap<string, SkippedKey>;
  readonly retired: readonly Uint8Array[];

  constructor(fields: RatchetState) {
    this.dhs = fields.dhs;
    this.dhr = fields.dhr;
    this.rk = fields.rk;
    this.cks = fields.cks;
    this.ckr = fields.ckr;
    this.ns = fields.ns;
    this.nr = fields.nr;
    this.pn = fields.pn;
    this.skipped = fields.skipped;
    this.retired = fields.retired;
    Object.freeze(this);
  }

  toJSON(): object {
    return {
      dhs: toHex(this.dhs.publicKey),
      dhr: this.dhr && toHex(this.dhr),
      ns: this.ns,
      nr: this.nr,
      pn: this.pn,
      skipped: this.skipped.size,
    };
  }

  [inspect](): string {
    return `RatchetState ${JSON.stringify(this.toJSON())}`;
  }
}

/** Freezes the fields into a state (see FrozenRatchetState). */
export function makeState(fields: RatchetState): RatchetState {
  return new FrozenRatchetState(fields);
}

function checkKey(name: string, key: Uint8Array): void {
  if (key.length !== 32) throw new RangeError(`${name} must be 32 bytes`);
}

/**
 * RatchetInitAlice of §3.3: the party that sends first, knowing the peer's
 * ratchet public key (e.g. its signed prekey) and the shared secret SK agreed
 * with it (e.g. by X3DH, §5.1).
 */
export function initSender(
  crypto: Crypto,
  sharedKey: Uint8Array,
  remoteRatchetPublicKey: Uint8Array,
  generateKeyPair: KeyPairGenerator = () => crypto.x25519KeyPair(),
): RatchetState {
  checkKey('sharedKey', sharedKey);
  if (remoteRatchetPublicKey.length !== RATCHET_PUBLIC_KEY_LENGTH) throw new RangeError('ratchet public key must be 32 bytes');
  const dhs = generateKeyPair();
  const dhOut = crypto.x25519(dhs.secretKey, remoteRatchetPublicKey);
  const { rk, ck } = kdfRk(crypto, sharedKey, dhOut);
  crypto.wipe(dhOut);
  return makeState({
    dhs,
    dhr: remoteRatchetPublicKey.slice(),
    rk,
    cks: ck,
    ckr: null,
    ns: 0,
    nr: 0,
    pn: 0,
    skipped: new Map(),
    retired: [],
  });
}

/**
 * RatchetInitBob of §3.3: the party that receives first, with the ratchet key
 * pair whose public key the sender used. It can send only after receiving.
 * `crypto` is unused (no key is derived yet) and taken for symmetry with initSender.
 */
export function initReceiver(crypto: Crypto, sharedKey: Uint8Array, ownRatchetKeyPair: KeyPair): RatchetState {
  checkKey('sharedKey', sharedKey);
  checkKey('ratchet secret key', ownRatchetKeyPair.secretKey);
  checkKey('ratchet public key', ownRatchetKeyPair.publicKey);
  return makeState({
    dhs: { publicKey: ownRatchetKeyPair.publicKey.slice(), secretKey: ownRatchetKeyPair.secretKey.slice() },
    dhr: null,
    rk: sharedKey.slice(),
    cks: null,
    ckr: null,
    ns: 0,
    nr: 0,
    pn: 0,
    skipped: new Map(),
    retired: [],
  });
}
