/**
 * The client agent: profiles, invitations, connections and their messages,
 * over relay sessions, with every state change kept in an AgentStore.
 *
 * Work flows through one loop (`kick`): secure queues whose peer sender key
 * is known (KEY), encrypt queued messages of connected contacts, and send
 * outbox items, per queue in order, to every relay of the peer. Received
 * messages are decrypted, verified, stored with their receipt, and only then
 * acknowledged to the relay, so a crash at any point loses nothing; a
 * message delivered again after a crash fails the ratchet's duplicate check
 * and is acknowledged without being shown twice.
 *
 * This class is the public API and the core the feature modules run on
 * (AgentCore): it wires the work loop (work-loop.ts, with KEY in
 * transport/queue-securing.ts and sending in outbox/dispatch.ts), the
 * receive path (conversation/receive.ts) and relay sessions
 * (transport/sessions.ts). What a user does is in the feature modules:
 * profile/, connection/invitations.ts and contacts.ts,
 * conversation/messages.ts; each method here is one call into them.
 */
import type { Crypto, ProofBundle, WebSocketFactory } from '@graphchat/core';
import { contacts, findContact, securityCode, verifyCode } from './connection/contacts.js';
import { acceptRequest, connect, contactAddress, createInvitation, declineRequest } from './connection/invitations.js';
import { Activity, type AgentCore } from './context.js';
import { acceptMode, exportProof, history, proposeMode, send } from './conversation/messages.js';
import type { ProofRange } from './conversation/proof-export.js';
import { Receiver } from './conversation/receive.js';
import { deviceCode, devices } from './devices/device-info.js';
import { DeviceIntroducer } from './devices/introducer.js';
import { joinDevice, linkDevice } from './devices/linking.js';
import { removeDevice } from './devices/removal.js';
import type { AgentEvent, ContactInfo, DeviceInfo, HistoryItem, RelayInfo } from './events.js';
import { QueueMover } from './moves/mover.js';
import { addRelay, rekey, relayList, removeRelay, rotate, setRelays, setRotation } from './moves/relays.js';
import { OutboxDispatcher } from './outbox/dispatch.js';
import { activeProfile, createProfile, setActiveProfile, setPrivateRouting, testRelay, updateProfile, type NewProfile } from './profile/profiles.js';
import { CachedStore } from './store/cached-store.js';
import type { AgentStore } from './store/agent-store.js';
import type { InvitationChannel, PrivateRouting, ProfileData, ProfileRecord } from './store/records.js';
import { QueueSecurer } from './transport/queue-securing.js';
import { QueueSender } from './transport/queue-sender.js';
import { relayKey, RelayPool, type PoolSession } from './transport/relay-pool.js';
import { sessionsInUse, subscribeConnection, subscribeSession } from './transport/sessions.js';
import { WorkLoop } from './work-loop.js';

export type { NewProfile } from './profile/profiles.js';

export interface AgentOptions {
  readonly store: AgentStore;
  readonly crypto: Crypto;
  readonly webSocket: WebSocketFactory;
  readonly now?: () => number;
  /** Relay handshake and command timeout. */
  readonly timeoutMs?: number;
}

export class Agent {
  onEvent: (event: AgentEvent) => void = () => {};
  private readonly store: AgentStore;
  private readonly crypto: Crypto;
  private readonly now: () => number;
  private readonly pool: RelayPool;
  private readonly core: AgentCore;
  private readonly receiver: Receiver;
  private readonly dispatcher: OutboxDispatcher;
  private readonly sender: QueueSender;
  private readonly work: WorkLoop;

  constructor(options: AgentOptions) {
    this.store = new CachedStore(options.store);
    this.crypto = options.crypto;
    this.now = options.now ?? Date.now;
    this.pool = new RelayPool({
      crypto: options.crypto,
      webSocket: options.webSocket,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onUp: (session) => this.sessionUp(session),
      onDown: (session, reason) => this.emit([{ event: 'relay-down', relay: relayKey(session.relay), reason }]),
      onPush: (session, push) => this.receiver.received(session, push),
    });
    const kick = (): void => this.work.kick();
    this.core = {
      store: this.store,
      crypto: this.crypto,
      now: this.now,
      pool: this.pool,
      activity: new Activity(this.now),
      emit: (events) => this.emit(events),
      kick,
      indexQueues: (connection) => this.receiver.indexQueues(connection),
      subscribe: (connection) => {
        if (this.work.running) subscribeConnection(this.core, connection);
      },
      sendNow: (connectionId) => this.dispatcher.sendNow(connectionId),
    };
    const securer = new QueueSecurer(this.core, kick);
    this.sender = new QueueSender(this.core);
    this.dispatcher = new OutboxDispatcher(this.core, { awaitsOwnKeys: (connection) => securer.awaitsOwnKeys(connection), kick, sender: this.sender });
    this.work = new WorkLoop(this.core, securer, this.dispatcher, this.sender, new QueueMover(this.core), new DeviceIntroducer(this.core));
    this.receiver = new Receiver(this.core, kick);
    for (const connection of this.store.listConnections()) this.receiver.indexQueues(connection);
  }

  // ---- profiles ----

  createProfile(input: NewProfile): ProfileRecord {
    return createProfile(this.core, input);
  }

  listProfiles(): ProfileRecord[] {
    return this.store.listProfiles();
  }

  activeProfile(): ProfileRecord {
    return activeProfile(this.store);
  }

  setActiveProfile(id: string): void {
    setActiveProfile(this.store, id);
  }

  /** Changes a profile; its contacts receive the new one with the next messages. */
  updateProfile(id: string, profile: ProfileData): void {
    updateProfile(this.core, id, profile);
  }

  /**
   * Sets a profile's relays. New connections use them, and every connection
   * of the profile whose contact's client can (graph-chat version 3) moves
   * its receive queues there, step by step as `sync` or `start` runs (§8.6).
   */
  updateRelays(id: string, relays: readonly string[]): void {
    setRelays(this.core, id, relays);
  }

  /** Adds a relay to a profile's list, and moves its connections (updateRelays). */
  addRelay(id: string, address: string): void {
    addRelay(this.core, id, address);
  }

  /** Takes a relay off a profile's list; its connections move away, and their queues there are deleted. */
  removeRelay(id: string, address: string): void {
    removeRelay(this.core, id, address);
  }

  /** A profile's relays, and those still holding queues of its connections while they move away. */
  relays(id: string): RelayInfo[] {
    return relayList(this.core, id);
  }

  /** How often each connection of a profile moves to new queues, in ms (0: never); default 7 days. */
  setRotation(id: string, periodMs: number): void {
    setRotation(this.core, id, periodMs);
  }

  /** Sets when the profile's messages to its contacts' relays go through its own relays (EMP §7.8). */
  setPrivateRouting(id: string, setting: PrivateRouting): void {
    setPrivateRouting(this.core, id, setting);
  }

  /** Checks a relay's identity and that it answers; throws AgentError BAD_RELAY_ADDRESS or RELAY_UNREACHABLE. */
  testRelay(address: string): Promise<void> {
    return testRelay(this.core, address);
  }

  // ---- invitations ----

  /** A one-time invitation link (off the record from the start with `offTheRecord`) and its pending contact. */
  createInvitation(options: { offTheRecord?: boolean } = {}): Promise<{ link: string; contactId: string }> {
    return createInvitation(this.core, options);
  }

  /** The active profile's contact address, made on first use. */
  contactAddress(): Promise<{ link: string }> {
    return contactAddress(this.core);
  }

  /** Joins an invitation or asks through a contact address; the contact is pending until connected. */
  connect(link: string, options: { channel?: InvitationChannel } = {}): Promise<{ contactId: string }> {
    return connect(this.core, link, options);
  }

  acceptRequest(contactId: string): Promise<void> {
    return acceptRequest(this.core, contactId);
  }

  declineRequest(contactId: string): void {
    declineRequest(this.core, contactId);
  }

  // ---- contacts and messages ----

  contacts(): ContactInfo[] {
    return contacts(this.store);
  }

  findContact(idOrName: string): ContactInfo {
    return findContact(this.store, idOrName);
  }

  send(contactId: string, text: string): { messageId: string } {
    return send(this.core, contactId, text);
  }

  proposeMode(contactId: string, offTheRecord: boolean): void {
    proposeMode(this.core, contactId, offTheRecord);
  }

  acceptMode(contactId: string): void {
    acceptMode(this.core, contactId);
  }

  history(contactId: string): HistoryItem[] {
    return history(this.store, contactId);
  }

  /** Moves the connection to new queues (new ids and keys) on the profile's relays now. */
  rotate(contactId: string): void {
    rotate(this.core, contactId);
  }

  /** Runs a new hybrid agreement inside the connection; the security code changes on both sides. */
  rekey(contactId: string): void {
    rekey(this.core, contactId);
  }

  securityCode(contactId: string): string {
    return securityCode(this.store, this.crypto, contactId);
  }

  verifyCode(contactId: string, code: string): boolean {
    return verifyCode(this.store, this.crypto, contactId, code, this.now());
  }

  exportProof(contactId: string, range: ProofRange = {}): ProofBundle {
    return exportProof(this.store, this.crypto, contactId, range);
  }

  // ---- devices (devices.md) ----

  /**
   * A one-time device link (kind 4, expires after 10 minutes) for the active
   * profile, or `profileId`: the device that joins it gets the profile, its
   * contacts, and with `history` their messages. `name` names this device.
   */
  linkDevice(options: { profileId?: string; history?: boolean; name?: string } = {}): Promise<{ link: string; expires: number }> {
    return linkDevice(this.core, options);
  }

  /** On a new device (its own store): joins a device link; the profile fills in as the linking device shares it. */
  joinDevice(link: string, options: { name: string; relays?: readonly string[]; channel?: InvitationChannel }): Promise<{ profileId: string }> {
    return joinDevice(this.core, link, options);
  }

  /** The active profile's devices, this one first. */
  devices(): DeviceInfo[] {
    return devices(this.core);
  }

  /** Removes another device of the active profile: it gets nothing new and can no longer write as the profile. */
  removeDevice(deviceId: string): void {
    removeDevice(this.core, deviceId);
  }

  /** The security code of the channel with another device of this profile, to compare on both screens. */
  deviceCode(deviceId: string): string {
    return deviceCode(this.core, deviceId);
  }

  // ---- running ----

  /** Connects to every relay in use and keeps working until `stop`. */
  async start(): Promise<void> {
    const { activity } = this.core;
    this.work.start();
    this.pool.reconnect = true;
    activity.touch();
    // A session opened earlier (to create queues, say) is up already and won't report it again: subscribe here too.
    await Promise.all(sessionsInUse(this.core, (connection, relay) => this.sender.sessionsFor(connection, relay)).map(async (session) => (await activity.track(session.open())) !== null && subscribeSession(this.core, session)));
    this.work.kick();
  }

  /** Does all pending work, then resolves once nothing has happened for `idleMs`, or at `timeoutMs`. */
  async sync(options: { timeoutMs: number; idleMs?: number }): Promise<void> {
    const { activity } = this.core;
    const idleMs = options.idleMs ?? 1000;
    const deadline = this.now() + options.timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.start(), new Promise<void>((resolve) => (timer = setTimeout(() => resolve(), options.timeoutMs)))]);
    clearTimeout(timer);
    while (this.now() < deadline) {
      if (activity.pending === 0 && !this.work.hasWork() && this.now() - activity.lastActivity >= idleMs) break;
      await new Promise<void>((resolve) => setTimeout(() => resolve(), Math.min(50, Math.max(1, deadline - this.now()))));
    }
    await this.stop();
  }

  async stop(): Promise<void> {
    this.work.stop();
    this.pool.close();
  }

  // ---- internals ----

  private sessionUp(session: PoolSession): void {
    this.emit([{ event: 'relay-up', relay: relayKey(session.relay) }]);
    // Items waiting for this relay go now rather than at the end of their backoff.
    this.dispatcher.retryRelay(session.relay);
    void subscribeSession(this.core, session);
    this.work.kick();
  }

  /**
   * A listener's error must not stop the agent mid-step (a received message
   * would go unacknowledged, the work loop unkicked): it is rethrown on its
   * own, where it shows as an uncaught error and nothing else depends on it.
   */
  private emit(events: readonly AgentEvent[]): void {
    for (const raw of events) {
      const event = this.asShown(raw);
      if (event === null) continue;
      try {
        this.onEvent(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /**
   * An event as the interface sees it: about the contact (its id among my
   * devices), not the pair connection that caused it; a device channel's
   * events are not a contact's (its linking is reported as `device-linked`,
   * devices.md §4).
   */
  private asShown(event: AgentEvent): AgentEvent | null {
    if (!('contact' in event) || event.contact === null || event.event === 'device-contact') return event;
    const connection = this.store.getConnection(event.contact);
    // A device channel's own events (its handshake, moves, receipts) are the agent's business; a rejection is still told.
    if (connection?.device != null) return event.event === 'rejected' ? { ...event, contact: null } : null;
    return connection?.contact !== undefined ? { ...event, contact: connection.contact } : event;
  }
}
