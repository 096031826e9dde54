/**
 * What a user does about a profile's relays and a connection's queues
 * (graph-chat §8.6): change the relay list (every connection then moves),
 * list the relays in use, rotate one connection's queues now, rekey it,
 * and set the rotation period.
 */
import { connectionOf } from '../connection/contacts.js';
import { stepContext, type AgentCore } from '../context.js';
import { offerResync } from '../conversation/resync.js';
import { AgentError, type RelayInfo } from '../events.js';
import { shareProfile } from '../devices/fan-out.js';
import { updateRelays } from '../profile/profiles.js';
import { isAgreed, type AgreedConnection, type ConnectionRecord, type ProfileRecord } from '../store/records.js';
import { groupOf } from '../transport/sessions.js';
import { relayKey } from '../transport/relay-pool.js';
import { canMove, offList } from './mover.js';

/** A year: a longer period would leave queue ids in place for about as long as never rotating. */
const MAX_ROTATION_MS = 365 * 24 * 60 * 60 * 1000;

function profileOf(core: AgentCore, id: string): ProfileRecord {
  const profile = core.store.getProfile(id);
  if (profile === null) throw new AgentError('NO_PROFILE', `no profile ${id}`);
  return profile;
}

/**
 * Sets the profile's relays, and asks every connection of it whose queues
 * are on other relays to move there, at once, so that the moves show as
 * wanted before the work loop runs. The work loop asks for the same on
 * every pass (mover.ts), so nothing is lost to a crash in between, or to a
 * connection that was mid-move or not yet connected. Connections whose
 * contact speaks version 2 keep their queues.
 */
export function setRelays(core: AgentCore, profileId: string, relays: readonly string[]): void {
  updateRelays(core.store, profileId, relays);
  const now = core.now();
  core.store.transaction(() => {
    // My other devices take the new list, and move their own connections too (devices.md §6).
    shareProfile(stepContext(core, now), profileId);
    for (const connection of core.store.listConnections(profileId)) {
      if (canMove(connection) && connection.move == null && connection.moveWanted == null && offList(core.store, connection)) {
        core.store.putConnection({ ...connection, moveWanted: now });
      }
    }
  });
  core.kick();
}

export function addRelay(core: AgentCore, profileId: string, address: string): void {
  const profile = profileOf(core, profileId);
  const key = relayKey(address);
  if (profile.relays.some((relay) => relayKey(relay) === key)) throw new AgentError('BAD_RELAY_ADDRESS', `${key} is on the list already`);
  setRelays(core, profileId, [...profile.relays, address]);
}

export function removeRelay(core: AgentCore, profileId: string, address: string): void {
  const profile = profileOf(core, profileId);
  const key = relayKey(address);
  const relays = profile.relays.filter((relay) => relayKey(relay) !== key);
  if (relays.length === profile.relays.length) throw new AgentError('BAD_RELAY_ADDRESS', `${key} is not on the list`);
  setRelays(core, profileId, relays);
}

/** The profile's relays, then those it no longer lists that still hold queues of its connections. */
export function relayList(core: AgentCore, profileId: string): RelayInfo[] {
  const profile = profileOf(core, profileId);
  const rows = new Map<string, { address: string; listed: boolean; connections: Set<string>; leaving: number; up: boolean | null }>();
  for (const address of profile.relays) {
    // The profile's own session (invitations, the contact address) tells too, when no connection has one yet.
    const session = core.pool.existing(address, `profile ${profile.id}`);
    rows.set(relayKey(address), { address, listed: true, connections: new Set(), leaving: 0, up: session === undefined ? null : session.isUp });
  }
  for (const connection of core.store.listConnections(profileId)) {
    if (connection.status === 'failed') continue;
    for (const queue of connection.receiveQueues) {
      const key = relayKey(queue.relay);
      const row = rows.get(key) ?? { address: queue.relay, listed: false, connections: new Set<string>(), leaving: 0, up: null };
      if (queue.state === 'retiring' || queue.state === 'deleting') row.leaving++;
      else row.connections.add(connection.id);
      const session = core.pool.existing(queue.relay, groupOf(core.store, connection));
      if (session !== undefined) row.up = (row.up ?? false) || session.isUp;
      rows.set(key, row);
    }
  }
  return [...rows.values()].map(({ connections, ...row }) => ({ ...row, connections: connections.size }));
}

function movable(core: AgentCore, contactId: string): AgreedConnection {
  const connection = connectionOf(core.store, contactId);
  if (connection.status !== 'connected' || !isAgreed(connection)) throw new AgentError('NOT_CONNECTED', 'the contact has not joined yet');
  if (!canMove(connection)) {
    throw new AgentError('UNSUPPORTED_VERSION', "this connection speaks graph-chat version 2 (the contact's graphchat was older when you connected): it cannot move queues or rekey, and keeps working as it is; connect again to get both");
  }
  return connection;
}

/** Moves the connection to new queues on the profile's relays now (a rotation on demand). */
export function rotate(core: AgentCore, contactId: string): void {
  core.store.transaction(() => {
    const connection = movable(core, contactId);
    if (connection.moveWanted == null) core.store.putConnection({ ...connection, moveWanted: core.now() });
  });
  core.kick();
}

/**
 * Runs a fresh hybrid agreement inside the connection (graph-chat §8.6,
 * the offer and answer of §8.7 marked as a rekey): a new root key, and a
 * new AD, so the security code changes on both sides.
 */
export function rekey(core: AgentCore, contactId: string): void {
  const ctx = stepContext(core, core.now());
  core.store.transaction(() => {
    const connection = movable(core, contactId);
    if (connection.resyncOffer != null) throw new AgentError('BUSY', 'a new agreement with this contact is already under way');
    core.store.putConnection(offerResync(ctx, connection, false, true));
  });
  core.emit(ctx.events);
  core.kick();
}

/** Sets how often the profile's connections rotate their queues (ms; 0 turns rotation off). Each plans its next rotation afresh. */
export function setRotation(core: AgentCore, profileId: string, periodMs: number): void {
  if (!Number.isSafeInteger(periodMs) || periodMs < 0 || periodMs > MAX_ROTATION_MS) throw new AgentError('BAD_PROFILE', 'the rotation period is a whole number of ms up to a year, 0 for off');
  const profile = profileOf(core, profileId);
  core.store.transaction(() => {
    core.store.putProfile({ ...profile, rotationMs: periodMs });
    for (const connection of core.store.listConnections(profileId)) {
      if (connection.rotateAt === undefined) continue;
      const { rotateAt: _planned, ...rest } = connection;
      core.store.putConnection(rest as ConnectionRecord);
    }
  });
  core.kick();
}
