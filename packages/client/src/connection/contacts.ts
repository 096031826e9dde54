/**
 * A profile's contacts as the user sees them, finding one by id or name,
 * and comparing a connection's security code (graph-chat §6).
 */
import { queueRelay, securityCode as codeOf, securityCodeMatches, type Crypto } from '@graphchat/core';
import { AgentError, type ContactInfo, type QueueInfo } from '../events.js';
import { activeProfile } from '../profile/profiles.js';
import type { AgentStore } from '../store/agent-store.js';
import { stepContext } from '../context.js';
import { contactConnections, contactKey, isDeviceChannel, ownPairs } from '../devices/contact-groups.js';
import { announcePair } from '../devices/fan-out.js';
import { chatVersionOf, isAgreed, type AgreedConnection, type ConnectionRecord } from '../store/records.js';

/**
 * Every connection of the contact with this id (devices.md §3: its pairs
 * and mirrors), whether the id is the contact's or one of its pairs';
 * throws AgentError NO_CONTACT. Device channels are no contacts.
 */
export function contactGroup(store: AgentStore, contactId: string): ConnectionRecord[] {
  const direct = store.getConnection(contactId);
  const key = direct === null ? contactId : contactKey(direct);
  const group = contactConnections(store, direct?.profileId, key);
  if (group.length === 0) throw new AgentError('NO_CONTACT', `no contact ${contactId}`);
  return group;
}

/**
 * The connection of the contact with this id that this device acts on: its
 * own connected pair (the first), else a pending one, else whatever it has
 * (a failed pair, a mirror); throws AgentError NO_CONTACT.
 */
export function connectionOf(store: AgentStore, contactId: string): ConnectionRecord {
  const group = contactGroup(store, contactId);
  const own = ownPairs(group);
  return own.find((c) => c.status === 'connected') ?? own[0] ?? group.find((c) => c.id === contactId) ?? group[0]!;
}

/**
 * The agreed connection with this id, for a step that seals or opens with
 * its ratchet: read inside the transaction that stores the next state, so
 * no other step's state is overwritten. The caller has checked the state
 * already; a connection without a ratchet here is a bug (TypeError).
 */
export function agreedConnectionOf(store: AgentStore, contactId: string): AgreedConnection {
  const connection = store.getConnection(contactId);
  if (connection === null) throw new AgentError('NO_CONTACT', `no connection ${contactId}`);
  if (!isAgreed(connection)) throw new TypeError(`connection ${contactId} is ${connection.status}, not agreed`);
  return connection;
}

/** A contact as shown: the connection this device acts on, with what the other connections of the contact add. */
function contactInfo(group: readonly ConnectionRecord[]): ContactInfo {
  const own = ownPairs(group);
  const c = own.find((p) => p.status === 'connected') ?? own[0] ?? group.find((p) => p.status !== 'mirror' && p.status !== 'failed') ?? group.find((p) => p.status !== 'failed') ?? group[0]!;
  const mirrors = group.filter((p) => p.status === 'mirror' && !p.closed);
  const asked = group.find((p) => p.modeProposal?.byPeer === true)?.modeProposal;
  const status = c.status === 'connected' ? 'connected' : c.status === 'failed' ? 'failed' : 'pending';
  return {
    ...connectionInfo(c, status),
    id: contactKey(c),
    name: group.map((p) => p.peerProfile?.displayName).find((name) => name !== undefined) ?? '',
    profile: c.peerProfile ?? group.find((p) => p.peerProfile !== null)?.peerProfile ?? null,
    // A pair introduced over a verified one is as verified as it (devices.md §5): the code was compared on one pair.
    verified: group.some((p) => p.codeVerified),
    modeRequest: asked != null ? { offTheRecord: asked.offTheRecord } : null,
    pairs: own.length,
    otherDevicePairs: mirrors.length,
    // Shown from another device's pair while this device's own is not connected yet (devices.md §4).
    connecting: mirrors.length > 0 && !own.some((p) => p.status === 'connected'),
  };
}

function connectionInfo(c: ConnectionRecord, status: ContactInfo['status']): Omit<ContactInfo, 'pairs' | 'otherDevicePairs' | 'connecting'> {
  return {
    id: c.id,
    profileId: c.profileId,
    name: c.peerProfile?.displayName ?? '',
    profile: c.peerProfile,
    status,
    verified: c.codeVerified,
    channel: c.channel,
    codeVerified: c.codeVerified,
    failure: c.failure,
    request: c.status === 'request',
    offTheRecord: c.offTheRecord === true,
    modeRequest: c.modeProposal?.byPeer === true ? { offTheRecord: c.modeProposal.offTheRecord } : null,
    version: chatVersionOf(c),
    queues: c.receiveQueues.map((q) => queueInfo(queueRelay(q.relay), q.state)),
    peerQueues: c.sendQueues.map((q) => queueInfo(q.relay, q.state)),
    move: c.move != null ? { step: c.move.step, since: c.move.startedAt } : c.moveWanted != null ? { step: 'wanted', since: c.moveWanted } : null,
    rotateAt: c.rotateAt ?? null,
  };
}

function queueInfo(relay: string, state: QueueInfo['state'] | undefined): QueueInfo {
  return state === undefined ? { relay } : { relay, state };
}

/**
 * The active profile's contacts, pending ones included, each once however
 * many pairs it has; its own open invitations and address are not contacts,
 * nor are its device channels.
 */
export function contacts(store: AgentStore): ContactInfo[] {
  const profile = activeProfile(store);
  const groups = new Map<string, ConnectionRecord[]>();
  for (const c of store.listConnections(profile.id)) {
    if (isDeviceChannel(c)) continue;
    const key = contactKey(c);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  // A group of nothing but open invitations is not a contact yet (an introduced pair waiting for the contact's device is part of a contact).
  return [...groups.values()].filter((group) => group.some((c) => c.status !== 'invited' && c.status !== 'address')).map(contactInfo);
}

export function findContact(store: AgentStore, idOrName: string): ContactInfo {
  const profileId = activeProfile(store).id;
  const byId = store.getConnection(idOrName);
  if (byId !== null && byId.profileId === profileId && !isDeviceChannel(byId)) return contactInfo(contactGroup(store, idOrName));
  if (byId === null && store.listConnections(profileId).some((c) => c.contact === idOrName)) return contactInfo(contactGroup(store, idOrName));
  const byName = contacts(store).filter((c) => c.name === idOrName);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new AgentError('AMBIGUOUS_CONTACT', `${byName.length} contacts are named "${idOrName}": use the contact id`);
  throw new AgentError('NO_CONTACT', `no contact "${idOrName}"`);
}

/** The connection's security code (graph-chat §6); both sides see the same one. */
export function securityCode(store: AgentStore, crypto: Crypto, contactId: string): string {
  const connection = connectionOf(store, contactId);
  if (connection.associatedData === null) throw new AgentError('NOT_CONNECTED', 'no security code before the contact has joined');
  return codeOf(crypto, connection.associatedData);
}

/** Marks the contact verified when `code` is its security code; returns whether it was. My other devices show it too (devices.md §6). */
export function verifyCode(store: AgentStore, crypto: Crypto, contactId: string, code: string, now: number): boolean {
  if (!securityCodeMatches(securityCode(store, crypto, contactId), code)) return false;
  store.transaction(() => {
    const verified = { ...connectionOf(store, contactId), codeVerified: true };
    store.putConnection(verified);
    if (isAgreed(verified)) announcePair(stepContext({ store, crypto }, now), verified);
  });
  return true;
}
