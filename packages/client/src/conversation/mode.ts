/**
 * Taking a connection off the record or back on it (graph-chat §8.5): the
 * `mode` envelopes this side seals (a proposal, or the answer to the
 * peer's) and what the peer's do. Each side switches at a point of its own
 * sequence, and everything written before that point is sealed in the old
 * mode first: a message written off the record never goes out signed, nor
 * the reverse.
 *
 * Going off the record needs the peer's answer before either side stops
 * signing. Going back on, the proposer signs from its proposal on (signing
 * is never refused), so the peer may require signatures as soon as it
 * answers, and unsigned envelopes are accepted only from a side that is
 * still entitled to send them.
 */
import type { StepContext } from '../context.js';
import { announcePair } from '../devices/fan-out.js';
import type { AgreedConnection } from '../store/records.js';
import { sealEnvelope } from './envelope-crypto.js';
import { sendSealed } from '../outbox/enqueue.js';
import { sealQueued, sealReceipts } from './outbound.js';

/** Seals what was written before the switch, in the connection's current mode. */
function sealBefore(ctx: StepContext, connection: AgreedConnection): AgreedConnection {
  return sealReceipts(ctx, sealQueued(ctx, connection));
}

/** Seals and queues a `mode` envelope in the connection's current mode; returns the connection's new state. */
function sealMode(ctx: StepContext, connection: AgreedConnection, offTheRecord: boolean, answer: boolean): AgreedConnection {
  const sealed = sealEnvelope(ctx.crypto, connection, { type: 'mode', offTheRecord, answer }, ctx.now);
  sendSealed(ctx, 'mode', sealed);
  return sealed.connection;
}

/** This side proposes the switch. Runs inside the caller's transaction. */
export function proposeMode(ctx: StepContext, connection: AgreedConnection, offTheRecord: boolean): AgreedConnection {
  const current = sealBefore(ctx, connection);
  if (offTheRecord) return { ...sealMode(ctx, current, true, false), modeProposal: { offTheRecord: true, byPeer: false } };
  // Back on: sign from the proposal on; the peer may send unsigned until it answers.
  const signing: AgreedConnection = { ...current, offTheRecord: false };
  return { ...sealMode(ctx, signing, false, false), peerMayOmitSignatures: current.peerMayOmitSignatures === true, modeProposal: { offTheRecord: false, byPeer: false } };
}

/** This side agrees to switch to `offTheRecord`: the answer goes in the old mode, everything after it in the new one. */
export function acceptMode(ctx: StepContext, connection: AgreedConnection, offTheRecord: boolean): AgreedConnection {
  const answered = sealMode(ctx, sealBefore(ctx, connection), offTheRecord, true);
  ctx.events.push({ event: 'mode', contact: connection.id, offTheRecord });
  // Off: the peer stops signing once it has the answer. Back on: the peer has signed since its proposal.
  const switched: AgreedConnection = { ...answered, offTheRecord, peerMayOmitSignatures: offTheRecord, modeProposal: null };
  announcePair(ctx, switched);
  return switched;
}

/**
 * A `mode` envelope from the peer. A proposal waits for the user, unless
 * this side proposed the same and it counts as the answer; an answer to
 * this side's proposal switches. An answer for the mode already in force
 * (both proposed at once) changes nothing.
 */
export function peerModeChange(ctx: StepContext, connection: AgreedConnection, offTheRecord: boolean, answer: boolean): AgreedConnection {
  const own = connection.modeProposal;
  const inForce = connection.offTheRecord === true && connection.peerMayOmitSignatures === true;
  if (!answer) {
    if (own != null && !own.byPeer && own.offTheRecord === offTheRecord) return acceptMode(ctx, connection, offTheRecord);
    if (offTheRecord === inForce && own == null) return connection;
    ctx.events.push({ event: 'mode-request', contact: connection.id, offTheRecord });
    return { ...connection, modeProposal: { offTheRecord, byPeer: true } };
  }
  if (own == null || own.byPeer || own.offTheRecord !== offTheRecord) {
    if (offTheRecord === inForce) return connection;
    ctx.events.push({ event: 'rejected', contact: connection.id, reason: 'an answer to a mode change this side did not propose' });
    return connection;
  }
  ctx.events.push({ event: 'mode', contact: connection.id, offTheRecord });
  const current = offTheRecord ? sealBefore(ctx, connection) : connection;
  const switched: AgreedConnection = { ...current, offTheRecord, peerMayOmitSignatures: offTheRecord, modeProposal: null };
  // My other devices show the mode of this pair (devices.md §6, device-pair).
  announcePair(ctx, switched);
  return switched;
}
