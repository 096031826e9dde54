/**
 * A contact as a set of pair connections (devices.md §3): one per device of
 * mine and device of theirs that are connected, plus mirrors of the pairs
 * my other devices hold. They share the contact id that all my devices use
 * for the contact (`contact`, or the first connection's own id).
 */
import { toHex, type Crypto } from '@graphchat/core';
import type { AgentStore } from '../store/agent-store.js';
import { deviceList, hasDeviceList } from './device-list.js';
import { isAgreed, signingAD, type AgreedConnection, type ConnectionRecord, type MirrorConnection } from '../store/records.js';

/** The contact a connection belongs to. */
export function contactKey(connection: ConnectionRecord): string {
  return connection.contact ?? connection.id;
}

export function isDeviceChannel(connection: ConnectionRecord): boolean {
  return connection.device != null;
}

/** Every connection of a contact (its pairs, pending or failed, and mirrors), device channels never; of every profile if none is given. */
export function contactConnections(store: AgentStore, profileId: string | undefined, key: string): ConnectionRecord[] {
  return store.listConnections(profileId).filter((c) => !isDeviceChannel(c) && contactKey(c) === key);
}

/** The pairs this device holds itself and still uses. */
export function ownPairs(group: readonly ConnectionRecord[]): ConnectionRecord[] {
  return group.filter((c) => c.status !== 'mirror' && c.status !== 'failed' && c.status !== 'request' && c.status !== 'address');
}

/** Pair ids by AD array: records are immutable, so one hash per AD. */
const pairIds = new WeakMap<Uint8Array, string>();

/** A pair connection's id among both persons' devices: SHA-256 of its handshake AD, hex (devices.md §6). */
export function pairIdOf(crypto: Crypto, connection: { readonly associatedData: Uint8Array; readonly handshakeAD?: Uint8Array }): string {
  const ad = signingAD(connection);
  let id = pairIds.get(ad);
  if (id === undefined) pairIds.set(ad, (id = toHex(crypto.sha256(ad))));
  return id;
}

/** The pair id of a connection that has its AD (agreed, failed after agreeing, or a mirror); null before. */
export function pairIdOfRecord(crypto: Crypto, connection: ConnectionRecord): string | null {
  const { associatedData, handshakeAD } = connection;
  return associatedData === null ? null : pairIdOf(crypto, { associatedData, ...(handshakeAD !== undefined ? { handshakeAD } : {}) });
}

/** The record id of the mirror of a pair: its whole pair id, so no two pairs' mirrors share one. */
export function mirrorId(pairIdHex: string): string {
  return `m${pairIdHex}`;
}

/** The agreed pair or mirror of a profile with this pair id, if any. */
export function findPair(store: AgentStore, crypto: Crypto, profileId: string, pairIdHex: string): AgreedConnection | MirrorConnection | null {
  const mirror = store.getConnection(mirrorId(pairIdHex));
  if (mirror?.status === 'mirror') return mirror;
  for (const connection of store.listConnections(profileId)) {
    if (isAgreed(connection) && !isDeviceChannel(connection) && pairIdOf(crypto, connection) === pairIdHex) return connection;
  }
  return null;
}

/** The highest Lamport counter seen in a contact's conversation (devices.md §7). */
export function conversationCounter(store: AgentStore, connection: ConnectionRecord): number {
  let max = 0;
  for (const c of contactConnections(store, connection.profileId, contactKey(connection))) max = Math.max(max, c.lamport ?? 0);
  return max;
}

/** The connected device channels of a profile with devices not removed: where device messages go. */
export function siblingChannels(store: AgentStore, profileId: string): AgreedConnection[] {
  // Asked on every text sent and received: a profile that never linked a device has no list, and costs one lookup.
  if (!hasDeviceList(store, profileId)) return [];
  const removed = new Set(deviceList(store, profileId).flatMap((d) => (d.removed ? [d.id] : [])));
  return store.listConnections(profileId).filter((c): c is AgreedConnection => c.device != null && c.status === 'connected' && !removed.has(c.device.peer ?? ''));
}

/**
 * The first pair of the chain of introductions each pair of a profile comes
 * from (`introducedVia`, a mirror's `via`): an introduction over a pair
 * reaches that pair's contact device, so pairs with one root lead to one
 * device of the contact.
 */
export function pairRoots(store: AgentStore, crypto: Crypto, profileId: string): (pairIdHex: string) => string {
  const via = new Map<string, string>();
  for (const c of store.listConnections(profileId)) {
    if (c.status === 'mirror') via.set(pairIdOf(crypto, c), c.via);
    else if (c.device == null) {
      const id = pairIdOfRecord(crypto, c);
      if (id !== null) via.set(id, c.introducedVia ?? '');
    }
  }
  return (id: string): string => {
    for (let hops = 0; hops < 64; hops++) {
      const up = via.get(id);
      if (up === undefined || up === '') return id;
      id = up;
    }
    return id;
  };
}
