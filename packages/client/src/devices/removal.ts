/**
 * Removing a device (devices.md §9), from any other device of the profile:
 * every device is told (the removed one too, so it closes what it holds),
 * each contact's device closes its pairs with the removed device (a
 * device-remove on this device's own pair with it), and this device's
 * channel with it closes. Nothing else is re-keyed: no other device ever
 * held the removed device's keys.
 */
import { fromHex, MAX_DEVICES } from '@graphchat/core';
import { stepContext, type AgentCore, type StepContext } from '../context.js';
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
  if (device === undefined) throw new AgentError('NO_DEVICE', `no device ${deviceId} linked to this profile`);
  if (device.removed) throw new AgentError('NO_DEVICE', `device ${device.name} (${deviceId}) was removed already`);
  const ctx = stepContext(core, core.now());
  store.transaction(() => {
    if (deviceId === thisDeviceId(store, crypto)) throw new AgentError('NO_DEVICE', 'this device cannot remove itself: remove it from another of your devices');
    // Every channel, the removed device's too (taken before the list marks it removed), gets the list that says so.
    const channels = siblingChannels(store, profile.id);
    putDeviceList(store, profile.id, list.map((d) => (d.id === deviceId ? { ...d, removed: true } : d)));
    for (const channel of channels) store.putConnection(sealOnChannel(ctx, channel, deviceListContent(ctx, profile.id)));
    tellContactsOfRemoval(ctx, profile.id, deviceId);
    // The removed device still gets the list that tells it, then nothing more; offers of channels not yet joined are withdrawn.
    for (const channel of store.listConnections(profile.id)) {
      if (channel.device == null || channel.status === 'failed') continue;
      if (channel.device.peer === deviceId) store.putConnection(closeConnection(store, channel, 'device removed', true));
      else if (channel.status === 'invited' || channel.status === 'request') store.putConnection(closeConnection(store, channel, 'device removed'));
    }
  });
  core.emit([...ctx.events, { event: 'device-removed', device: deviceId, name: device.name, self: false }]);
  core.kick();
}

/**
 * Closes the removed device's pairs at each contact device this device has
 * a version 4 pair with (a device-remove naming them, at most 8 per
 * envelope), and shows them closed here. Every device that learns of a
 * removal does this, so a contact device that the removing device has no
 * pair with hears of it from another (closing a closed pair does nothing).
 */
export function tellContactsOfRemoval(ctx: StepContext, profileId: string, deviceId: string): void {
  const { store, crypto } = ctx;
  const removedPairs = store.listConnections(profileId).filter((c): c is MirrorConnection => c.status === 'mirror' && c.holder === deviceId && !c.closed);
  for (const key of new Set(removedPairs.map(contactKey))) {
    const pairIds = removedPairs.filter((m) => contactKey(m) === key).map((m) => fromHex(pairIdOf(crypto, m)));
    for (const pair of contactConnections(store, profileId, key)) {
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
}
