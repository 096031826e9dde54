/**
 * Taking a connection off the record or back on it (graph-chat §8.5): the
 * `mode` envelopes this side seals, a proposal or the answer to the peer's.
 * The peer's side of it is in inbound.ts (modeChange).
 */
import { sealEnvelope } from './conversation.js';
import { sendSealed, type InboundContext } from './inbound.js';
import type { ConnectionRecord } from './store.js';

/** Seals and queues a `mode` envelope in the connection's current mode; returns the connection's new state. Runs inside the caller's transaction. */
function sealMode(ctx: InboundContext, connection: ConnectionRecord, offTheRecord: boolean, answer: boolean): ConnectionRecord {
  const sealed = sealEnvelope(ctx.crypto, connection, { type: 'mode', offTheRecord, answer }, ctx.now);
  sendSealed(ctx, 'mode', sealed);
  return sealed.connection;
}

/** This side proposes the switch; nothing changes until the peer's answer arrives. */
export function proposeMode(ctx: InboundContext, connection: ConnectionRecord, offTheRecord: boolean): ConnectionRecord {
  return { ...sealMode(ctx, connection, offTheRecord, false), modeProposal: { offTheRecord, byPeer: false } };
}

/**
 * This side agrees to the peer's proposal: the answer goes in the old mode,
 * everything after it in the new one. Unsigned envelopes from the peer stay
 * acceptable when going back on the record, until its first signed one
 * (inbound.ts): those on their way were written before it knew.
 */
export function acceptMode(ctx: InboundContext, connection: ConnectionRecord, offTheRecord: boolean): ConnectionRecord {
  const answered = sealMode(ctx, connection, offTheRecord, true);
  return { ...answered, offTheRecord, peerMayOmitSignatures: offTheRecord || answered.peerMayOmitSignatures === true, modeProposal: null };
}
