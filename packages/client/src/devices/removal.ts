/**
 * Removing a device (devices.md §9), from any other device of the profile:
 * every device is told (the removed one too, so it closes what it holds),
 * each contact's device closes its pairs with the removed device (a
 * device-remove on this device's own pair with it), and this device's
 * channel with it closes. Nothing else is re-keyed: no other device ever
 * held the removed device's keys.
 */
import { fromHex, MAX_DEVICES } from '@graphchat/core';
import { stepContext, type AgentCore } from '../context.js';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { sendSealed } from '../outbox/enqueue.js';
import { AgentError } from '../events.js';
import { activeProfile } from '../profile/profiles.js';
import { chatVersionOf, type MirrorConnection } from '../store/records.js';
import { deviceListContent, sealOnChannel } from './channel-out.js';
import { closeConnection } from './closing.js';
import { contactConnections, contactKey, pairIdOf, siblingChannels } from './contact-groups.js';
import { deviceList, putDeviceList, thisDeviceId } from './device-list.js';

export function removeDevice(core: AgentCore, deviceId: string): void {
  const { store, crypto } = core;
  const profile = activeProfile(store);
  const list = deviceList(store, profile.id);
  const device = list.find((d) => d.id === deviceId);
  if (device === undefined || device.removed) throw new AgentError('NO_DEVICE', `no device ${deviceId} linked to this profile`);
  const ctx = stepContext(core, core.now());
  store.transaction(() => {
    if (deviceId === thisDeviceId(store, crypto)) throw new AgentError('NO_DEVICE', 'this device cannot remove itself: remove it from another of your devices');
    putDeviceList(store, profile.id, list.map((d) => (d.id === deviceId ? { ...d, removed: true } : d)));
    for (const channel of siblingChannels(store, profile.id)) store.putConnection(sealOnChannel(ctx, channel, deviceListContent(ctx, profile.id)));
    const removedPairs = store.listConnections(profile.id).filter((c): c is MirrorConnection => c.status === 'mirror' && c.holder === deviceId && !c.closed);
    for (const key of new Set(removedPairs.map(contactKey))) {
      const pairIds = removedPairs.filter((m) => contactKey(m) === key).map((m) => fromHex(pairIdOf(crypto, m)));
      for (const pair of contactConnections(store, profile.id, key)) {
        if (pair.status !== 'connected' || chatVersionOf(pair) < 4) continue;
        let current = pair;
        for (let i = 0; i < pairIds.length; i += MAX_DEVICES) {
          const sealed = sealEnvelope(crypto, current, { type: 'device-remove', pairs: pairIds.slice(i, i + MAX_DEVICES) }, ctx.now);
          sendSealed(ctx, 'device', sealed);
          current = sealed.connection;
        }
        store.putConnection(current);
      }
    }
    for (const mirror of removedPairs) store.putConnection({ ...mirror, closed: true });
    // The removed device still gets the list that tells it, then nothing more.
    for (const channel of store.listConnections(profile.id)) {
      if (channel.device?.peer === deviceId && channel.status !== 'failed') store.putConnection(closeConnection(store, channel, 'device removed', true));
    }
  });
  core.emit([...ctx.events, { event: 'device-removed', device: deviceId, name: device.name, self: false }]);
  core.kick();
}
