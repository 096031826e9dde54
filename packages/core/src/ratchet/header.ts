/**
 * The message header HEADER(dh_pair, pn, n) of Double Ratchet §3.1 (no header
 * encryption), and CONCAT(ad, header) of §3.4. Exact layouts, also given in
 * docs/protocol/vectors/ratchet.json:
 *
 *   header = dh:32 || pn:u32 || n:u32                      (40 bytes)
 *   CONCAT(ad, header) = len(ad):u32 || ad || header
 *
 * dh is the sender's current ratchet public key (X25519), pn the length of
 * the sender's previous sending chain, n the message number in the current
 * chain; integers are unsigned big-endian. The length prefix makes CONCAT
 * parseable as a unique pair, as §3.4 requires.
 */
import { checkU32, getU32, putU32 } from '../bytes.js';
import { DecodeError } from '../errors.js';

export const RATCHET_PUBLIC_KEY_LENGTH = 32;
export const HEADER_LENGTH = RATCHET_PUBLIC_KEY_LENGTH + 4 + 4;

export interface RatchetHeader {
  /** The sender's current ratchet public key. */
  readonly dh: Uint8Array;
  /** Number of messages in the sender's previous sending chain. */
  readonly pn: number;
  /** Number of this message in the sender's current sending chain. */
  readonly n: number;
}

// The header and CONCAT are made and read on every message, so they are
// written byte by byte: a ByteWriter or ByteReader would add a buffer copy and
// a DataView per call.

export function encodeHeader(header: RatchetHeader): Uint8Array {
  if (header.dh.length !== RATCHET_PUBLIC_KEY_LENGTH) throw new RangeError('ratchet public key must be 32 bytes');
  checkU32(header.pn);
  checkU32(header.n);
  const out = new Uint8Array(HEADER_LENGTH);
  out.set(header.dh);
  putU32(out, RATCHET_PUBLIC_KEY_LENGTH, header.pn);
  putU32(out, RATCHET_PUBLIC_KEY_LENGTH + 4, header.n);
  return out;
}

/** Throws DecodeError (from ../errors.js) unless `bytes` is exactly one header. */
export function decodeHeader(bytes: Uint8Array): RatchetHeader {
  if (bytes.length < HEADER_LENGTH) throw new DecodeError('TRUNCATED', `a header is ${HEADER_LENGTH} bytes, got ${bytes.length}`);
  if (bytes.length > HEADER_LENGTH) throw new DecodeError('TRAILING', `${bytes.length - HEADER_LENGTH} unexpected trailing bytes`);
  return {
    dh: bytes.slice(0, RATCHET_PUBLIC_KEY_LENGTH),
    pn: getU32(bytes, RATCHET_PUBLIC_KEY_LENGTH),
    n: getU32(bytes, RATCHET_PUBLIC_KEY_LENGTH + 4),
  };
}

/** CONCAT(ad, header) of §3.4. */
export function concatAd(ad: Uint8Array, encodedHeader: Uint8Array): Uint8Array {
  return concatAdInto(new Uint8Array(4 + ad.length + encodedHeader.length), ad, encodedHeader);
}

function concatAdInto(out: Uint8Array, ad: Uint8Array, encodedHeader: Uint8Array): Uint8Array {
  checkU32(ad.length);
  putU32(out, 0, ad.length);
  out.set(ad, 4);
  out.set(encodedHeader, 4 + ad.length);
  return out;
}

/** Up to this size, concatAdTransient reuses one buffer. */
const CONCAT_SCRATCH_LENGTH = 1024;
const concatScratch = new Uint8Array(CONCAT_SCRATCH_LENGTH);

/**
 * concatAd into a buffer reused from call to call, valid only until the next
 * call: for the ratchet, which hands it straight to the AEAD. CONCAT holds
 * public values only, and a fresh typed array of more than 64 bytes costs
 * about 0.8 us to allocate, as much as the AEAD of a short message.
 */
export function concatAdTransient(ad: Uint8Array, encodedHeader: Uint8Array): Uint8Array {
  const length = 4 + ad.length + encodedHeader.length;
  if (length > CONCAT_SCRATCH_LENGTH) return concatAd(ad, encodedHeader);
  return concatAdInto(concatScratch.subarray(0, length), ad, encodedHeader);
}
