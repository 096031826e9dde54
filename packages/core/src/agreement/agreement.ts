/**
 * The initial key agreement of a graphchat connection: hybrid X25519 +
 * ML-KEM-768, after Signal's PQXDH (revision 3,
 * https://signal.org/docs/specifications/pqxdh/) adapted to a setting with no
 * identity keys and no prekey server. Every connection has its own keys; the
 * inviter's public keys reach the joiner out of band (link or QR code), so no
 * relay can substitute them. The full description, with the reasons for each
 * choice, is docs/protocol/graph-chat.md §1.
 *
 *   A (inviter):  A_dh (X25519, also A's first ratchet key, like PQXDH's SPK_B),
 *                 A_kem (ML-KEM-768, like PQPK_B), A_sig (Ed25519, carried only)
 *   B (joiner):   B_dh (X25519, per connection), B_e (X25519, ephemeral),
 *                 B_sig (Ed25519, carried only)
 *
 *   DH1 = DH(B_dh, A_dh)   DH2 = DH(B_e, A_dh)   (CT, SS) = ML-KEM-768.Encaps(A_kem)
 *   SK  = HKDF-SHA256(ikm = F || DH1 || DH2 || SS, salt = 0^32,
 *                     info = "graphchat agreement v1 X25519 ML-KEM-768", L = 32)
 *   AD  = lp(A_dh) || lp(A_kem) || lp(A_sig) || lp(B_dh) || lp(B_sig),  lp(x) = len:u16 || x
 */
import { ByteWriter, concatBytes, utf8 } from '../bytes.js';
import {
  KEY_LENGTH,
  ML_KEM_768_CIPHERTEXT_LENGTH,
  ML_KEM_768_PUBLIC_KEY_LENGTH,
  type Crypto,
  type KeyPair,
} from '../crypto/crypto.js';
import { CryptoError } from '../errors.js';
import type { ConfirmationKeys, InvitationPublicKeys } from './codec.js';
import { AgreementError } from './errors.js';

/** HKDF info (PQXDH §2.1 "info"): names the protocol, its version and both primitives. */
export const AGREEMENT_INFO = 'graphchat agreement v1 X25519 ML-KEM-768';

/** The inviter's key pairs. Keep until the confirmation arrives; A_dh then becomes the ratchet's. */
export interface InvitationSecretKeys {
  readonly dh: KeyPair;
  readonly kem: KeyPair;
  readonly sig: KeyPair;
}

export interface InvitationKeys {
  /** What the invitation carries (encodeInvitationKeys). */
  readonly publicKeys: InvitationPublicKeys;
  /** What the inviter keeps, secret; includes the public keys. */
  readonly secretKeys: InvitationSecretKeys;
}

/** Fixed inputs for known-answer tests only; omit them to draw fresh keys. */
export interface InvitationKeyOptions {
  readonly dh?: KeyPair;
  /** 64-byte ML-KEM-768 key generation seed d || z (FIPS 203 ML-KEM.KeyGen_internal). */
  readonly kemSeed?: Uint8Array;
  readonly sig?: KeyPair;
}

/** Fixed inputs for known-answer tests only; omit them to draw fresh keys and randomness. */
export interface JoinOptions {
  readonly dh?: KeyPair;
  /** Wiped by joinAgreement once used. */
  readonly ephemeral?: KeyPair;
  readonly sig?: KeyPair;
  /** 32-byte ML-KEM-768 encapsulation randomness m (FIPS 203 ML-KEM.Encaps_internal). */
  readonly kemRandomness?: Uint8Array;
}

export interface AgreementResult {
  /** SK: the ratchet's initial root key (Double Ratchet §3.3). Secret. */
  readonly sharedKey: Uint8Array;
  /** AD: associated data for every ratchet message of the connection (Double Ratchet §3.4). */
  readonly associatedData: Uint8Array;
}

export interface JoinResult extends AgreementResult {
  /** What the confirmation carries (encodeConfirmationKeys). */
  readonly confirmation: ConfirmationKeys;
  /** B's per-connection key pairs. B_e is not among them: it is wiped. */
  readonly secretKeys: { readonly dh: KeyPair; readonly sig: KeyPair };
}

/** F of PQXDH §2.2 / X3DH §2.2 for X25519: 32 0xFF bytes, there for domain separation from XEdDSA; kept so the KDF is exactly PQXDH's. */
const F = new Uint8Array(32).fill(0xff);
/** PQXDH §2.2: a zero-filled salt as long as the hash output. */
const SALT = new Uint8Array(32);

export function createInvitationKeys(crypto: Crypto, options: InvitationKeyOptions = {}): InvitationKeys {
  const dh = options.dh ?? crypto.x25519KeyPair();
  const kem = crypto.mlKem768KeyPair(options.kemSeed);
  const sig = options.sig ?? crypto.ed25519KeyPair();
  return {
    publicKeys: { dh: dh.publicKey.slice(), kem: kem.publicKey.slice(), sig: sig.publicKey.slice() },
    secretKeys: { dh, kem, sig },
  };
}

/**
 * B's side (PQXDH §3.3 "Sending the initial message"). Throws AgreementError
 * if a key of the invitation is unusable. B then initialises the ratchet as
 * sender: initSender(crypto, sharedKey, invitation.dh).
 */
export function joinAgreement(crypto: Crypto, invitation: InvitationPublicKeys, options: JoinOptions = {}): JoinResult {
  checkX25519Key('A_dh', invitation.dh);
  if (invitation.kem.length !== ML_KEM_768_PUBLIC_KEY_LENGTH) throw new AgreementError('BAD_KEY', 'A_kem has the wrong length');
  checkX25519Key('A_sig', invitation.sig);
  const dh = options.dh ?? crypto.x25519KeyPair();
  const ephemeral = options.ephemeral ?? crypto.x25519KeyPair();
  const sig = options.sig ?? crypto.ed25519KeyPair();
  const secrets: Uint8Array[] = [];
  try {
    // DH1 binds B_dh, B's key within this connection (PQXDH's IK_A): only its holder (or A) can compute SK.
    secrets.push(mapBadKey('A_dh', () => crypto.x25519(dh.secretKey, invitation.dh)));
    // DH2 (PQXDH's DH3 = DH(EK_A, SPK_B)): B_e is wiped below, so a later leak of B_dh does not reveal SK.
    secrets.push(mapBadKey('A_dh', () => crypto.x25519(ephemeral.secretKey, invitation.dh)));
    // SS: every X25519 key above is public, so a future quantum computer recovers DH1 and DH2; SS survives it.
    const { ciphertext, sharedSecret } = mapBadKey('A_kem', () =>
      crypto.mlKem768Encapsulate(invitation.kem, options.kemRandomness),
    );
    secrets.push(sharedSecret);
    const confirmation = { dh: dh.publicKey.slice(), ephemeral: ephemeral.publicKey.slice(), sig: sig.publicKey.slice(), ciphertext };
    return {
      sharedKey: kdf(crypto, secrets),
      associatedData: associatedData(invitation, confirmation),
      confirmation,
      secretKeys: { dh, sig },
    };
  } finally {
    // DH2's secret half exists only for this agreement: forward secrecy against a later leak of B_dh.
    crypto.wipe(ephemeral.secretKey);
    for (const secret of secrets) crypto.wipe(secret);
  }
}

/**
 * A's side (PQXDH §3.4 "Receiving the initial message"). Throws
 * AgreementError if a key of the confirmation is unusable. A then initialises
 * the ratchet as receiver: initReceiver(crypto, sharedKey, secretKeys.dh).
 * A tampered CT does not fail here (FIPS 203 implicit rejection): it gives a
 * different SK, so the first ratchet message fails to decrypt.
 */
export function acceptAgreement(crypto: Crypto, secretKeys: InvitationSecretKeys, confirmation: ConfirmationKeys): AgreementResult {
  checkX25519Key('B_dh', confirmation.dh);
  checkX25519Key('B_e', confirmation.ephemeral);
  checkX25519Key('B_sig', confirmation.sig);
  if (confirmation.ciphertext.length !== ML_KEM_768_CIPHERTEXT_LENGTH) {
    throw new AgreementError('BAD_CIPHERTEXT', 'CT has the wrong length');
  }
  const secrets: Uint8Array[] = [];
  try {
    secrets.push(mapBadKey('B_dh', () => crypto.x25519(secretKeys.dh.secretKey, confirmation.dh)));
    secrets.push(mapBadKey('B_e', () => crypto.x25519(secretKeys.dh.secretKey, confirmation.ephemeral)));
    // With CT's length checked, only A's own decapsulation key can fail here (FIPS 203 §7.3 hash check).
    secrets.push(mapBadKey('A_kem', () => crypto.mlKem768Decapsulate(confirmation.ciphertext, secretKeys.kem.secretKey)));
    const invitation = { dh: secretKeys.dh.publicKey, kem: secretKeys.kem.publicKey, sig: secretKeys.sig.publicKey };
    return { sharedKey: kdf(crypto, secrets), associatedData: associatedData(invitation, confirmation) };
  } finally {
    for (const secret of secrets) crypto.wipe(secret);
  }
}

/**
 * PQXDH §2.2 KDF over DH1 || DH2 || SS in one HKDF call: SK stays secret if
 * either the X25519 part or ML-KEM is unbroken. Running the outputs through
 * HKDF, never using a raw DH output or a concatenation as a key, is what the
 * 2022 SimpleX audit found skipped in its X3DH.
 */
function kdf(crypto: Crypto, secrets: readonly Uint8Array[]): Uint8Array {
  const ikm = concatBytes(F, ...secrets);
  try {
    return crypto.hkdfSha256(ikm, SALT, utf8(AGREEMENT_INFO), KEY_LENGTH);
  } finally {
    crypto.wipe(ikm);
  }
}

/**
 * AD of PQXDH §3.3, extended to every per-connection public key either side
 * will rely on: A's three and B's two long-lived ones. Each is length-prefixed
 * (u16) so no two key lists encode alike. B_e and CT are not included: a
 * change to either changes SK instead.
 */
function associatedData(a: InvitationPublicKeys, b: ConfirmationKeys): Uint8Array {
  const w = new ByteWriter(2 * 5 + 4 * KEY_LENGTH + ML_KEM_768_PUBLIC_KEY_LENGTH);
  return w.longBytes(a.dh).longBytes(a.kem).longBytes(a.sig).longBytes(b.dh).longBytes(b.sig).finish();
}

function checkX25519Key(name: string, key: Uint8Array): void {
  if (key.length !== KEY_LENGTH) throw new AgreementError('BAD_KEY', `${name} must be ${KEY_LENGTH} bytes`);
}

function mapBadKey<T>(name: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'BAD_KEY') {
      throw new AgreementError('BAD_KEY', `${name} is unusable: ${error.message}`);
    }
    throw error;
  }
}
