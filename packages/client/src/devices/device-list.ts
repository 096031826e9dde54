/**
 * This device and the devices of each profile (devices.md §3, §6): kept in
 * the store's meta records, as JSON. A device's id is random and never
 * leaves the person's own devices; its name is what the user called it.
 */
import { toHex, type Crypto } from '@graphchat/core';
import type { AgentStore } from '../store/agent-store.js';

export interface DeviceRecord {
  /** 8 random bytes, hex. */
  readonly id: string;
  readonly name: string;
  readonly removed: boolean;
  /** When a message of its device channel last arrived (ms), or null. */
  readonly lastSeen: number | null;
  readonly addedAt: number;
}

export const THIS_DEVICE = 'device.id';
const THIS_NAME = 'device.name';
const listKey = (profileId: string): string => `devices ${profileId}`;
export const DEFAULT_DEVICE_NAME = 'first device';

/** This device's id, drawn on first use. Call inside a transaction. */
export function thisDeviceId(store: AgentStore, crypto: Crypto): string {
  let id = store.getMeta(THIS_DEVICE);
  if (id === null) store.setMeta(THIS_DEVICE, (id = toHex(crypto.randomBytes(8))));
  return id;
}

export function thisDeviceName(store: AgentStore): string {
  return store.getMeta(THIS_NAME) ?? DEFAULT_DEVICE_NAME;
}

export function setThisDeviceName(store: AgentStore, name: string): void {
  store.setMeta(THIS_NAME, name);
}

/** The devices of a profile as this device knows them; this device first once it has linked any. */
export function deviceList(store: AgentStore, profileId: string): DeviceRecord[] {
  const stored = store.getMeta(listKey(profileId));
  return stored === null ? [] : (JSON.parse(stored) as DeviceRecord[]);
}

export function putDeviceList(store: AgentStore, profileId: string, devices: readonly DeviceRecord[]): void {
  store.setMeta(listKey(profileId), JSON.stringify(devices));
}

/** Whether the profile has a device list: it has linked, or been linked to, another device. */
export function hasDeviceList(store: AgentStore, profileId: string): boolean {
  return store.getMeta(listKey(profileId)) !== null;
}

/** The list with this device in it (added with its name if missing). Call inside a transaction. */
export function listWithThisDevice(store: AgentStore, crypto: Crypto, profileId: string, now: number): DeviceRecord[] {
  const id = thisDeviceId(store, crypto);
  const list = deviceList(store, profileId);
  if (list.some((d) => d.id === id)) return list;
  const withThis = [{ id, name: thisDeviceName(store), removed: false, lastSeen: null, addedAt: now }, ...list];
  putDeviceList(store, profileId, withThis);
  return withThis;
}

/**
 * Merges what another device says about the profile's devices: a device
 * unknown here is added, a removal is kept for good (a removed device is
 * never taken back, whatever order the lists arrive in). Returns the
 * merged list and the devices newly removed.
 */
export function mergeDevices(
  known: readonly DeviceRecord[],
  told: readonly { readonly id: string; readonly name: string; readonly removed: boolean }[],
  now: number,
): { list: DeviceRecord[]; removed: string[] } {
  const list = [...known];
  const removed: string[] = [];
  for (const entry of told) {
    const index = list.findIndex((d) => d.id === entry.id);
    if (index < 0) {
      list.push({ id: entry.id, name: entry.name, removed: entry.removed, lastSeen: null, addedAt: now });
      if (entry.removed) removed.push(entry.id);
      continue;
    }
    const current = list[index]!;
    if (entry.removed && !current.removed) removed.push(entry.id);
    list[index] = { ...current, name: current.removed ? current.name : entry.name, removed: current.removed || entry.removed };
  }
  return { list, removed };
}
