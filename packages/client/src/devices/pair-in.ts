/**
 * What a device does with a device message from a contact's device on a
 * pair connection (devices.md §5, §9): an introduction of another device of
 * the contact (device-add), or pairs to close because the contact removed
 * a device (device-remove). Both come signed inside a pair this device
 * already trusts, so no relay can add or remove anyone's device.
 */
import { encodeInvitation, formatInvitationLink, toHex, type DeviceContent } from '@graphchat/core';
import type { StepContext } from '../context.js';
import { requestRecord } from '../connection/request-record.js';
import { chatVersionOf, type AgreedConnection } from '../store/records.js';
import { closeConnection } from './closing.js';
import { contactConnections, contactKey, pairIdOfRecord } from './contact-groups.js';

/** Pair connections per contact, at most: 8 devices each side (devices.md §2). */
const MAX_PAIRS = 64;

export function deliverOnPair(ctx: StepContext, pair: AgreedConnection, content: Extract<DeviceContent, { type: 'device-add' | 'device-remove' }>): AgreedConnection {
  if (pair.status !== 'connected' || chatVersionOf(pair) < 4) {
    ctx.events.push({ event: 'rejected', contact: pair.id, reason: `${content.type} on a connection that does not speak version 4` });
    return pair;
  }
  return content.type === 'device-add' ? introduced(ctx, pair, content.invitation) : removed(ctx, pair, content.pairs.map(toHex));
}

/**
 * The contact introduces one more of its devices: a request that the work
 * loop joins without asking (devices/introducer.ts), as one contact with
 * the pair it came on. The same invitation twice is dropped.
 */
function introduced(ctx: StepContext, pair: AgreedConnection, invitation: Extract<DeviceContent, { type: 'device-add' }>['invitation']): AgreedConnection {
  const { store, crypto } = ctx;
  if (invitation.kind === 'device') {
    ctx.events.push({ event: 'rejected', contact: pair.id, reason: 'a device link inside a contact connection' });
    return pair;
  }
  const seen = `introduced ${toHex(crypto.sha256(encodeInvitation(invitation)))}`;
  if (store.getMeta(seen) !== null) return pair;
  const key = contactKey(pair);
  if (contactConnections(store, pair.profileId, key).length >= MAX_PAIRS) {
    ctx.events.push({ event: 'rejected', contact: pair.id, reason: `device-add dropped: ${MAX_PAIRS} connections with this contact already` });
    return pair;
  }
  const id = ctx.newId();
  const request = requestRecord(id, pair.profileId, formatInvitationLink(invitation), ctx.now, {
    introduced: true,
    peerProfile: pair.peerProfile,
    channel: pair.channel,
    contact: key,
    // An introduced pair keeps the conversation's mode.
    ...(invitation.kind === 'off-the-record' ? { offTheRecord: true, peerMayOmitSignatures: true } : {}),
  });
  store.setMeta(seen, id);
  store.putConnection(request);
  return pair;
}

/** The contact removed some of its devices: this device's pairs with them close (never pairs of another contact). */
function removed(ctx: StepContext, pair: AgreedConnection, pairIds: readonly string[]): AgreedConnection {
  const { store, crypto } = ctx;
  let next = pair;
  for (const connection of contactConnections(store, pair.profileId, contactKey(pair))) {
    const id = pairIdOfRecord(crypto, connection);
    if (connection.status === 'failed' || id === null || !pairIds.includes(id)) continue;
    if (connection.status === 'mirror') {
      store.putConnection({ ...connection, closed: true });
      continue;
    }
    // The pair it came on is closed from the state the caller holds (with this envelope delivered), not the stored one.
    if (connection.id === pair.id) next = closeConnection(store, next, 'the contact removed this device of theirs') as unknown as AgreedConnection;
    else store.putConnection(closeConnection(store, connection, 'the contact removed this device of theirs'));
    ctx.events.push({ event: 'peer-device-removed', contact: contactKey(connection) });
  }
  return next;
}
