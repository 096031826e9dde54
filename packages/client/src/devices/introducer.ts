/**
 * The work loop's part of several devices (devices.md §4, §5): a device
 * asks to be introduced to each contact device that another of its devices
 * has a pair with (an invitation of its own, passed on by that device in a
 * device-add); a contact's device joins the introductions it received; a
 * device link past its expiry is closed.
 */
import { parseInvitationLink, fromHex } from '@graphchat/core';
import { acceptRequest, invite } from '../connection/invitations.js';
import { stepContext, type AgentCore } from '../context.js';
import { chatVersionOf, type ConnectionRecord, type MirrorConnection } from '../store/records.js';
import { sealOnChannel } from './channel-out.js';
import { closeConnection } from './closing.js';
import { contactKey, pairIdOf, pairRoots, siblingChannels } from './contact-groups.js';
import { deviceList, THIS_DEVICE } from './device-list.js';

/** A failed introduction or join is tried again after this long, doubling, at most 32 times as long. */
const RETRY_MS = 15_000;
/** How long a channel offered to another device of mine waits for it: it may be off for days. */
const CHANNEL_OFFER_MS = 30 * 24 * 60 * 60 * 1000;

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
      const link = connection.device?.link;
      if (connection.status === 'invited' && link != null) {
        if (now > link.expires) this.expire(connection);
        else wakeAt = Math.min(wakeAt, link.expires + 1);
      }
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
        extras: { device: { peer: device, link: null } },
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
    const byProfile = new Map<string, (id: string) => string>();
    for (const connection of store.listConnections()) {
      if (this.inFlight.has(connection.id)) continue;
      if (connection.status === 'request' && connection.introduced === true) due.push(connection);
      if (connection.status !== 'mirror' || connection.closed || !connection.introducible) continue;
      if (!siblingChannels(store, connection.profileId).some((c) => c.device?.peer === connection.holder)) continue;
      let root = byProfile.get(connection.profileId);
      if (root === undefined) byProfile.set(connection.profileId, (root = pairRoots(store, crypto, connection.profileId)));
      const mine = root(pairIdOf(crypto, connection));
      // This device has a pair with that contact device already (or one being made): no second one.
      const covered = store.listConnections(connection.profileId).some((c) => {
        if (c.status === 'mirror' || c.device != null) return false;
        if (c.introducedVia !== undefined) return root(c.introducedVia) === mine;
        return c.associatedData !== null && root(pairIdOf(crypto, { associatedData: c.associatedData, ...(c.handshakeAD !== undefined ? { handshakeAD: c.handshakeAD } : {}) })) === mine;
      });
      if (!covered) due.push(connection);
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
    if (chatVersionOf(request) < 2) return;
    this.track(request.id, acceptRequest(this.core, request.id));
  }

  private track(id: string, work: Promise<unknown>): void {
    const { core } = this;
    this.inFlight.add(id);
    void core.activity
      .track(work)
      .then(
        () => this.failures.delete(id),
        (error: Error) => {
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

  private expire(connection: ConnectionRecord): void {
    const { store } = this.core;
    store.transaction(() => {
      const current = store.getConnection(connection.id);
      if (current?.status === 'invited') store.putConnection(closeConnection(store, current, 'the device link expired'));
    });
  }
}
