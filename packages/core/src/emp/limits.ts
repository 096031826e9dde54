/**
 * Fixed sizes of the edge-messaging protocol (docs/protocol/edge-messaging.md §Limits).
 */

/** Every transport frame after the handshake is exactly this long: sizes leak nothing. */
export const BLOCK_SIZE = 16384;
/** The block plaintext: BLOCK_SIZE less the 16-byte Poly1305 tag of the transport cipher. */
export const BLOCK_PLAINTEXT_SIZE = BLOCK_SIZE - 16;
/**
 * Largest SEND body. The MSG that delivers it (with the 24-byte correlation
 * id of a GET, the AEAD tag and the block header) adds 110 bytes and must fit
 * one block: 16,000 leaves 258 bytes spare for future fields.
 */
export const MAX_MESSAGE_BODY = 16000;
/** Queue ids and message ids: 24 random bytes, so they never repeat and can't be guessed. */
export const ID_LENGTH = 24;
export const MAX_CORRELATION_ID_LENGTH = 24;
export const KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;
export const MAX_PASSWORD_LENGTH = 255;

/** Protocol versions this implementation speaks. */
export const MIN_VERSION = 1;
export const MAX_VERSION = 2;
/** The first version with private message routing (PRXY, PFWD, RFWD; §7.8). */
export const FORWARDING_VERSION = 2;
/** How long a forwarding relay waits to reach a destination, and for each RFWD's answer (EMP §7.7). */
export const RELAY_FORWARD_TIMEOUT_MS = 10_000;
/**
 * How long a client waits for PRXY and PFWD: longer than the forwarding
 * relay's own waits, so that the relay's answer (ERR PROXY when the
 * destination is slow) arrives before the client gives up.
 */
export const CLIENT_FORWARD_TIMEOUT_MS = 25_000;
/**
 * A forwarded transmission is padded to this many bytes before sealing, so a
 * forwarding relay learns nothing from its length. It holds `len:u16` and a
 * signed SEND of MAX_MESSAGE_BODY with a 24-byte correlation id (16,122
 * bytes), and the PFWD carrying it fits one block (EMP §10).
 */
export const FORWARD_REQUEST_SIZE = 16200;
/** A sealed forward as it travels: the padded request and its 16-byte Poly1305 tag. */
export const SEALED_FORWARD_SIZE = FORWARD_REQUEST_SIZE + 16;
/** A forwarded response (`len:u16` and the response transmission) is padded to this many bytes. */
export const FORWARD_RESPONSE_SIZE = 128;
