/**
 * What a device does with a device message from another of its devices
 * (devices.md §6), inside the transaction that delivers it. Each handler
 * takes the channel's state and returns its next one; other connections it
 * changes are read and stored here.
 */
import {
  encodeInvitation,
  formatInvitationLink,
  fromHex,
  decodeUnsignedEnvelope,
  isUnsignedEnvelope,
  openEnvelope,
  parseRelayAddress,
  toHex,
  type DeviceContent,
  type DevicePair,
} from '@graphchat/core';
import type { StepContext } from '../context.js';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { sendSealed } from '../outbox/enqueue.js';
import { asEnvelopeSigningKey } from '../store/keys.js';
import { chatVersionOf, type AgreedConnection, type MirrorConnection, type ProfileData } from '../store/records.js';
import { requestRecord } from '../connection/request-record.js';
import { tellContactsOfRemoval } from './removal.js';
import { deviceListContent, sealOnChannel, toSiblings } from './channel-out.js';
import { closeConnection } from './closing.js';
import { contactKey, findPair, isDeviceChannel, mirrorId, siblingChannels } from './contact-groups.js';
import { deviceList, listWithThisDevice, mergeDevices, putDeviceList, thisDeviceId } from './device-list.js';
import { shownId, storeText } from './texts.js';

type ChannelContent = Exclude<DeviceContent, { type: 'device-add' | 'device-remove' }>;

export function deliverOnChannel(ctx: StepContext, channel: AgreedConnection, content: DeviceContent): AgreedConnection {
  const next = seen(ctx, channel);
  switch (content.type) {
    case 'device-add':
    case 'device-remove':
      ctx.events.push({ event: 'rejected', contact: null, reason: `${content.type} on a device channel` });
      return next;
    default:
      return channelStep(ctx, next, content);
  }
}

function channelStep(ctx: StepContext, channel: AgreedConnection, content: ChannelContent): AgreedConnection {
  switch (content.type) {
    case 'device-list':
      return deviceListStep(ctx, channel, content.devices.map((d) => ({ id: toHex(d.id), name: d.name, removed: d.removed })));
    case 'device-profile':
      profileStep(ctx, channel.profileId, content.profile as ProfileData, content.relays);
      return channel;
    case 'device-pair':
      pairStep(ctx, channel.profileId, content.pair);
      return channel;
    case 'device-message':
      messageStep(ctx, channel.profileId, content);
      return channel;
    case 'device-invite':
      inviteStep(ctx, channel.profileId, content);
      return channel;
    case 'device-delivered':
      deliveredStep(ctx, toHex(content.pair), content.seqs);
      return channel;
    case 'device-join':
      joinStep(ctx, channel, toHex(content.to), content.invitation);
      return channel;
  }
}

/**
 * A device channel offered by one of my devices to another that has none
 * with it (three devices or more, devices.md §4): joined if it is for this
 * device (the work loop joins it, devices/introducer.ts), else passed on
 * once to the device it is for, over this device's channel with it.
 */
function joinStep(ctx: StepContext, channel: AgreedConnection, to: string, invitation: Extract<DeviceContent, { type: 'device-join' }>['invitation']): void {
  const { store, crypto } = ctx;
  const seen = `device join ${toHex(crypto.sha256(encodeInvitation(invitation)))}`;
  if (store.getMeta(seen) !== null) return;
  store.setMeta(seen, channel.id);
  if (to !== thisDeviceId(store, crypto)) {
    const onward = siblingChannels(store, channel.profileId).find((c) => c.device?.peer === to && c.id !== channel.id);
    if (onward !== undefined) store.putConnection(sealOnChannel(ctx, onward, { type: 'device-join', to: fromHex(to), invitation }));
    return;
  }
  const request = requestRecord(ctx.newId(), channel.profileId, formatInvitationLink(invitation), ctx.now, { introduced: true, device: { peer: null } });
  store.putConnection(request);
}

/** The sending device was just heard from: its lastSeen. */
function seen(ctx: StepContext, channel: AgreedConnection): AgreedConnection {
  const peer = channel.device?.peer;
  if (peer == null) return channel;
  const list = deviceList(ctx.store, channel.profileId);
  if (list.some((d) => d.id === peer)) putDeviceList(ctx.store, channel.profileId, list.map((d) => (d.id === peer ? { ...d, lastSeen: ctx.now } : d)));
  return channel;
}

/**
 * A device list: merged into this device's (removals are for good). Its
 * first entry is the sending device, which names the channel's peer. A
 * device newly removed is closed out here; this device removed, all of the
 * profile's connections close.
 */
function deviceListStep(ctx: StepContext, channel: AgreedConnection, told: { id: string; name: string; removed: boolean }[]): AgreedConnection {
  const { store, crypto } = ctx;
  const sender = told[0]!;
  const me = thisDeviceId(store, crypto);
  let next = channel;
  if (sender.id === me || deviceList(store, channel.profileId).some((d) => d.id === sender.id && d.removed)) {
    // A removed device (one that kept an invitation meant for another, say) never gets a channel back.
    ctx.events.push({ event: 'rejected', contact: null, reason: 'a device list from a removed device, or one naming this device as its sender' });
    return closeConnection(store, next, 'device removed') as unknown as AgreedConnection;
  }
  if (channel.device?.peer == null) {
    next = { ...next, device: { ...channel.device, peer: sender.id } };
    ctx.events.push({ event: 'device-linked', device: sender.id, name: sender.name });
  } else if (channel.device.peer !== sender.id) {
    ctx.events.push({ event: 'rejected', contact: null, reason: 'a device list from another device than the channel has' });
    return next;
  }
  const known = listWithThisDevice(store, crypto, channel.profileId, ctx.now);
  const { list, removed } = mergeDevices(known, told, ctx.now);
  putDeviceList(store, channel.profileId, list);
  // A device the others may not know yet (one linked through this device): they hear of it from here.
  if (list.length > known.length) toSiblings(ctx, channel.profileId, deviceListContent(ctx, channel.profileId), channel.id);
  for (const id of removed) {
    const name = list.find((d) => d.id === id)?.name ?? '';
    ctx.events.push({ event: 'device-removed', device: id, name, self: id === me });
    if (id === me) closeAll(ctx, channel.profileId, channel.id, 'this device was removed');
    else closeDevice(ctx, channel.profileId, id, channel.id);
    if (id === me || id === next.device?.peer) next = closeConnection(store, next, id === me ? 'this device was removed' : 'device removed') as unknown as AgreedConnection;
  }
  return next;
}

/**
 * Another device was removed: its channels with this one close, its pairs
 * are shown closed and closed at each contact device this one reaches
 * (devices.md §9), and channel offers not yet joined are withdrawn (the
 * removed device may hold one meant for another; new ones follow).
 */
export function closeDevice(ctx: StepContext, profileId: string, deviceId: string, except?: string): void {
  const { store } = ctx;
  tellContactsOfRemoval(ctx, profileId, deviceId);
  for (const connection of store.listConnections(profileId)) {
    if (connection.id === except || connection.device == null || connection.status === 'failed') continue;
    const pendingOffer = connection.device.peer !== deviceId && (connection.status === 'invited' || connection.status === 'request');
    if (connection.device.peer === deviceId || pendingOffer) store.putConnection(closeConnection(store, connection, 'device removed'));
  }
}

/** This device was removed: every connection of the profile closes, pairs and channels alike, and no mirror stands in for one. */
function closeAll(ctx: StepContext, profileId: string, except: string, reason: string): void {
  const { store } = ctx;
  for (const connection of store.listConnections(profileId)) {
    if (connection.id === except || connection.status === 'failed') continue;
    if (connection.status === 'mirror') {
      if (!connection.closed) store.putConnection({ ...connection, closed: true });
    } else store.putConnection(closeConnection(store, connection, reason));
  }
}

function profileStep(ctx: StepContext, profileId: string, profile: ProfileData, relays: readonly string[]): void {
  const record = ctx.store.getProfile(profileId);
  if (record === null) return;
  const usable = relays.filter((relay) => {
    try {
      parseRelayAddress(relay);
      return true;
    } catch {
      return false;
    }
  });
  // The relay list changing moves this device's queues too, as on the device that changed it (moves/mover.ts).
  ctx.store.putProfile({ ...record, profile, relays: usable.length > 0 ? usable : record.relays });
  ctx.events.push({ event: 'device-profile', profile: profileId, name: profile.displayName });
}

/** A pair another device holds: kept as a mirror (devices.md §6), which this device shows and may ask to be introduced over. */
function pairStep(ctx: StepContext, profileId: string, pair: DevicePair): void {
  const { store, crypto } = ctx;
  const holder = toHex(pair.holder);
  const pairHex = toHex(crypto.sha256(pair.ad));
  if (holder === thisDeviceId(store, crypto)) return;
  const own = findPair(store, crypto, profileId, pairHex);
  if (own !== null && own.status !== 'mirror') return; // this device's own pair, told back
  const id = mirrorId(pairHex);
  const existing = store.getConnection(id);
  const before = existing?.status === 'mirror' ? existing : null;
  const mirror: MirrorConnection = {
    id,
    profileId,
    role: 'joiner',
    status: 'mirror',
    contact: toHex(pair.contact),
    holder,
    via: pair.via.every((b) => b === 0) ? '' : toHex(pair.via),
    since: pair.since,
    introducible: pair.introducible,
    closed: pair.closed || (before?.closed ?? false),
    associatedData: pair.ad,
    signingPublicKey: asEnvelopeSigningKey(pair.holderKey),
    signingSecretKey: new Uint8Array(0) as MirrorConnection['signingSecretKey'],
    peerSigningKey: asEnvelopeSigningKey(pair.peerKey),
    peerProfile: (pair.profile as ProfileData | undefined) ?? before?.peerProfile ?? null,
    channel: 'link',
    codeVerified: pair.verified,
    ...(pair.offTheRecord ? { offTheRecord: true } : {}),
    receiveQueues: [],
    sendQueues: [],
    lastSentSeq: 0,
    lastSentHash: new Uint8Array(32),
    lastReceivedSeq: 0,
    lastReceivedHash: new Uint8Array(32),
    createdAt: before?.createdAt ?? ctx.now,
    receiptsDue: [],
    invitationLink: null,
    agreementSecrets: null,
    ratchet: null,
    failure: null,
    ...(before?.lamport !== undefined ? { lamport: before.lamport } : {}),
  };
  const known = store.listConnections(profileId).some((c) => c.id !== id && c.device == null && contactKey(c) === mirror.contact);
  store.putConnection(mirror);
  if (before === null && !known) ctx.events.push({ event: 'device-contact', contact: contactKey(mirror), name: mirror.peerProfile?.displayName ?? '' });
}

/** A text another device sent or received on one of its pairs: shown here as the person's. */
function messageStep(ctx: StepContext, profileId: string, content: Extract<DeviceContent, { type: 'device-message' }>): void {
  const { store, crypto, events } = ctx;
  const mirror = store.getConnection(mirrorId(toHex(content.pair)));
  if (mirror?.status !== 'mirror' || mirror.profileId !== profileId) {
    events.push({ event: 'rejected', contact: null, reason: 'a device message for a pair this device does not know' });
    return;
  }
  let envelope;
  try {
    // Checked as the contact would: by the key of whoever wrote it (the holder for what it sent, the contact for what it received).
    const key = content.direction === 'sent' ? mirror.signingPublicKey : mirror.peerSigningKey;
    envelope = isUnsignedEnvelope(content.envelope) ? decodeUnsignedEnvelope(content.envelope) : openEnvelope(crypto, key, content.envelope);
  } catch (error) {
    events.push({ event: 'rejected', contact: mirror.contact ?? null, reason: `device message rejected: ${(error as Error).message}` });
    return;
  }
  if (envelope.content.type !== 'text' || store.findMessageBySeq(mirror.id, content.direction, envelope.seq) !== null) return;
  const stored = storeText(ctx, mirror, {
    direction: content.direction,
    seq: envelope.seq,
    text: envelope.content.text,
    timestamp: envelope.timestamp,
    localTime: content.localTime,
    status: content.status,
    envelope: content.envelope,
    hash: crypto.sha256(content.envelope),
    messageId: envelope.content.messageId,
    counter: envelope.content.counter,
  });
  store.putConnection({ ...mirror, lamport: stored.lamport });
  if (stored.duplicate) return;
  const contact = contactKey(mirror);
  const message = shownId(stored.record);
  if (content.direction === 'received') events.push({ event: 'message', contact, message, text: stored.record.text, timestamp: envelope.timestamp });
  else events.push({ event: 'device-sent', contact, message, text: stored.record.text, timestamp: envelope.timestamp });
}

/** The new device's invitation for a contact device: passed on over this device's pair with it, in a device-add (devices.md §5). */
function inviteStep(ctx: StepContext, profileId: string, content: Extract<DeviceContent, { type: 'device-invite' }>): void {
  const { store, crypto } = ctx;
  const pair = findPair(store, crypto, profileId, toHex(content.pair));
  if (pair === null || pair.status !== 'connected' || isDeviceChannel(pair) || chatVersionOf(pair) < 4) {
    ctx.events.push({ event: 'rejected', contact: null, reason: 'a device asked to be introduced over a pair that cannot introduce it' });
    return;
  }
  const sealed = sealEnvelope(crypto, pair, { type: 'device-add', invitation: content.invitation }, ctx.now);
  sendSealed(ctx, 'device', sealed);
  store.putConnection(sealed.connection);
}

/** The contact's receipts for texts another device sent: delivered here too. */
function deliveredStep(ctx: StepContext, pairHex: string, seqs: readonly number[]): void {
  const { store } = ctx;
  const mirror = store.getConnection(mirrorId(pairHex));
  if (mirror?.status !== 'mirror') return;
  for (const seq of seqs) {
    const sent = store.findMessageBySeq(mirror.id, 'sent', seq);
    if (sent === null || sent.status === 'delivered') continue;
    store.putMessage({ ...sent, status: 'delivered' });
    ctx.events.push({ event: 'receipt', contact: contactKey(mirror), message: shownId(sent) });
  }
}
