/** The devices of a profile as an interface shows them, and the security code of a device channel (devices.md §4). */
import { securityCode } from '@graphchat/core';
import type { AgentCore } from '../context.js';
import { AgentError, type DeviceInfo } from '../events.js';
import { activeProfile } from '../profile/profiles.js';
import { deviceList, thisDeviceId, thisDeviceName } from './device-list.js';

/** The active profile's devices, this one first; removed ones included (shown as such). */
export function devices(core: AgentCore): DeviceInfo[] {
  const { store, crypto } = core;
  const profile = activeProfile(store);
  // Not stored from here: a list stored by a read would keep the default name, and a name given later to linkDevice would not reach it.
  const me = store.transaction(() => thisDeviceId(store, crypto));
  const stored = deviceList(store, profile.id);
  const list = stored.some((d) => d.id === me) ? stored : [{ id: me, name: thisDeviceName(store), removed: false, lastSeen: null }, ...stored];
  const channels = store.listConnections(profile.id).filter((c) => c.device != null);
  return [...list.filter((d) => d.id === me), ...list.filter((d) => d.id !== me)].map((d) => {
    const channel = channels.find((c) => c.device?.peer === d.id);
    return {
      device: d.id,
      name: d.name,
      lastSeen: d.lastSeen,
      this: d.id === me,
      removed: d.removed,
      connected: d.id === me || (!d.removed && channel?.status === 'connected'),
    };
  });
}

/** The security code of this device's channel with another (graph-chat §6): both devices show the same one. */
export function deviceCode(core: AgentCore, deviceId: string): string {
  const channel = core.store.listConnections(activeProfile(core.store).id).find((c) => c.device?.peer === deviceId);
  if (channel?.associatedData == null) throw new AgentError('NO_DEVICE', `no device ${deviceId} linked to this profile`);
  return securityCode(core.crypto, channel.associatedData);
}
