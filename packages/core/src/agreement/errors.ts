import { CodedError } from '../errors.js';

/**
 * The closed set of failures of joinAgreement and acceptAgreement. Each means
 * the peer's (or a relay's) keys are unusable; the connection attempt is
 * abandoned and no key material from it is kept.
 */
export type AgreementErrorCode =
  /**
   * A public key is unusable: an X25519 key giving a low-order (all-zero)
   * result (RFC 7748 §6.1), or an ML-KEM-768 encapsulation key of the wrong
   * length or failing the FIPS 203 §7.2 modulus check.
   */
  | 'BAD_KEY'
  /** The ML-KEM-768 ciphertext is not 1088 bytes (FIPS 203 §7.3 input check). */
  | 'BAD_CIPHERTEXT';

export class AgreementError extends CodedError<AgreementErrorCode> {
  override readonly name = 'AgreementError';
}
