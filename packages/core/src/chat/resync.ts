/**
 * Resync (graph-chat §8.7): what two clients exchange, outside the ratchet,
 * when one of them finds that a state was restored from an older copy. The
 * offer carries fresh agreement keys and the sender's view of the
 * conversation; the answer runs the agreement of §1 against them and
 * carries the first message of the new ratchet. Both are signed with the
 * connection's envelope signing keys, so a relay can neither forge nor alter
 * one, and the answer names the offer it answers.
 *
 *   resync  = version:u8 (the connection's, 2, 3 or 4) || 04 || signature:64 || signed
 *   signed  = kind:u8 || timestamp:u64 || reason:u8 || view || offer / answer
 *   reason  = 0 (none proven) | 1 (the sender's state was restored) | 2 (rekey: a new agreement asked for, version 3 or later)
 *   view    = lastSentSeq:u32 || lastSentHash:32 || lastReceivedSeq:u32 || count:u8 || count × receivedHash:32
 *   offer   = invitationKeys:1249                                       (kind 1)
 *   answer  = offerHash:32 || confirmationKeys:1185 || header:40 || ciphertext   (kind 2)
 *   signature = Ed25519(signing key, "graphchat resync v2" || AD || signed)
 */
import {
  CONFIRMATION_KEYS_LENGTH,
  decodeConfirmationKeys,
  decodeInvitationKeys,
  encodeConfirmationKeys,
  encodeInvitationKeys,
  INVITATION_KEYS_LENGTH,
  type ConfirmationKeys,
  type InvitationPublicKeys,
} from '../agreement/codec.js';
import { ByteReader, ByteWriter, concatBytes, utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { DecodeError } from '../errors.js';
import { HEADER_LENGTH } from '../ratchet/header.js';
import { ChatError } from './errors.js';
import { QUEUE_BODY_TAGS, QUEUE_BODY_VERSION, readRatchetMessage, checkQueueBodySize, type RatchetMessage } from './queue-body.js';

export const RESYNC_SIGNATURE_CONTEXT = 'graphchat resync v2';
/** HKDF info of the connection's resync key, from the agreement's SK (§8.7). */
export const RESYNC_KEY_INFO = 'graphchat resync key v2';
/** HKDF info of a resync's new root key. */
export const RESYNC_ROOT_INFO = 'graphchat resync root v2';
const ZERO_SALT = new Uint8Array(32);
/** Hashes of the peer's envelopes a view names at most: how far back a fork in the peer's chain can be found. */
export const RESYNC_WINDOW = 16;
const HASH = 32;
const SIGNATURE = 64;
const KINDS = { offer: 1, answer: 2 } as const;
const REASONS = { none: 0, restored: 1, rekey: 2 } as const;

/** What one side holds of the conversation when it writes a resync (§8.7). */
export interface ResyncView {
  readonly lastSentSeq: number;
  readonly lastSentHash: Uint8Array;
  readonly lastReceivedSeq: number;
  /**
   * Hashes of the peer's envelopes received at seqs lastReceivedSeq − n + 1
   * … lastReceivedSeq, oldest first, where n = min(RESYNC_WINDOW,
   * lastReceivedSeq); ZERO_HASH for one not stated (an unsigned envelope).
   */
  readonly receivedHashes: readonly Uint8Array[];
}

/** What an offer and an answer both carry. */
interface ResyncCommon {
  /** Sender's clock (ms): a peer accepts a resync only with a later timestamp than the last, so a replay is ignored. */
  readonly timestamp: number;
  /** The sender found that its own state was restored (it holds less than the peer received from it). */
  readonly restored: boolean;
  /**
   * A rekey (§8.6): the user asked for a new agreement. The new ratchet then
   * runs under the AD of this agreement, so the security code changes.
   */
  readonly rekey?: boolean;
  readonly view: ResyncView;
}

export type Resync =
  | ({ readonly kind: 'offer'; readonly keys: InvitationPublicKeys } & ResyncCommon)
  | ({
      readonly kind: 'answer';
      /** SHA-256 of the offer's queue body. */
      readonly offerHash: Uint8Array;
      readonly keys: ConfirmationKeys;
    } & ResyncCommon &
      RatchetMessage);

/**
 * The connection's resync key, derived from the first agreement's SK (§1.2)
 * when the connection is made and kept with it: a resync's new root key
 * needs it, so a resync needs a secret of the connection, not only its
 * signing keys (which a forger of Ed25519 could fake).
 */
export function connectionResyncKey(crypto: Crypto, sharedKey: Uint8Array): Uint8Array {
  return crypto.hkdfSha256(sharedKey, ZERO_SALT, utf8(RESYNC_KEY_INFO), 32);
}

/** The new ratchet's root key: the resync agreement's SK (§1.2, run again) mixed with the connection's resync key, in one HKDF. */
export function resyncRootKey(crypto: Crypto, resyncKey: Uint8Array, sharedKey: Uint8Array): Uint8Array {
  const ikm = concatBytes(resyncKey, sharedKey);
  try {
    return crypto.hkdfSha256(ikm, ZERO_SALT, utf8(RESYNC_ROOT_INFO), 32);
  } finally {
    crypto.wipe(ikm);
  }
}

function windowLength(lastReceivedSeq: number): number {
  return Math.min(RESYNC_WINDOW, lastReceivedSeq);
}

function encodeSigned(resync: Resync): Uint8Array {
  const { view } = resync;
  if (view.receivedHashes.length !== windowLength(view.lastReceivedSeq)) throw new RangeError(`a view names min(${RESYNC_WINDOW}, lastReceivedSeq) received hashes`);
  if (resync.restored && resync.rekey === true) throw new RangeError('a resync is a rekey or reports a restored state, not both');
  const w = new ByteWriter(3000).u8(KINDS[resync.kind]).u64(resync.timestamp).u8(resync.rekey === true ? REASONS.rekey : resync.restored ? REASONS.restored : REASONS.none);
  w.u32(view.lastSentSeq).bytes(fixed(view.lastSentHash)).u32(view.lastReceivedSeq).u8(view.receivedHashes.length);
  for (const hash of view.receivedHashes) w.bytes(fixed(hash));
  if (resync.kind === 'offer') return w.bytes(encodeInvitationKeys(resync.keys)).finish();
  if (resync.header.length !== HEADER_LENGTH) throw new RangeError(`ratchet header must be ${HEADER_LENGTH} bytes`);
  return w.bytes(fixed(resync.offerHash)).bytes(encodeConfirmationKeys(resync.keys)).bytes(resync.header).bytes(resync.ciphertext).finish();
}

function fixed(hash: Uint8Array): Uint8Array {
  if (hash.length !== HASH) throw new RangeError(`a hash is ${HASH} bytes`);
  return hash;
}

function signatureInput(associatedData: Uint8Array, signed: Uint8Array): Uint8Array {
  return concatBytes(utf8(RESYNC_SIGNATURE_CONTEXT), associatedData, signed);
}

/** The queue body (tag 4) of a resync, signed, with the connection's `version`. Throws ChatError TOO_LARGE past 16,000 bytes. */
export function sealResync(crypto: Crypto, signingSecretKey: Uint8Array, associatedData: Uint8Array, resync: Resync, version: number = QUEUE_BODY_VERSION): Uint8Array {
  if (resync.rekey === true && version < 3) throw new RangeError('a rekey needs graph-chat version 3');
  const signed = encodeSigned(resync);
  const signature = crypto.ed25519Sign(signingSecretKey, signatureInput(associatedData, signed));
  return checkQueueBodySize(concatBytes(new Uint8Array([version, QUEUE_BODY_TAGS.resync]), signature, signed));
}

/**
 * Verifies and decodes what follows the version and tag of a resync body.
 * The signature is checked before any field is parsed: ChatError
 * BAD_SIGNATURE, then DecodeError for a malformed body.
 */
export function openResync(crypto: Crypto, peerSigningKey: Uint8Array, associatedData: Uint8Array, bytes: Uint8Array): Resync {
  if (bytes.length < SIGNATURE) throw new DecodeError('TRUNCATED', 'resync shorter than its signature');
  const signed = bytes.subarray(SIGNATURE);
  if (!crypto.ed25519Verify(peerSigningKey, signatureInput(associatedData, signed), bytes.subarray(0, SIGNATURE))) {
    throw new ChatError('BAD_SIGNATURE', 'resync signature does not verify');
  }
  return decodeSigned(signed);
}

function decodeSigned(signed: Uint8Array): Resync {
  const r = new ByteReader(signed);
  const kind = r.u8();
  const timestamp = r.u64();
  const reason = r.u8();
  if (reason > REASONS.rekey) throw new DecodeError('INVALID', `resync reason ${reason}`);
  const restored = reason === REASONS.restored;
  const rekey = reason === REASONS.rekey ? { rekey: true } : {};
  const lastSentSeq = r.u32();
  const lastSentHash = r.bytes(HASH);
  const lastReceivedSeq = r.u32();
  const count = r.u8();
  if (count !== windowLength(lastReceivedSeq)) throw new DecodeError('INVALID', `a view names min(${RESYNC_WINDOW}, lastReceivedSeq) received hashes, not ${count}`);
  const receivedHashes = Array.from({ length: count }, () => r.bytes(HASH));
  const view = { lastSentSeq, lastSentHash, lastReceivedSeq, receivedHashes };
  if (kind === KINDS.offer) {
    const keys = decodeInvitationKeys(r.bytes(INVITATION_KEYS_LENGTH));
    r.end();
    return { kind: 'offer', timestamp, restored, ...rekey, view, keys };
  }
  if (kind === KINDS.answer) {
    const offerHash = r.bytes(HASH);
    const keys = decodeConfirmationKeys(r.bytes(CONFIRMATION_KEYS_LENGTH));
    return { kind: 'answer', timestamp, restored, ...rekey, view, offerHash, keys, ...readRatchetMessage(r) };
  }
  throw new DecodeError('INVALID', `unknown resync kind ${kind}`);
}
