/**
 * Binary forms of the public keys each side of the initial key agreement
 * sends (docs/protocol/graph-chat.md §1.5). Both are fixed-length and
 * versioned; the version is that of the agreement (it selects the KDF info
 * string), so an unknown version is rejected rather than guessed at.
 *
 *   invitation keys   (1249 bytes)  version:u8 = 1 || A_dh:32 || A_kem:1184 || A_sig:32
 *   confirmation keys (1185 bytes)  version:u8 = 1 || B_dh:32 || B_e:32 || B_sig:32 || CT:1088
 *
 * Decoding checks layout only. Whether a key is usable (not a low-order
 * X25519 point, an ML-KEM key passing the FIPS 203 modulus check) shows when
 * it is used, as AgreementError from joinAgreement/acceptAgreement.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { ML_KEM_768_CIPHERTEXT_LENGTH, ML_KEM_768_PUBLIC_KEY_LENGTH } from '../crypto/crypto.js';
import { DecodeError } from '../errors.js';

export const AGREEMENT_VERSION = 1;
const KEY = 32;
export const INVITATION_KEYS_LENGTH = 1 + KEY + ML_KEM_768_PUBLIC_KEY_LENGTH + KEY;
export const CONFIRMATION_KEYS_LENGTH = 1 + 3 * KEY + ML_KEM_768_CIPHERTEXT_LENGTH;

/** The public keys of the inviter A, carried in the out-of-band invitation. */
export interface InvitationPublicKeys {
  /** A_dh: X25519 per-connection key, also A's first ratchet public key. */
  readonly dh: Uint8Array;
  /** A_kem: ML-KEM-768 encapsulation key (FIPS 203 ek). */
  readonly kem: Uint8Array;
  /** A_sig: Ed25519 per-connection signing key (carried, not used by the agreement). */
  readonly sig: Uint8Array;
}

/** The public keys of the joiner B, carried in its encrypted confirmation. */
export interface ConfirmationKeys {
  /** B_dh: X25519 per-connection key. */
  readonly dh: Uint8Array;
  /** B_e: X25519 ephemeral key, used once for DH2. */
  readonly ephemeral: Uint8Array;
  /** B_sig: Ed25519 per-connection signing key (carried, not used by the agreement). */
  readonly sig: Uint8Array;
  /** CT: ML-KEM-768 ciphertext to A_kem. */
  readonly ciphertext: Uint8Array;
}

function checkLength(name: string, value: Uint8Array, length: number): void {
  if (value.length !== length) throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
}

export function encodeInvitationKeys(keys: InvitationPublicKeys): Uint8Array {
  checkLength('A_dh', keys.dh, KEY);
  checkLength('A_kem', keys.kem, ML_KEM_768_PUBLIC_KEY_LENGTH);
  checkLength('A_sig', keys.sig, KEY);
  return new ByteWriter(INVITATION_KEYS_LENGTH).u8(AGREEMENT_VERSION).bytes(keys.dh).bytes(keys.kem).bytes(keys.sig).finish();
}

function readVersion(r: ByteReader, what: string): void {
  const version = r.u8();
  if (version !== AGREEMENT_VERSION) throw new DecodeError('INVALID', `unknown ${what} version ${version}`);
}

/** Throws DecodeError unless `bytes` is exactly one encoded set of invitation keys of a known version. */
export function decodeInvitationKeys(bytes: Uint8Array): InvitationPublicKeys {
  const r = new ByteReader(bytes);
  readVersion(r, 'invitation keys');
  const dh = r.bytes(KEY);
  const kem = r.bytes(ML_KEM_768_PUBLIC_KEY_LENGTH);
  const sig = r.bytes(KEY);
  r.end();
  return { dh, kem, sig };
}

export function encodeConfirmationKeys(keys: ConfirmationKeys): Uint8Array {
  checkLength('B_dh', keys.dh, KEY);
  checkLength('B_e', keys.ephemeral, KEY);
  checkLength('B_sig', keys.sig, KEY);
  checkLength('CT', keys.ciphertext, ML_KEM_768_CIPHERTEXT_LENGTH);
  return new ByteWriter(CONFIRMATION_KEYS_LENGTH)
    .u8(AGREEMENT_VERSION)
    .bytes(keys.dh)
    .bytes(keys.ephemeral)
    .bytes(keys.sig)
    .bytes(keys.ciphertext)
    .finish();
}

/** Throws DecodeError unless `bytes` is exactly one encoded set of confirmation keys of a known version. */
export function decodeConfirmationKeys(bytes: Uint8Array): ConfirmationKeys {
  const r = new ByteReader(bytes);
  readVersion(r, 'confirmation keys');
  const dh = r.bytes(KEY);
  const ephemeral = r.bytes(KEY);
  const sig = r.bytes(KEY);
  const ciphertext = r.bytes(ML_KEM_768_CIPHERTEXT_LENGTH);
  r.end();
  return { dh, ephemeral, sig, ciphertext };
}
