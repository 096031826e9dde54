/**
 * What a device tells its other devices (devices.md §6): each device
 * message is an envelope on a device channel, sealed inside the caller's
 * transaction. Sealing on a channel the caller is itself delivering on
 * would overwrite its state: those callers pass it as `except`, and seal on
 * it through the state they hold.
 */
import { fromHex, MAX_DEVICES, type Content, type DevicePair, type DeviceMessageStatus } from '@graphchat/core';
import { profileContent } from '../connection/handshake.js';
import type { StepContext } from '../context.js';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { sendSealed } from '../outbox/enqueue.js';
import { chatVersionOf, signingAD, type AgreedConnection, type ConnectionRecord, type MessageRecord, type MirrorConnection } from '../store/records.js';
import { contactKey, pairIdOf, siblingChannels } from './contact-groups.js';
import { deviceList, listWithThisDevice, putDeviceList, setThisDeviceName, thisDeviceId } from './device-list.js';

const NO_PAIR = new Uint8Array(32);

/** Seals one device message on a channel; returns the channel's new state (the caller stores it). */
export function sealOnChannel(ctx: StepContext, channel: AgreedConnection, content: Content): AgreedConnection {
  const sealed = sealEnvelope(ctx.crypto, channel, content, ctx.now);
  sendSealed(ctx, 'device', sealed);
  return sealed.connection;
}

/** Seals `content` on every connected channel of the profile but `except`, reading and storing each. */
export function toSiblings(ctx: StepContext, profileId: string, content: Content, except?: string): void {
  for (const channel of siblingChannels(ctx.store, profileId)) {
    if (channel.id !== except) ctx.store.putConnection(sealOnChannel(ctx, channel, content));
  }
}

/** A pair (mine or a mirror) as device-pair describes it. */
export function devicePair(ctx: StepContext, pair: AgreedConnection | MirrorConnection): DevicePair {
  const mirror = pair.status === 'mirror' ? pair : null;
  const via = mirror?.via ?? pair.introducedVia ?? '';
  return {
    contact: fromHex(contactKey(pair)),
    holder: fromHex(mirror?.holder ?? thisDeviceId(ctx.store, ctx.crypto)),
    via: via === '' ? NO_PAIR : fromHex(via),
    since: pair.since ?? 0,
    verified: pair.codeVerified,
    offTheRecord: pair.offTheRecord === true,
    closed: mirror?.closed ?? false,
    introducible: mirror?.introducible ?? chatVersionOf(pair) >= 4,
    ad: signingAD(pair),
    holderKey: pair.signingPublicKey,
    peerKey: pair.peerSigningKey,
    ...(pair.peerProfile !== null ? { profile: profileContent(pair.peerProfile) } : {}),
  };
}

/** A text of a pair as device-message carries it, with its status now. */
export function deviceMessage(ctx: StepContext, pair: AgreedConnection | MirrorConnection, message: MessageRecord): Content | null {
  if (message.envelope === null || message.kind !== 'text') return null;
  const status: DeviceMessageStatus = message.direction === 'received' ? 'received' : message.status === 'delivered' ? 'delivered' : 'sent';
  return {
    type: 'device-message',
    contact: fromHex(contactKey(pair)),
    pair: fromHex(pairIdOf(ctx.crypto, pair)),
    direction: message.direction,
    status,
    localTime: message.localTime,
    envelope: message.envelope,
  };
}

/** The device-list this device sends: itself first (devices.md §6). */
export function deviceListContent(ctx: StepContext, profileId: string): Content {
  const me = thisDeviceId(ctx.store, ctx.crypto);
  const list = listWithThisDevice(ctx.store, ctx.crypto, profileId, ctx.now);
  // At most MAX_DEVICES entries: this device, the others, then as many removed ones as fit (a removal is for good, and mostly known already).
  const ordered = [...list.filter((d) => d.id === me), ...list.filter((d) => d.id !== me && !d.removed), ...list.filter((d) => d.id !== me && d.removed)].slice(0, MAX_DEVICES);
  return { type: 'device-list', devices: ordered.map((d) => ({ id: fromHex(d.id), removed: d.removed, name: d.name })) };
}

/** The pairs (connected, or mirrors) a device shares: what its other devices need to show and reach each contact. */
export function sharedPairs(connections: readonly ConnectionRecord[]): (AgreedConnection | MirrorConnection)[] {
  return connections.filter((c): c is AgreedConnection | MirrorConnection => c.device == null && (c.status === 'connected' || (c.status === 'mirror' && !c.closed)));
}

/**
 * What a device sends on a channel just connected that is not its link to a
 * new device: its device list, and the pairs it holds with their texts (the
 * other device missed what this one wrote and received while they had no
 * channel; what it has already, it keeps once, devices.md §4).
 */
export function greetDevice(ctx: StepContext, channel: AgreedConnection): AgreedConnection {
  let current = sealOnChannel(ctx, channel, deviceListContent(ctx, channel.profileId));
  const own = sharedPairs(ctx.store.listConnections(channel.profileId)).filter((pair): pair is AgreedConnection => pair.status !== 'mirror');
  for (const pair of own) current = sealOnChannel(ctx, current, { type: 'device-pair', pair: devicePair(ctx, pair) });
  for (const pair of own) {
    for (const message of ctx.store.listMessages(pair.id)) {
      const content = deviceMessage(ctx, pair, message);
      if (content !== null) current = sealOnChannel(ctx, current, content);
    }
  }
  return current;
}

/**
 * What the linking device sends once the new device's channel is connected
 * (devices.md §4 step 4): the device list, the profile, every pair (so the
 * new device shows each contact and asks to be introduced), and, if the user
 * chose so, every text of them in order. Returns the channel's new state.
 */
export function shareWithNewDevice(ctx: StepContext, channel: AgreedConnection, history: boolean): AgreedConnection {
  const { store } = ctx;
  let current = sealOnChannel(ctx, channel, deviceListContent(ctx, channel.profileId));
  const profile = store.getProfile(channel.profileId);
  if (profile !== null) current = sealOnChannel(ctx, current, { type: 'device-profile', profile: profileContent(profile.profile), relays: profile.relays });
  const pairs = sharedPairs(store.listConnections(channel.profileId));
  for (const pair of pairs) current = sealOnChannel(ctx, current, { type: 'device-pair', pair: devicePair(ctx, pair) });
  if (!history) return current;
  for (const pair of pairs) {
    for (const message of store.listMessages(pair.id)) {
      const content = deviceMessage(ctx, pair, message);
      if (content !== null) current = sealOnChannel(ctx, current, content);
    }
  }
  return current;
}

/**
 * This device's name, in the store and in the list of every profile it is
 * in; the other devices get the list again. Inside the caller's transaction.
 */
export function renameThisDevice(ctx: StepContext, name: string): void {
  const { store, crypto } = ctx;
  setThisDeviceName(store, name);
  const me = thisDeviceId(store, crypto);
  for (const profile of store.listProfiles()) {
    const list = deviceList(store, profile.id);
    if (!list.some((d) => d.id === me && d.name !== name)) continue;
    putDeviceList(store, profile.id, list.map((d) => (d.id === me ? { ...d, name } : d)));
    toSiblings(ctx, profile.id, deviceListContent(ctx, profile.id));
  }
}
