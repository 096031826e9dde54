/**
 * What a device copies to its other devices as it happens on its own pairs
 * (devices.md §7): a pair connected, a text it sent, a text it received that
 * a sibling cannot have received itself, receipts. Each runs inside the
 * transaction of what caused it, and does nothing without other devices.
 */
import { fromHex } from '@graphchat/core';
import { profileContent } from '../connection/handshake.js';
import type { StepContext } from '../context.js';
import type { AgreedConnection, MessageRecord } from '../store/records.js';
import { deviceMessage, devicePair, sealOnChannel, toSiblings } from './channel-out.js';
import { pairIdOf, pairRoots, siblingChannels } from './contact-groups.js';

/** A pair of this device became connected, or changed (verified, mode): its mirror on the other devices follows. */
export function announcePair(ctx: StepContext, pair: AgreedConnection): void {
  if (pair.device != null || siblingChannels(ctx.store, pair.profileId).length === 0) return;
  toSiblings(ctx, pair.profileId, { type: 'device-pair', pair: devicePair(ctx, pair) });
}

/** A text this device sealed on a pair: the other devices show it as sent by me. */
export function copySent(ctx: StepContext, pair: AgreedConnection, message: MessageRecord): void {
  if (pair.device != null || siblingChannels(ctx.store, pair.profileId).length === 0) return;
  const content = deviceMessage(ctx, pair, message);
  if (content !== null) toSiblings(ctx, pair.profileId, content);
}

/** Receipts for texts this device sent on a pair. */
export function copyDelivered(ctx: StepContext, pair: AgreedConnection, seqs: readonly number[]): void {
  if (seqs.length === 0 || pair.device != null || siblingChannels(ctx.store, pair.profileId).length === 0) return;
  for (let i = 0; i < seqs.length; i += 128) toSiblings(ctx, pair.profileId, { type: 'device-delivered', pair: fromHex(pairIdOf(ctx.crypto, pair)), seqs: seqs.slice(i, i + 128) });
}

/**
 * A text a contact's device sent on this device's pair: forwarded to each
 * other device that has no pair with that contact device covering it. An
 * introduction is made over a pair and reaches that pair's contact device,
 * so pairs linked by introductions (`via`) lead to one contact device; the
 * contact device seals each text on every pair it has at that time, so a
 * sibling's pair covers what was written from when it joined (`since`, by
 * the contact device's own clock, as the text's timestamp is). Anything
 * else is forwarded; a copy that arrives twice is shown once (texts.ts).
 */
export function forwardReceived(ctx: StepContext, pair: AgreedConnection, message: MessageRecord): void {
  if (pair.device != null) return;
  const siblings = siblingChannels(ctx.store, pair.profileId);
  if (siblings.length === 0) return;
  const content = deviceMessage(ctx, pair, message);
  if (content === null) return;
  const connections = ctx.store.listConnections(pair.profileId);
  const root = pairRoots(ctx.store, ctx.crypto, pair.profileId);
  const here = root(pairIdOf(ctx.crypto, pair));
  for (const channel of siblings) {
    const covered = connections.some((m) => m.status === 'mirror' && !m.closed && m.holder === channel.device?.peer && root(pairIdOf(ctx.crypto, m)) === here && (m.since ?? 0) <= message.timestamp);
    if (!covered) ctx.store.putConnection(sealOnChannel(ctx, channel, content));
  }
}

/** The profile (its fields or relay list) changed on this device: the others take it (devices.md §6, device-profile). */
export function shareProfile(ctx: StepContext, profileId: string): void {
  const profile = ctx.store.getProfile(profileId);
  if (profile === null || siblingChannels(ctx.store, profileId).length === 0) return;
  toSiblings(ctx, profileId, { type: 'device-profile', profile: profileContent(profile.profile), relays: profile.relays });
}
