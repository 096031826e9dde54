/**
 * Starting connections: one-time invitations and contact addresses this
 * side makes, joining someone's invitation, and asking or answering through
 * a contact address (graph-chat §7.1, §7.2, §7.6). The pure handshake steps
 * are handshake.ts; this is where they are stored and sent.
 */
import {
  AgreementError,
  ChatError,
  DecodeError,
  encodeInvitation,
  equalBytes,
  parseInvitationLink,
  toHex,
  type Invitation,
} from '@graphchat/core';
import { newId, type AgentCore } from '../context.js';
import { AgentError } from '../events.js';
import { enqueueSealed } from '../outbox/enqueue.js';
import { thisDeviceName } from '../devices/device-list.js';
import { activeProfile } from '../profile/profiles.js';
import type { ConnectionBase, ConnectionRecord, InvitationChannel, ProfileData } from '../store/records.js';
import { newQueues } from '../transport/sessions.js';
import { connectionOf } from './contacts.js';
import { createInvitation as invitationStep, joinInvitation, requestContact } from './handshake.js';

/** Whether a stored invitation link is this invitation (links may differ in form: app or web). */
function equalInvitation(link: string, invitation: Invitation): boolean {
  try {
    return equalBytes(encodeInvitation(parseInvitationLink(link)), encodeInvitation(invitation));
  } catch {
    return false;
  }
}

/** What a new connection carries besides what its handshake gives it (a device channel, a pair's contact, devices.md). */
export type ConnectionExtras = Pick<ConnectionBase, 'device' | 'contact' | 'introducedVia' | 'introduced'>;

/**
 * Makes receive queues and an invitation of `kind` for them, and stores the
 * new connection, with `extras`, inside a transaction that also runs `also`
 * (what must be stored with it).
 */
export async function invite(
  core: AgentCore,
  kind: 'one-time' | 'off-the-record' | 'contact-address' | 'device',
  options: { profileId?: string; extras?: ConnectionExtras; expires?: number; also?: (connection: ConnectionRecord) => void } = {},
): Promise<{ link: string; contactId: string }> {
  const profile = options.profileId === undefined ? activeProfile(core.store) : core.store.getProfile(options.profileId);
  if (profile === null) throw new AgentError('NO_PROFILE', `no profile ${options.profileId ?? ''}`);
  const id = newId(core.crypto);
  const receiveQueues = await newQueues(core, profile, id);
  const made = invitationStep(core.crypto, { id, profileId: profile.id, receiveQueues, now: core.now() }, kind, options.expires);
  const connection: ConnectionRecord = { ...made.connection, ...options.extras };
  core.store.transaction(() => {
    core.store.putConnection(connection);
    options.also?.(connection);
  });
  core.indexQueues(connection);
  core.subscribe(connection);
  core.kick();
  return { link: made.link, contactId: id };
}

/**
 * Creates receive queues on the profile's relays and a one-time invitation
 * link for them (graph-chat §7.1). With `offTheRecord`, the connection
 * is off the record from its start: nothing on it is ever signed (§8.5).
 */
export function createInvitation(core: AgentCore, options: { offTheRecord?: boolean } = {}): Promise<{ link: string; contactId: string }> {
  return invite(core, options.offTheRecord === true ? 'off-the-record' : 'one-time');
}

/**
 * A contact address for the active profile (graph-chat §7.6): a link many
 * people can use to ask for a connection, each request to be accepted or
 * declined. Made on first use, the same one afterwards.
 */
export async function contactAddress(core: AgentCore): Promise<{ link: string }> {
  const profile = activeProfile(core.store);
  const existing = core.store.listConnections(profile.id).find((c) => c.status === 'address');
  if (existing?.invitationLink) return { link: existing.invitationLink };
  const { link } = await invite(core, 'contact-address');
  return { link };
}

/**
 * Joins a one-time invitation (graph-chat §7.2), or sends a request to a
 * contact address (§7.6). Returns the new contact, pending until connected.
 */
export async function connect(core: AgentCore, link: string, options: { channel?: InvitationChannel } = {}): Promise<{ contactId: string }> {
  const { store, crypto } = core;
  let invitation: Invitation;
  try {
    invitation = parseInvitationLink(link);
  } catch (error) {
    if (error instanceof ChatError || error instanceof DecodeError) throw new AgentError('BAD_INVITATION', `not a valid invitation: ${error.message}`);
    throw error;
  }
  const linkId = `joined ${toHex(crypto.sha256(encodeInvitation(invitation)))}`;
  if (store.listConnections().some((c) => c.invitationLink !== null && c.status !== 'request' && equalInvitation(c.invitationLink, invitation))) {
    throw new AgentError('OWN_INVITATION', 'this is your own invitation: send it to the person you want to connect with');
  }
  if (store.getMeta(linkId) !== null) {
    throw new AgentError('INVITATION_USED', invitation.kind === 'contact-address' ? 'you already sent a request to this address' : 'this invitation was already used');
  }
  const channel = options.channel ?? 'link';
  if (invitation.kind === 'device') throw new AgentError('BAD_INVITATION', 'this link links a device of your own: use it to join that device (device join)');
  if (invitation.kind === 'contact-address') return request(core, invitation, linkId, channel);
  return join(core, invitation, { id: newId(crypto), linkId, channel, peerProfile: null, profileId: activeProfile(store).id });
}

/** Accepts a request that arrived at this profile's contact address: joins the requester's invitation. */
export async function acceptRequest(core: AgentCore, contactId: string): Promise<void> {
  // The request itself, not the contact it may belong to (an introduced device, devices.md §5).
  const request = core.store.getConnection(contactId) ?? connectionOf(core.store, contactId);
  if (request.status !== 'request' || request.invitationLink === null) throw new AgentError('NOT_A_REQUEST', `${contactId} is not a pending request`);
  const invitation = parseInvitationLink(request.invitationLink);
  const extras: ConnectionExtras = {
    ...(request.contact !== undefined ? { contact: request.contact } : {}),
    ...(request.introduced === true ? { introduced: true } : {}),
    ...(request.device != null ? { device: { peer: null } } : {}),
  };
  // A device channel's confirmation carries this device's name, not the profile (devices.md §4).
  const confirmProfile = request.device != null ? { confirmProfile: { displayName: thisDeviceName(core.store) } } : {};
  await join(core, invitation, { id: request.id, linkId: null, channel: request.channel, peerProfile: request.peerProfile, profileId: request.profileId, extras, ...confirmProfile });
}

/** Declines a request that arrived at this profile's contact address; the requester is not told. */
export function declineRequest(core: AgentCore, contactId: string): void {
  const request = core.store.getConnection(contactId) ?? connectionOf(core.store, contactId);
  if (request.status !== 'request') throw new AgentError('NOT_A_REQUEST', `${contactId} is not a pending request`);
  core.store.transaction(() => core.store.putConnection({ ...request, status: 'failed', failure: 'request declined', invitationLink: null }));
}

/**
 * Joins an invitation (graph-chat §7.2) for profile `profileId`; the
 * confirmation carries `confirmProfile` (a device channel's: the device's
 * name), else the profile's.
 */
export async function join(
  core: AgentCore,
  invitation: Invitation,
  options: { id: string; linkId: string | null; channel: InvitationChannel; peerProfile: ProfileData | null; profileId: string; extras?: ConnectionExtras; confirmProfile?: ProfileData },
): Promise<{ contactId: string }> {
  const { store, crypto } = core;
  const profile = store.getProfile(options.profileId);
  if (profile === null) throw new AgentError('NO_PROFILE', `no profile ${options.profileId}`);
  const { id } = options;
  const receiveQueues = await newQueues(core, profile, id);
  const now = core.now();
  let joined;
  try {
    joined = joinInvitation(crypto, { id, profileId: profile.id, receiveQueues, now }, invitation, options.confirmProfile ?? profile.profile, options.channel);
  } catch (error) {
    if (error instanceof AgreementError) throw new AgentError('BAD_INVITATION', `the invitation's keys are unusable: ${error.message}`);
    throw error;
  }
  const { sealed, body } = joined;
  const connection = { ...sealed.connection, peerProfile: options.peerProfile, ...options.extras };
  const confirmationId = newId(crypto);
  store.transaction(() => {
    store.putConnection(connection);
    store.putMessage({
      id: confirmationId,
      connectionId: id,
      direction: 'sent',
      kind: 'handshake',
      seq: sealed.envelope.seq,
      text: '',
      timestamp: now,
      localTime: now,
      status: 'queued',
      envelope: sealed.signed,
      hash: sealed.hash,
    });
    if (options.linkId !== null) store.setMeta(options.linkId, id);
    // The inviter's queues are not secured yet: the confirmation goes unsigned.
    enqueueSealed(store, sealed, confirmationId, false, body);
  });
  core.indexQueues(connection);
  await core.sendNow(id);
  const after = store.getConnection(id);
  if (after?.status === 'failed') throw new AgentError('INVITATION_USED', after.failure ?? 'this invitation was already used');
  core.subscribe(connection);
  return { contactId: id };
}

/** §7.6: this side's own one-time invitation, sent in a request to the contact address's queues. */
async function request(core: AgentCore, address: Invitation, linkId: string, channel: InvitationChannel): Promise<{ contactId: string }> {
  const { store, crypto } = core;
  const profile = activeProfile(store);
  const id = newId(crypto);
  const receiveQueues = await newQueues(core, profile, id);
  const now = core.now();
  const own = invitationStep(crypto, { id, profileId: profile.id, receiveQueues, now });
  let request;
  try {
    request = requestContact(crypto, address, own.invitation, profile.profile, now);
  } catch (error) {
    if (error instanceof AgreementError) throw new AgentError('BAD_INVITATION', `the address's keys are unusable: ${error.message}`);
    throw error;
  }
  const connection: ConnectionRecord = { ...own.connection, status: 'requested', channel };
  store.transaction(() => {
    store.putConnection(connection);
    store.setMeta(linkId, id);
    for (const queue of address.queues) {
      store.addOutbox({ connectionId: id, relay: queue.relay, senderId: queue.senderId, senderSecretKey: null, body: request.body, messageId: null, seq: request.seq, hash: request.hash });
    }
  });
  core.indexQueues(connection);
  await core.sendNow(id);
  core.subscribe(connection);
  return { contactId: id };
}
