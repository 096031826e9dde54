/**
 * The work loop's part of several devices (devices.md §4, §5): a device
 * asks to be introduced to each contact device that another of its devices
 * has a pair with (an invitation of its own, passed on by that device in a
 * device-add); a contact's device joins the introductions it received; a
 * device link past its expiry is closed.
 */
import { fromHex, parseInvitationLink, type Crypto } from '@graphchat/core';
import { acceptRequest, invite } from '../connection/invitations.js';
import { stepContext, type AgentCore } from '../context.js';
import { AgentError } from '../events.js';
import type { AgentStore } from '../store/agent-store.js';
import type { ConnectionRecord, MirrorConnection } from '../store/records.js';
import { sealOnChannel } from './channel-out.js';
import { closeConnection } from './closing.js';
import { contactKey, pairIdOf, pairIdOfRecord, pairRoots, siblingChannels } from './contact-groups.js';
import { deviceList, THIS_DEVICE } from './device-list.js';
import { LINK_GRACE_MS } from './linking.js';

/** A failed introduction or join is tried again after this long, doubling, at most 32 times as long. */
const RETRY_MS = 15_000;
/** How long a channel offered to another device of mine waits for it: it may be off for days. */
const CHANNEL_OFFER_MS = 30 * 24 * 60 * 60 * 1000;
/** How long an introduction waits for the contact's device to join it before it is asked for again: the relays' message lifetime. */
const INTRODUCTION_MS = 21 * 24 * 60 * 60 * 1000;

export class DeviceIntroducer {
  /** Connections with an introduction or a join in flight, and failed attempts (in memory: a restart tries at once). */
  private readonly inFlight = new Set<string>();
  private readonly failures = new Map<string, { count: number; at: number }>();

  constructor(private readonly core: AgentCore) {}

  /** One pass; returns when the loop should wake for the next step (Infinity: none). */
  step(): number {
    const now = this.core.now();
    let wakeAt = Infinity;
    for (const connection of this.core.store.listConnections()) {
      const expires = invitationExpiry(connection);
      if (expires === null) continue;
      if (now > expires) this.expire(connection.id);
      else wakeAt = Math.min(wakeAt, expires + 1);
    }
    for (const { profileId, device } of this.channelsWanted()) {
      const key = `channel ${profileId} ${device}`;
      if (this.retryAt(key) <= now) this.offerChannel(key, profileId, device);
      else wakeAt = Math.min(wakeAt, this.retryAt(key));
    }
    for (const connection of this.due()) {
      const retry = this.retryAt(connection.id);
      if (retry > now) {
        wakeAt = Math.min(wakeAt, retry);
        continue;
      }
      if (connection.status === 'mirror') this.introduce(connection);
      else this.join(connection);
    }
    return wakeAt;
  }

  hasWork(): boolean {
    const now = this.core.now();
    return this.due().some((c) => this.retryAt(c.id) <= now) || this.channelsWanted().some(({ profileId, device }) => this.retryAt(`channel ${profileId} ${device}`) <= now);
  }

  /**
   * Devices of a profile this device has no channel with (a third device
   * linked through another one): of each two, the one with the lower id
   * offers the channel (devices.md §4), so they make one, not two.
   */
  private channelsWanted(): { profileId: string; device: string }[] {
    const { store } = this.core;
    const me = store.getMeta(THIS_DEVICE);
    if (me === null) return [];
    const wanted: { profileId: string; device: string }[] = [];
    for (const profile of store.listProfiles()) {
      const connections = store.listConnections(profile.id);
      if (!connections.some((c) => c.device != null && c.status === 'connected')) continue;
      for (const device of deviceList(store, profile.id)) {
        if (device.removed || device.id <= me || this.inFlight.has(`channel ${profile.id} ${device.id}`)) continue;
        if (!connections.some((c) => c.device?.peer === device.id && c.status !== 'failed')) wanted.push({ profileId: profile.id, device: device.id });
      }
    }
    return wanted;
  }

  /** A device invitation for `device`, sent through every device channel there is (each passes it on once, channel-in.ts). */
  private offerChannel(key: string, profileId: string, device: string): void {
    const { core } = this;
    this.track(
      key,
      invite(core, 'device', {
        profileId,
        expires: core.now() + CHANNEL_OFFER_MS,
        extras: { device: { peer: device, link: null, expires: core.now() + CHANNEL_OFFER_MS } },
        also: (connection) => {
          if (connection.invitationLink === null) return;
          const invitation = parseInvitationLink(connection.invitationLink);
          const ctx = stepContext(core, core.now());
          for (const channel of siblingChannels(core.store, profileId)) core.store.putConnection(sealOnChannel(ctx, channel, { type: 'device-join', to: fromHex(device), invitation }));
        },
      }),
    );
  }

  /** Mirrors this device wants an introduction over, and introductions it should join; none in flight. */
  private due(): ConnectionRecord[] {
    const { store, crypto } = this.core;
    const due: ConnectionRecord[] = [];
    const covered = new Map<string, { root: (id: string) => string; roots: Set<string> }>();
    for (const connection of store.listConnections()) {
      if (this.inFlight.has(connection.id)) continue;
      if (connection.status === 'request' && connection.introduced === true) due.push(connection);
      if (connection.status !== 'mirror' || connection.closed || !connection.introducible) continue;
      if (!siblingChannels(store, connection.profileId).some((c) => c.device?.peer === connection.holder)) continue;
      let profile = covered.get(connection.profileId);
      if (profile === undefined) covered.set(connection.profileId, (profile = coveredRoots(store, crypto, connection.profileId)));
      // This device has a pair with that contact device already (or one being made): no second one.
      if (!profile.roots.has(profile.root(pairIdOf(crypto, connection)))) due.push(connection);
    }
    return due;
  }

  private retryAt(id: string): number {
    const failed = this.failures.get(id);
    return failed === undefined ? 0 : failed.at + RETRY_MS * Math.min(32, 2 ** (failed.count - 1));
  }

  /** An invitation of this device's own, for the contact device of the mirrored pair, sent to the device holding it. */
  private introduce(mirror: MirrorConnection): void {
    const { core } = this;
    const pairId = pairIdOf(core.crypto, mirror);
    const kind = mirror.offTheRecord === true ? 'off-the-record' : 'one-time';
    this.track(
      mirror.id,
      invite(core, kind, {
        profileId: mirror.profileId,
        extras: { contact: contactKey(mirror), introducedVia: pairId },
        also: (connection) => {
          const channel = siblingChannels(core.store, mirror.profileId).find((c) => c.device?.peer === mirror.holder);
          if (channel === undefined || connection.invitationLink === null) throw new Error('the device holding the pair is no longer linked');
          const invitation = parseInvitationLink(connection.invitationLink);
          if (invitation.kind !== 'one-time' && invitation.kind !== 'off-the-record') return;
          const ctx = stepContext(core, core.now());
          core.store.putConnection(sealOnChannel(ctx, channel, { type: 'device-invite', contact: fromHex(contactKey(mirror)), pair: fromHex(pairId), invitation }));
        },
      }),
    );
  }

  /** A contact's device introduced another of its devices: joined as a pair of the same contact. */
  private join(request: ConnectionRecord): void {
    this.track(request.id, acceptRequest(this.core, request.id), (error) => {
      // An invitation whose keys are unusable never becomes usable: the request fails, and is not tried again.
      if (error instanceof AgentError && error.code === 'BAD_INVITATION') this.fail(request.id, error.message);
    });
  }

  private track(id: string, work: Promise<unknown>, onError: (error: Error) => void = () => {}): void {
    const { core } = this;
    this.inFlight.add(id);
    void core.activity
      .track(work)
      .then(
        () => this.failures.delete(id),
        (error: Error) => {
          onError(error);
          const failed = this.failures.get(id);
          this.failures.set(id, { count: (failed?.count ?? 0) + 1, at: core.now() });
          core.emit([{ event: 'rejected', contact: null, reason: `connecting another device: ${error.message}` }]);
        },
      )
      .finally(() => {
        this.inFlight.delete(id);
        core.kick();
      });
  }

  /** An invitation of a device link, a channel offer or an introduction, past its time: closed, its queues deleted. */
  private expire(id: string): void {
    const { store } = this.core;
    store.transaction(() => {
      const current = store.getConnection(id);
      if (current?.status === 'invited') store.putConnection(closeConnection(store, current, current.introducedVia !== undefined ? 'the contact never joined the introduction' : 'the device link expired'));
    });
  }

  private fail(id: string, reason: string): void {
    const { store } = this.core;
    store.transaction(() => {
      const current = store.getConnection(id);
      if (current?.status === 'request') store.putConnection(closeConnection(store, current, reason));
    });
  }
}

/**
 * When an open invitation of the devices feature stops waiting: a device
 * link at its expiry, a channel offered to another device at its own, an
 * introduction after INTRODUCTION_MS (the contact's device never joined
 * it: it is asked for again). Null: not such an invitation.
 */
function invitationExpiry(connection: ConnectionRecord): number | null {
  if (connection.status !== 'invited') return null;
  if (connection.device?.link != null) return connection.device.link.expires + LINK_GRACE_MS;
  if (connection.device != null) return connection.device.expires ?? null;
  return connection.introducedVia !== undefined ? connection.createdAt + INTRODUCTION_MS : null;
}

/** The roots (contact-groups.ts pairRoots) of the pairs this device holds or is making, for each of which it wants no second one. */
function coveredRoots(store: AgentStore, crypto: Crypto, profileId: string): { root: (id: string) => string; roots: Set<string> } {
  const root = pairRoots(store, crypto, profileId);
  const roots = new Set<string>();
  for (const c of store.listConnections(profileId)) {
    // A failed pair covers nothing: an introduction that expired, or a pair the contact closed, is asked for again.
    if (c.status === 'mirror' || c.status === 'failed' || c.device != null) continue;
    const id = c.introducedVia !== undefined ? c.introducedVia : pairIdOfRecord(crypto, c);
    if (id !== null) roots.add(root(id));
  }
  return { root, roots };
}
