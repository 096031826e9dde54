/**
 * Resyncs offered on no evidence (graph-chat §8.7): a message the ratchet
 * cannot open, or a gap before held envelopes that stays open. Neither
 * proves anything (a relay can cause both), so no one is told, and a relay
 * must not be able to keep a connection busy re-keying: at most one such
 * resync an hour per connection.
 */
import type { StepContext } from '../context.js';
import type { AgreedConnection, ConnectionRecord } from '../store/records.js';
import { offerAgain, offerResync } from './resync.js';

const UNPROVEN_RESYNC_INTERVAL_MS = 60 * 60 * 1000;
/** How long a gap before held envelopes may stay open before a resync asks for what it lacks. */
export const GAP_RESYNC_MS = 60 * 1000;

export function unprovenResync(inbound: StepContext, connection: AgreedConnection): AgreedConnection {
  // With an offer waiting, its answer may be what was lost: the same offer again, not a new one.
  if (connection.resyncOffer != null) return offerAgain(inbound, connection);
  if (inbound.now - (connection.unprovenResyncAt ?? -Infinity) < UNPROVEN_RESYNC_INTERVAL_MS) return connection;
  const offered = offerResync(inbound, connection, false);
  return offered === connection ? connection : { ...offered, unprovenResyncAt: inbound.now };
}

/**
 * An envelope held past a gap. A gap still open GAP_RESYNC_MS after it
 * opened is no relay's delay (each queue delivers in order) but envelopes
 * lost: by a relay, or by this side's state going back to an older copy
 * after it had received them. A resync has the peer send them again.
 */
export function waitForGap(inbound: StepContext, connection: AgreedConnection): AgreedConnection {
  if (connection.gapSince == null) return { ...connection, gapSince: inbound.now };
  return gapOverdue(connection, inbound.now) ? unprovenResync(inbound, connection) : connection;
}

/** Whether the connection's gap has been open GAP_RESYNC_MS: the work loop asks too, for a gap followed by silence. */
export function gapOverdue(connection: ConnectionRecord, now: number): boolean {
  return connection.gapSince != null && now - connection.gapSince >= GAP_RESYNC_MS;
}
