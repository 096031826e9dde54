/**
 * Binary form of a RatchetState, for the caller's storage. Version 1 layout
 * (integers unsigned big-endian, keys 32 bytes):
 *
 *   version:u8 = 1
 *   flags:u8             bit 0: DHr present, bit 1: CKs present, bit 2: CKr present; others 0
 *   DHs.secret:32 DHs.public:32
 *   [DHr:32] RK:32 [CKs:32] [CKr:32]
 *   Ns:u32 Nr:u32 PN:u32
 *   skippedCount:u16     at most MAX_SKIPPED_KEYS
 *   skippedCount × (dh:32 n:u32 mk:32)           oldest first
 *   retiredCount:u8      at most MAX_RETIRED_CHAINS
 *   retiredCount × dh:32                          oldest first
 *
 * The encoding holds every secret of the session: store it as such.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { MAX_RETIRED_CHAINS, MAX_SKIPPED_KEYS } from './limits.js';
import { makeState, skippedKeyId, type RatchetState, type SkippedKey } from './state.js';

export const RATCHET_STATE_VERSION = 1;
const KEY = 32;
const HAS_DHR = 1;
const HAS_CKS = 2;
const HAS_CKR = 4;

export function encodeRatchetState(state: RatchetState): Uint8Array {
  const flags = (state.dhr ? HAS_DHR : 0) | (state.cks ? HAS_CKS : 0) | (state.ckr ? HAS_CKR : 0);
  const w = new ByteWriter(256 + state.skipped.size * (2 * KEY + 4));
  w.u8(RATCHET_STATE_VERSION).u8(flags).bytes(state.dhs.secretKey).bytes(state.dhs.publicKey);
  if (state.dhr) w.bytes(state.dhr);
  w.bytes(state.rk);
  if (state.cks) w.bytes(state.cks);
  if (state.ckr) w.bytes(state.ckr);
  w.u32(state.ns);
  w.u32(state.nr);
  w.u32(state.pn);
  w.u16(state.skipped.size);
  for (const { dh, n, mk } of state.skipped.values()) w.bytes(dh).u32(n).bytes(mk);
  w.u8(state.retired.length);
  for (const dh of state.retired) w.bytes(dh);
  return w.finish();
}

/** Throws DecodeError unless `bytes` is exactly one encoded state of a known version. */
export function decodeRatchetState(bytes: Uint8Array): RatchetState {
  const r = new ByteReader(bytes);
  const version = r.u8();
  if (version !== RATCHET_STATE_VERSION) throw new DecodeError('INVALID', `unknown ratchet state version ${version}`);
  const flags = r.u8();
  if ((flags & ~(HAS_DHR | HAS_CKS | HAS_CKR)) !== 0) throw new DecodeError('INVALID', 'unknown ratchet state flags');
  const secretKey = r.bytes(KEY);
  const dhs = { secretKey, publicKey: r.bytes(KEY) };
  const dhr = flags & HAS_DHR ? r.bytes(KEY) : null;
  const rk = r.bytes(KEY);
  const cks = flags & HAS_CKS ? r.bytes(KEY) : null;
  const ckr = flags & HAS_CKR ? r.bytes(KEY) : null;
  const ns = r.u32();
  const nr = r.u32();
  const pn = r.u32();
  const skippedCount = r.u16();
  if (skippedCount > MAX_SKIPPED_KEYS) throw new DecodeError('INVALID', 'too many skipped keys');
  const skipped = new Map<string, SkippedKey>();
  for (let i = 0; i < skippedCount; i++) {
    const dh = r.bytes(KEY);
    const n = r.u32();
    const id = skippedKeyId(dh, n);
    if (skipped.has(id)) throw new DecodeError('INVALID', 'duplicate skipped key');
    skipped.set(id, { dh, n, mk: r.bytes(KEY) });
  }
  const retiredCount = r.u8();
  if (retiredCount > MAX_RETIRED_CHAINS) throw new DecodeError('INVALID', 'too many retired chains');
  const retired: Uint8Array[] = [];
  for (let i = 0; i < retiredCount; i++) retired.push(r.bytes(KEY));
  r.end();
  return makeState({ dhs, dhr, rk, cks, ckr, ns, nr, pn, skipped, retired });
}
