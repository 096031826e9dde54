/**
 * Keys by what they are for. Several Ed25519 keys sit side by side in a
 * connection's records, and using one where another belongs would still
 * sign and verify: the per-connection key that signs envelopes
 * (graph-chat §4), the queue sender key that signs a SEND and the
 * recipient key that signs a queue's other commands (EMP §6). Each use is
 * a distinct type, so the compiler refuses a key in another's place. The
 * bytes are plain Uint8Arrays at run time and in the stored records.
 */
declare const use: unique symbol;
type KeyFor<Use extends string> = Uint8Array & { readonly [use]: Use };

/** Ed25519 public key that verifies a side's envelopes on one connection. */
export type EnvelopeSigningKey = KeyFor<'envelope signing key'>;
/** Its 64-byte secret key. */
export type EnvelopeSigningSecret = KeyFor<'envelope signing secret'>;
/** Ed25519 public key that a relay checks a queue's SEND against (registered by KEY). */
export type SenderKey = KeyFor<'queue sender key'>;
export type SenderSecret = KeyFor<'queue sender secret'>;
/** Ed25519 public key that a relay checks a queue's recipient commands against (given in NEW). */
export type RecipientKey = KeyFor<'queue recipient key'>;
export type RecipientSecret = KeyFor<'queue recipient secret'>;
/** The secret a queue's recipient shares with its relay, which opens delivered messages (EMP §8). */
export type QueueSecret = KeyFor<'queue secret'>;

export interface KeyPairRecord {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** The inviter's agreement key pairs A_dh and A_kem (graph-chat §1.1), kept until a confirmation is accepted. */
export interface AgreementSecrets {
  readonly dh: KeyPairRecord;
  readonly kem: KeyPairRecord;
}

/** Ed25519 key pairs drawn for one use. */
export function envelopeSigningKeys(pair: KeyPairRecord): { publicKey: EnvelopeSigningKey; secretKey: EnvelopeSigningSecret } {
  return pair as { publicKey: EnvelopeSigningKey; secretKey: EnvelopeSigningSecret };
}

export function senderKeys(pair: KeyPairRecord): { publicKey: SenderKey; secretKey: SenderSecret } {
  return pair as { publicKey: SenderKey; secretKey: SenderSecret };
}

export function recipientKeys(pair: KeyPairRecord): { publicKey: RecipientKey; secretKey: RecipientSecret } {
  return pair as { publicKey: RecipientKey; secretKey: RecipientSecret };
}

/** A peer's envelope signing key as it arrives in an invitation or a confirmation (graph-chat §1.1). */
export const asEnvelopeSigningKey = (bytes: Uint8Array): EnvelopeSigningKey => bytes as EnvelopeSigningKey;

/** A peer's queue sender key as it arrives in a confirmation or a reply (graph-chat §7.3). */
export const asSenderKey = (bytes: Uint8Array): SenderKey => bytes as SenderKey;

/** The secret a relay answered NEW with (EMP §8). */
export const asQueueSecret = (bytes: Uint8Array): QueueSecret => bytes as QueueSecret;
