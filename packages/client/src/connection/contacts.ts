/**
 * A profile's contacts as the user sees them, finding one by id or name,
 * and comparing a connection's security code (graph-chat §6).
 */
import { queueRelay, securityCode as codeOf, securityCodeMatches, type Crypto } from '@graphchat/core';
import { AgentError, type ContactInfo, type QueueInfo } from '../events.js';
import { activeProfile } from '../profile/profiles.js';
import type { AgentStore } from '../store/agent-store.js';
import { chatVersionOf, isAgreed, type AgreedConnection, type ConnectionRecord } from '../store/records.js';

/** The connection with this id; throws AgentError NO_CONTACT. */
export function connectionOf(store: AgentStore, contactId: string): ConnectionRecord {
  const connection = store.getConnection(contactId);
  if (connection === null) throw new AgentError('NO_CONTACT', `no contact ${contactId}`);
  return connection;
}

/**
 * The agreed connection with this id, for a step that seals or opens with
 * its ratchet: read inside the transaction that stores the next state, so
 * no other step's state is overwritten. The caller has checked the state
 * already; a connection without a ratchet here is a bug (TypeError).
 */
export function agreedConnectionOf(store: AgentStore, contactId: string): AgreedConnection {
  const connection = connectionOf(store, contactId);
  if (!isAgreed(connection)) throw new TypeError(`connection ${contactId} is ${connection.status}, not agreed`);
  return connection;
}

function contactInfo(c: ConnectionRecord): ContactInfo {
  return {
    id: c.id,
    profileId: c.profileId,
    name: c.peerProfile?.displayName ?? '',
    profile: c.peerProfile,
    status: c.status === 'connected' ? 'connected' : c.status === 'failed' ? 'failed' : 'pending',
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

/** The active profile's contacts, pending ones included; its own open invitations and address are not contacts. */
export function contacts(store: AgentStore): ContactInfo[] {
  const profile = activeProfile(store);
  return store
    .listConnections(profile.id)
    .filter((c) => c.status !== 'invited' && c.status !== 'address')
    .map(contactInfo);
}

export function findContact(store: AgentStore, idOrName: string): ContactInfo {
  const byId = store.getConnection(idOrName);
  if (byId !== null && byId.profileId === activeProfile(store).id) return contactInfo(byId);
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

/** Marks the contact verified when `code` is its security code; returns whether it was. */
export function verifyCode(store: AgentStore, crypto: Crypto, contactId: string, code: string): boolean {
  if (!securityCodeMatches(securityCode(store, crypto, contactId), code)) return false;
  store.transaction(() => store.putConnection({ ...connectionOf(store, contactId), codeVerified: true }));
  return true;
}
