/**
 * Named limits of the Double Ratchet, each with the trade-off behind it.
 */

/**
 * Most message keys one received message may make us skip in one receiving
 * chain (Double Ratchet §3.2/§3.5 MAX_SKIP). Skipped keys let messages that
 * were delayed or reordered by relays still decrypt; the cap stops a peer or a
 * forged header from making us run the chain KDF (and store keys) without
 * bound. 1000 tolerates a long burst lost or delayed in transit (the sender
 * would have sent 1000 messages without hearing back) while costing at most
 * 1000 HMAC-SHA256 computations per message.
 */
export const MAX_SKIP = 1000;

/**
 * Most skipped message keys kept in total across all chains; when exceeded,
 * the oldest are deleted first (§6.4: skipped keys should be deleted after a
 * while, since a stored key is a key an attacker who takes the state can use).
 * 2000 bounds the encoded state at about 2000 × 68 bytes = 136 KB, and is
 * 2 × MAX_SKIP so that the skips one message can cause (up to MAX_SKIP for
 * the end of the previous chain plus MAX_SKIP in the new one) never evict
 * each other.
 */
export const MAX_SKIPPED_KEYS = 2 * MAX_SKIP;

/**
 * How many retired receiving-chain public keys are remembered so that a replay
 * of a message from such a chain is reported as DUPLICATE_OR_OLD rather than
 * DECRYPT. This only classifies a message the spec would reject anyway (its
 * key is gone): no key material is kept, 32 public bytes per chain. Replays
 * from older chains still fail, as DECRYPT.
 */
export const MAX_RETIRED_CHAINS = 16;

/** Header counters are u32 on the wire. */
export const MAX_COUNTER = 0xffff_ffff;
