/**
 * RatchetEncrypt and RatchetDecrypt of the Double Ratchet (Signal, revision 4,
 * https://signal.org/docs/specifications/doubleratchet/, §3.4 and §3.5),
 * without header encryption, as pure functions of the state: each returns the
 * new state beside its output and leaves the given state as it was, so the
 * caller stores the new state and the message in one transaction, and a
 * failed decryption changes nothing ("discard any changes", §3.5).
 *
 * Secret bytes derived during a call and superseded within it (intermediate
 * chain keys, used message keys, DH outputs) are wiped; keys that belong to
 * the input state are not, since the caller still holds it.
 */
import { equalBytes } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { CryptoError, DecodeError } from '../errors.js';
import { RatchetError } from './errors.js';
import { concatAdTransient, decodeHeader, encodeHeader, type RatchetHeader } from './header.js';
import { decryptMessage, encryptMessage, kdfCk, kdfRk } from './kdf.js';
import { MAX_COUNTER, MAX_RETIRED_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS } from './limits.js';
import { makeState, skippedKeyId, type KeyPairGenerator, type RatchetState, type SkippedKey } from './state.js';

/** A writable copy of the state, plus the secrets made during this call (wiped if the call fails). */
type Draft = { -readonly [K in Exclude<keyof RatchetState, 'skipped'>]: RatchetState[K] } & {
  skipped: Map<string, SkippedKey>;
};
interface Work {
  readonly crypto: Crypto;
  readonly draft: Draft;
  readonly fresh: Set<Uint8Array>;
}

function startWork(crypto: Crypto, state: RatchetState): Work {
  return { crypto, draft: { ...state, skipped: new Map(state.skipped) }, fresh: new Set() };
}

/** Records a secret made in this call. */
function made<T extends Uint8Array>(work: Work, secret: T): T {
  work.fresh.add(secret);
  return secret;
}

/** Wipes a secret being replaced, if this call made it (otherwise it belongs to the input state). */
function drop(work: Work, secret: Uint8Array | null): void {
  if (secret !== null && work.fresh.delete(secret)) work.crypto.wipe(secret);
}

function abandon(work: Work): void {
  for (const secret of work.fresh) work.crypto.wipe(secret);
  work.fresh.clear();
}

/**
 * §3.4 RatchetEncrypt. The ciphertext starts with a nonce from
 * crypto.randomBytes (graph-chat §1.6), so sealing twice from one state
 * (a state restored from a backup) gives the same header and next state but
 * never the same keystream. Throws TypeError if the state cannot send yet
 * (a receiver before its first message).
 */
export function ratchetEncrypt(
  crypto: Crypto,
  state: RatchetState,
  plaintext: Uint8Array,
  ad: Uint8Array,
): { state: RatchetState; header: Uint8Array; ciphertext: Uint8Array } {
  if (state.cks === null) throw new TypeError('this ratchet cannot send before it has received a message (§3.3)');
  if (state.ns >= MAX_COUNTER) throw new RangeError('sending chain exhausted: 2^32-1 messages without a reply');
  const { ck, mk } = kdfCk(crypto, state.cks);
  const header = encodeHeader({ dh: state.dhs.publicKey, pn: state.pn, n: state.ns });
  const ciphertext = encryptMessage(crypto, mk, plaintext, concatAdTransient(ad, header));
  crypto.wipe(mk);
  return { state: makeState({ ...state, cks: ck, ns: state.ns + 1 }), header, ciphertext };
}

/**
 * §3.5 RatchetDecrypt. `header` is the encoded header as received. Throws
 * RatchetError (see its codes); the given state is never modified.
 * `generateKeyPair` makes the new ratchet key pair of a DH ratchet step.
 */
export function ratchetDecrypt(
  crypto: Crypto,
  state: RatchetState,
  header: Uint8Array,
  ciphertext: Uint8Array,
  ad: Uint8Array,
  generateKeyPair: KeyPairGenerator = () => crypto.x25519KeyPair(),
): { state: RatchetState; plaintext: Uint8Array } {
  const parsed = parseHeader(header);

  // TrySkippedMessageKeys; with MKSKIPPED empty (the common case) there is no key id to make.
  if (state.skipped.size > 0) {
    const id = skippedKeyId(parsed.dh, parsed.n);
    const skippedKey = state.skipped.get(id);
    if (skippedKey !== undefined) {
      const plaintext = decryptMessage(crypto, skippedKey.mk, ciphertext, concatAdTransient(ad, header));
      if (plaintext === null) throw new RatchetError('DECRYPT', 'message failed authentication');
      const skipped = new Map(state.skipped);
      skipped.delete(id);
      return { state: makeState({ ...state, skipped }), plaintext };
    }
  }

  const known = state.dhr !== null && equalBytes(parsed.dh, state.dhr);
  if (known && parsed.n < state.nr) throw new RatchetError('DUPLICATE_OR_OLD', 'message key already used');
  if (!known && state.retired.some((dh) => equalBytes(dh, parsed.dh))) {
    throw new RatchetError('DUPLICATE_OR_OLD', 'message from a retired receiving chain whose key is gone');
  }

  const work = startWork(crypto, state);
  try {
    if (!known) {
      skipMessageKeys(work, parsed.pn);
      dhRatchet(work, parsed, generateKeyPair);
    }
    skipMessageKeys(work, parsed.n);
    const { draft } = work;
    // Only a forged header naming the receiver's initial ratchet key (§3.3) gets here without a receiving chain.
    if (draft.ckr === null) throw new RatchetError('DECRYPT', 'no receiving chain for this ratchet key');
    const { ck, mk } = kdfCk(crypto, draft.ckr);
    drop(work, draft.ckr);
    draft.ckr = made(work, ck);
    draft.nr += 1;
    const plaintext = decryptMessage(crypto, mk, ciphertext, concatAdTransient(ad, header));
    crypto.wipe(mk);
    if (plaintext === null) throw new RatchetError('DECRYPT', 'message failed authentication');
    // §6.4: keys skipped long ago go first.
    for (const key of draft.skipped.keys()) {
      if (draft.skipped.size <= MAX_SKIPPED_KEYS) break;
      draft.skipped.delete(key);
    }
    return { state: makeState(draft), plaintext };
  } catch (error) {
    abandon(work);
    throw error;
  }
}

function parseHeader(header: Uint8Array): RatchetHeader {
  try {
    return decodeHeader(header);
  } catch (error) {
    if (error instanceof DecodeError) throw new RatchetError('BAD_HEADER', `malformed header: ${error.message}`);
    throw error;
  }
}

/** §3.5 SkipMessageKeys: stores the keys of messages Nr..until-1 of the current receiving chain. */
function skipMessageKeys(work: Work, until: number): void {
  const { draft } = work;
  if (draft.nr + MAX_SKIP < until) {
    throw new RatchetError('TOO_MANY_SKIPPED', `message ${until} would skip more than ${MAX_SKIP} keys`);
  }
  if (draft.ckr === null || draft.dhr === null) return;
  while (draft.nr < until) {
    const { ck, mk } = kdfCk(work.crypto, draft.ckr);
    drop(work, draft.ckr);
    draft.ckr = made(work, ck);
    draft.skipped.set(skippedKeyId(draft.dhr, draft.nr), { dh: draft.dhr, n: draft.nr, mk: made(work, mk) });
    draft.nr += 1;
  }
}

/** §3.5 DHRatchet. */
function dhRatchet(work: Work, header: RatchetHeader, generateKeyPair: KeyPairGenerator): void {
  const { draft } = work;
  if (draft.dhr !== null) draft.retired = [...draft.retired, draft.dhr].slice(-MAX_RETIRED_CHAINS);
  draft.pn = draft.ns;
  draft.ns = 0;
  draft.nr = 0;
  draft.dhr = header.dh;
  const receiving = rootStep(work, header.dh);
  drop(work, draft.ckr);
  draft.ckr = made(work, receiving.ck);
  draft.dhs = generateKeyPair();
  made(work, draft.dhs.secretKey);
  const sending = rootStep(work, header.dh);
  drop(work, draft.cks);
  draft.cks = made(work, sending.ck);
}

/** RK, ck = KDF_RK(RK, DH(DHs, remote)); sets the new RK and returns the chain key. */
function rootStep(work: Work, remote: Uint8Array): { ck: Uint8Array } {
  const { crypto, draft } = work;
  let dhOut: Uint8Array;
  try {
    dhOut = crypto.x25519(draft.dhs.secretKey, remote);
  } catch (error) {
    // An all-zero output (low-order point, RFC 7748 §6.1): the header's key is unusable.
    if (error instanceof CryptoError) throw new RatchetError('BAD_HEADER', 'unusable ratchet public key in header');
    throw error;
  }
  const { rk, ck } = kdfRk(crypto, draft.rk, dhOut);
  crypto.wipe(dhOut);
  drop(work, draft.rk);
  draft.rk = made(work, rk);
  return { ck };
}
