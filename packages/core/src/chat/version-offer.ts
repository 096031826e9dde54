/**
 * The version upgrade offer (graph-chat §8.9): an optional content type
 * (§4.2), so a peer of an older version keeps it in its chain and ignores
 * it. A connection's version is fixed by its handshake; with this offer, a
 * connection made at version 3 moves to the highest version both clients
 * speak once both have sent one.
 *
 *   64 version-offer  highest:u8 (3..255): the highest graph-chat version the sender speaks
 */
import { DecodeError } from '../errors.js';
import type { Content } from './content.js';

export const VERSION_OFFER_TAG = 64;

/** "I speak up to `highest`": an optional content item (type 64). */
export function versionOffer(highest: number): Content {
  if (!Number.isInteger(highest) || highest < 3 || highest > 255) throw new RangeError(`a version offer names a version 3..255, not ${highest}`);
  return { type: 'optional', tag: VERSION_OFFER_TAG, body: Uint8Array.of(highest) };
}

/** The version a content item offers, if it is a version offer; DecodeError if it is one and malformed. */
export function offeredVersion(content: Content): number | null {
  if (content.type !== 'optional' || content.tag !== VERSION_OFFER_TAG) return null;
  if (content.body.length !== 1 || content.body[0]! < 3) throw new DecodeError('INVALID', 'a version offer is one byte, 3..255');
  return content.body[0]!;
}
