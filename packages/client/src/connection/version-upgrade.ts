/**
 * Moving a connection made at version 3 to a newer version both clients
 * speak (graph-chat §8.9): each side sends a version offer once; once a side
 * has sent its own and holds the peer's, everything it seals from then on
 * is of the lower of the two highest versions. The peer's offer comes
 * before anything it seals at the new version (its chain is in order), so
 * both sides switch before they need to.
 */
import { CHAT_VERSIONS, versionOffer } from '@graphchat/core';
import type { StepContext } from '../context.js';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { announcePair } from '../devices/fan-out.js';
import { sendSealed } from '../outbox/enqueue.js';
import { chatVersionOf, type AgreedConnection, type ConnectionRecord } from '../store/records.js';

/** A connected connection of version 3 or newer, below this client's, that has not sent its offer. */
export function wantsVersionOffer(connection: ConnectionRecord): boolean {
  const version = chatVersionOf(connection);
  return connection.status === 'connected' && version >= 3 && version < CHAT_VERSIONS.max && connection.versionOffered !== true;
}

/** Seals this side's offer; returns the connection's new state (upgraded if the peer's offer is in). */
export function offerVersion(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  const sealed = sealEnvelope(ctx.crypto, connection, versionOffer(CHAT_VERSIONS.max), ctx.now);
  sendSealed(ctx, 'handshake', sealed);
  return upgradeWhenBothOffered(ctx, { ...sealed.connection, versionOffered: true });
}

/** The peer's offer arrived: kept, and answered with this side's own if it has not sent one. */
export function peerOfferedVersion(ctx: StepContext, connection: AgreedConnection, highest: number): AgreedConnection {
  const next = { ...connection, peerVersion: highest };
  return wantsVersionOffer(next) ? offerVersion(ctx, next) : upgradeWhenBothOffered(ctx, next);
}

function upgradeWhenBothOffered(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  if (connection.versionOffered !== true || connection.peerVersion === undefined) return connection;
  const version = Math.min(CHAT_VERSIONS.max, connection.peerVersion);
  if (version <= chatVersionOf(connection)) return connection;
  const upgraded = { ...connection, version };
  // Now introducible (devices.md §5): my other devices learn it, and ask to be introduced over it.
  announcePair(ctx, upgraded);
  return upgraded;
}
