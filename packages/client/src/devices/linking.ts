/**
 * Linking a device (devices.md §4): the device that has the profile makes a
 * one-time device link (kind 4, expiring); the new device, with its own
 * store, joins it. The device channel is an ordinary graph-chat connection
 * whose handshake authenticates both ends by the link itself, as a
 * contact's does; the share follows when it is connected (channel-out.ts).
 */
import { ChatError, DecodeError, encodeInvitation, MAX_DEVICE_NAME_BYTES, MAX_DEVICES, parseInvitationLink, toHex, utf8, type Invitation } from '@graphchat/core';
import { invite, join } from '../connection/invitations.js';
import { newId, stepContext, type AgentCore } from '../context.js';
import { AgentError } from '../events.js';
import { activeProfile, createProfile } from '../profile/profiles.js';
import type { InvitationChannel } from '../store/records.js';
import { renameThisDevice } from './channel-out.js';
import { deviceList, listWithThisDevice, THIS_DEVICE, thisDeviceId } from './device-list.js';

/** How long a device link works: minutes, as it is meant to be scanned at once (devices.md §4). */
export const DEVICE_LINK_MS = 10 * 60 * 1000;
/**
 * A link stays usable this long past its expiry, by either device's clock:
 * the clocks of two devices differ a little, and both apply the same grace
 * (the new device before joining, the linking device before closing it).
 */
export const LINK_GRACE_MS = 5 * 60 * 1000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function checkDeviceName(name: string): void {
  const length = utf8(name).length;
  if (length < 1 || length > MAX_DEVICE_NAME_BYTES || CONTROL.test(name)) throw new AgentError('BAD_NAME', `a device name is 1..${MAX_DEVICE_NAME_BYTES} bytes, without control characters`);
}

/**
 * A device link for a profile (the active one by default): shares the
 * profile, its contacts, and with `history` their messages, once the new
 * device joins. `name` names this device for the others.
 */
export async function linkDevice(core: AgentCore, options: { profileId?: string; history?: boolean; name?: string } = {}): Promise<{ link: string; expires: number }> {
  const { store, crypto } = core;
  const profile = options.profileId === undefined ? activeProfile(store) : store.getProfile(options.profileId);
  if (profile === null) throw new AgentError('NO_PROFILE', `no profile ${options.profileId ?? ''}`);
  if (options.name !== undefined) checkDeviceName(options.name);
  const list = deviceList(store, profile.id);
  if (list.some((d) => d.removed && d.id === store.getMeta(THIS_DEVICE))) throw new AgentError('DEVICE_REMOVED', 'this device was removed from the profile: it can no longer link devices');
  if (list.filter((d) => !d.removed).length >= MAX_DEVICES) throw new AgentError('TOO_MANY_DEVICES', `a profile has at most ${MAX_DEVICES} devices`);
  store.transaction(() => {
    listWithThisDevice(store, crypto, profile.id, core.now());
    if (options.name !== undefined) renameThisDevice(stepContext(core, core.now()), options.name);
  });
  const expires = core.now() + DEVICE_LINK_MS;
  const { link } = await invite(core, 'device', { profileId: profile.id, expires, extras: { device: { peer: null, link: { history: options.history === true, expires } } } });
  return { link, expires };
}

/**
 * Checks, before anything is made, that `link` is a device link still
 * usable at `now` and `name` a device name; returns the invitation. Throws
 * AgentError BAD_INVITATION, LINK_EXPIRED or BAD_NAME. An interface can
 * call it to check what the user entered.
 */
export function checkDeviceLink(link: string, name: string, now: number): Invitation {
  checkDeviceName(name);
  const invitation = deviceInvitation(link);
  if (now > (invitation.expires ?? 0) + LINK_GRACE_MS) throw new AgentError('LINK_EXPIRED', 'this device link has expired: make a new one on the other device');
  return invitation;
}

function deviceInvitation(link: string): Invitation {
  let invitation: Invitation;
  try {
    invitation = parseInvitationLink(link);
  } catch (error) {
    if (error instanceof ChatError || error instanceof DecodeError) throw new AgentError('BAD_INVITATION', `not a valid device link: ${error.message}`);
    throw error;
  }
  if (invitation.kind !== 'device') throw new AgentError('BAD_INVITATION', 'not a device link: an invitation to connect with someone is used with connect');
  return invitation;
}

/**
 * Joins a device link on a new device: makes the profile (named after this
 * device until the linking device shares it), on the link's relays unless
 * `relays` are given, and the device channel. Returns the profile's id; it
 * fills as the share arrives (`device-profile`, `device-contact` events).
 */
export async function joinDevice(core: AgentCore, link: string, options: { name: string; relays?: readonly string[]; channel?: InvitationChannel }): Promise<{ profileId: string }> {
  const { store, crypto } = core;
  const invitation = checkDeviceLink(link, options.name, core.now());
  const linkId = `joined ${toHex(crypto.sha256(encodeInvitation(invitation)))}`;
  if (store.getMeta(linkId) !== null) throw new AgentError('INVITATION_USED', 'this device link was already used');
  const relays = options.relays ?? [...new Set(invitation.queues.map((q) => q.relay))];
  const profile = createProfile(core, { displayName: options.name, relays });
  store.transaction(() => {
    thisDeviceId(store, crypto);
    renameThisDevice(stepContext(core, core.now()), options.name);
  });
  await join(core, invitation, {
    id: newId(crypto),
    linkId,
    channel: options.channel ?? 'link',
    peerProfile: null,
    profileId: profile.id,
    extras: { device: { peer: null } },
    confirmProfile: { displayName: options.name },
  });
  return { profileId: profile.id };
}
