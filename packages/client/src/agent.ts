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
 * This file is the public API. The loop is work-loop.ts, with KEY in
 * queue-securing.ts and sending in outbox-dispatch.ts; the receive path is
 * receive.ts; relay sessions and subscriptions are sessions.ts.
 */
import {
  AgreementError,
  ChatError,
  type Crypto,
  DecodeError,
  encodeInvitation,
  equalBytes,
  type Invitation,
  parseInvitationLink,
  parseRelayAddress,
  type ProofBundle,
  RelayClient,
  securityCode,
  securityCodeMatches,
  toHex,
  utf8,
  type WebSocketFactory,
} from '@graphchat/core';
import { Activity, inboundContext, newId, type AgentContext } from './agent-context.js';
import { AgentError, type AgentEvent, type ContactInfo, type HistoryItem } from './agent-types.js';
import { CachedStore } from './cached-store.js';
import { createInvitation, joinInvitation, requestContact } from './handshake.js';
import { enqueueSealed } from './outbox.js';
import { OutboxDispatcher } from './outbox-dispatch.js';
import { acceptMode, proposeMode } from './mode.js';
import { exportProof, type ProofRange } from './proof-export.js';
import { QueueSecurer } from './queue-securing.js';
import { Receiver } from './receive.js';

import { relayKey, RelayPool, type PoolSession } from './relay-pool.js';
import { newQueues, sessionsInUse, subscribeConnection, subscribeSession } from './sessions.js';
import type { AgentStore, ConnectionRecord, InvitationChannel, MessageRecord, ProfileData, ProfileRecord } from './store.js';
import { WorkLoop } from './work-loop.js';

export interface AgentOptions {
  readonly store: AgentStore;
  readonly crypto: Crypto;
  readonly webSocket: WebSocketFactory;
  readonly now?: () => number;
  /** Relay handshake and command timeout. */
  readonly timeoutMs?: number;
}

export interface NewProfile extends ProfileData {
  readonly relays: readonly string[];
  readonly sessionPerConnection?: boolean;
  /** 1 to 4; see ProfileRecord.queuesPerRelay. */
  readonly queuesPerRelay?: number;
}

const MAX_TEXT_BYTES = 15_000;
const ACTIVE_PROFILE = 'activeProfile';

/** A message written on this side, to be sealed once the connection is connected (encryptQueued). */
function queuedMessage(id: string, connectionId: string, kind: 'text' | 'profile', text: string, now: number): MessageRecord {
  return { id, connectionId, direction: 'sent', kind, seq: 0, text, timestamp: now, localTime: now, status: 'queued', envelope: null, hash: null };
}

/** Whether a stored invitation link is this invitation (links may differ in form: app or web). */
function equalInvitation(link: string, invitation: Invitation): boolean {
  try {
    return equalBytes(encodeInvitation(parseInvitationLink(link)), encodeInvitation(invitation));
  } catch {
    return false;
  }
}

function checkProfile(profile: ProfileData): void {
  const name = profile.displayName.trim();
  // Control characters in a name could rewrite a terminal; the codec enforces the same.
  if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new AgentError('BAD_PROFILE', 'a display name has 1 to 100 characters and no control characters');
  }
}

export class Agent {
  onEvent: (event: AgentEvent) => void = () => {};
  private readonly store: AgentStore;
  private readonly crypto: Crypto;
  private readonly now: () => number;
  private readonly pool: RelayPool;
  private readonly ctx: AgentContext;
  private readonly receiver: Receiver;
  private readonly dispatcher: OutboxDispatcher;
  private readonly work: WorkLoop;
  private readonly webSocket: WebSocketFactory;
  private readonly timeoutMs: number | undefined;

  constructor(options: AgentOptions) {
    this.store = new CachedStore(options.store);
    this.crypto = options.crypto;
    this.webSocket = options.webSocket;
    this.timeoutMs = options.timeoutMs;
    this.now = options.now ?? Date.now;
    this.pool = new RelayPool({
      crypto: options.crypto,
      webSocket: options.webSocket,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      onUp: (session) => this.sessionUp(session),
      onDown: (session, reason) => this.emit([{ event: 'relay-down', relay: relayKey(session.relay), reason }]),
      onPush: (session, push) => this.receiver.received(session, push),
    });
    this.ctx = { store: this.store, crypto: this.crypto, now: this.now, pool: this.pool, activity: new Activity(this.now), emit: (events) => this.emit(events) };
    const kick = (): void => this.work.kick();
    const securer = new QueueSecurer(this.ctx, kick);
    this.dispatcher = new OutboxDispatcher(this.ctx, { awaitsOwnKeys: (connection) => securer.awaitsOwnKeys(connection), kick });
    this.work = new WorkLoop(this.ctx, securer, this.dispatcher);
    this.receiver = new Receiver(this.ctx, kick);
    for (const connection of this.store.listConnections()) this.receiver.indexQueues(connection);
  }

  // ---- profiles ----

  createProfile(input: NewProfile): ProfileRecord {
    const { relays, sessionPerConnection, queuesPerRelay, ...profile } = input;
    checkProfile(profile);
    if (relays.length === 0) throw new AgentError('NO_RELAYS', 'a profile needs at least one relay');
    const lanes = queuesPerRelay ?? 1;
    // An invitation lists at most 8 queues (graph-chat §2.2).
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 4 || lanes * relays.length > 8) {
      throw new AgentError('BAD_PROFILE', 'queues per relay is 1 to 4, and at most 8 queues in all');
    }
    for (const relay of relays) this.checkRelay(relay);
    const record: ProfileRecord = {
      id: newId(this.crypto),
      profile,
      relays: [...relays],
      sessionPerConnection: sessionPerConnection ?? false,
      ...(lanes > 1 ? { queuesPerRelay: lanes } : {}),
      createdAt: this.now(),
    };
    this.store.transaction(() => {
      this.store.putProfile(record);
      if (this.store.getMeta(ACTIVE_PROFILE) === null) this.store.setMeta(ACTIVE_PROFILE, record.id);
    });
    return record;
  }

  listProfiles(): ProfileRecord[] {
    return this.store.listProfiles();
  }

  activeProfile(): ProfileRecord {
    const id = this.store.getMeta(ACTIVE_PROFILE);
    const profile = id === null ? null : this.store.getProfile(id);
    if (profile === null) throw new AgentError('NO_PROFILE', 'no profile yet: run init first');
    return profile;
  }

  setActiveProfile(id: string): void {
    if (this.store.getProfile(id) === null) throw new AgentError('NO_PROFILE', `no profile ${id}`);
    this.store.transaction(() => this.store.setMeta(ACTIVE_PROFILE, id));
  }

  /** Changes a profile; its contacts receive the new one with the next messages. */
  updateProfile(id: string, profile: ProfileData): void {
    checkProfile(profile);
    const record = this.store.getProfile(id);
    if (record === null) throw new AgentError('NO_PROFILE', `no profile ${id}`);
    const now = this.now();
    this.store.transaction(() => {
      this.store.putProfile({ ...record, profile });
      for (const connection of this.store.listConnections(id)) {
        if (connection.status === 'failed' || connection.status === 'invited' || connection.status === 'address' || connection.status === 'request') continue;
        this.store.putMessage(queuedMessage(newId(this.crypto), connection.id, 'profile', '', now));
      }
    });
    this.work.kick();
  }

  /**
   * Sets the relays on which a profile creates the queues of its new
   * connections. Existing connections keep the queues of their handshake
   * (graph-chat §8.6), so their relays stay in use.
   */
  updateRelays(id: string, relays: readonly string[]): void {
    const record = this.store.getProfile(id);
    if (record === null) throw new AgentError('NO_PROFILE', `no profile ${id}`);
    if (relays.length === 0) throw new AgentError('NO_RELAYS', 'a profile needs at least one relay');
    if ((record.queuesPerRelay ?? 1) * relays.length > 8) throw new AgentError('BAD_PROFILE', 'at most 8 queues in all');
    for (const relay of relays) this.checkRelay(relay);
    this.store.transaction(() => this.store.putProfile({ ...record, relays: [...relays] }));
  }

  /**
   * Connects to a relay, checks its identity against the address (the Noise
   * handshake fails otherwise) and that it answers; throws AgentError
   * BAD_RELAY_ADDRESS or RELAY_UNREACHABLE. A private relay's password is
   * checked only when a queue is created.
   */
  async testRelay(address: string): Promise<void> {
    this.checkRelay(address);
    let client: RelayClient;
    try {
      client = await RelayClient.connect(address, { crypto: this.crypto, webSocket: this.webSocket, ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}) });
    } catch (error) {
      throw new AgentError('RELAY_UNREACHABLE', (error as Error).message);
    }
    try {
      const response = await client.command(new Uint8Array(0), { type: 'PING' }, null);
      if (response.type !== 'PONG') throw new AgentError('RELAY_UNREACHABLE', `relay answered ${response.type} to PING`);
    } catch (error) {
      if (error instanceof AgentError) throw error;
      throw new AgentError('RELAY_UNREACHABLE', (error as Error).message);
    } finally {
      client.close();
    }
  }

  // ---- invitations and handshake ----

  /**
   * Creates receive queues on the profile's relays and a one-time invitation
   * link for them (graph-chat §7.1). With `offTheRecord`, the connection
   * is off the record from its start: nothing on it is ever signed (§8.5).
   */
  async createInvitation(options: { offTheRecord?: boolean } = {}): Promise<{ link: string; contactId: string }> {
    const profile = this.activeProfile();
    const id = newId(this.crypto);
    const receiveQueues = await newQueues(this.ctx, profile, id);
    const kind = options.offTheRecord === true ? 'off-the-record' : 'one-time';
    const { connection, link } = createInvitation(this.crypto, { id, profileId: profile.id, receiveQueues, now: this.now() }, kind);
    this.store.transaction(() => this.store.putConnection(connection));
    this.receiver.indexQueues(connection);
    if (this.work.running) subscribeConnection(this.ctx, connection);
    return { link, contactId: id };
  }

  /**
   * A contact address for the active profile (graph-chat §7.6): a link many
   * people can use to ask for a connection, each request to be accepted or
   * declined. Made on first use, the same one afterwards.
   */
  async contactAddress(): Promise<{ link: string }> {
    const profile = this.activeProfile();
    const existing = this.store.listConnections(profile.id).find((c) => c.status === 'address');
    if (existing?.invitationLink) return { link: existing.invitationLink };
    const id = newId(this.crypto);
    const receiveQueues = await newQueues(this.ctx, profile, id);
    const { connection, link } = createInvitation(this.crypto, { id, profileId: profile.id, receiveQueues, now: this.now() }, 'contact-address');
    this.store.transaction(() => this.store.putConnection(connection));
    this.receiver.indexQueues(connection);
    if (this.work.running) subscribeConnection(this.ctx, connection);
    return { link };
  }

  /**
   * Joins a one-time invitation (graph-chat §7.2), or sends a request to a
   * contact address (§7.6). Returns the new contact, pending until connected.
   */
  async connect(link: string, options: { channel?: InvitationChannel } = {}): Promise<{ contactId: string }> {
    let invitation: Invitation;
    try {
      invitation = parseInvitationLink(link);
    } catch (error) {
      if (error instanceof ChatError || error instanceof DecodeError) throw new AgentError('BAD_INVITATION', `not a valid invitation: ${error.message}`);
      throw error;
    }
    const linkId = `joined ${toHex(this.crypto.sha256(encodeInvitation(invitation)))}`;
    if (this.store.listConnections().some((c) => c.invitationLink !== null && c.status !== 'request' && equalInvitation(c.invitationLink, invitation))) {
      throw new AgentError('OWN_INVITATION', 'this is your own invitation: send it to the person you want to connect with');
    }
    if (this.store.getMeta(linkId) !== null) {
      throw new AgentError('INVITATION_USED', invitation.kind === 'contact-address' ? 'you already sent a request to this address' : 'this invitation was already used');
    }
    const channel = options.channel ?? 'link';
    if (invitation.kind === 'contact-address') return this.request(invitation, linkId, channel);
    return this.join(invitation, { id: newId(this.crypto), linkId, channel, peerProfile: null });
  }

  /** Accepts a request that arrived at this profile's contact address: joins the requester's invitation. */
  async acceptRequest(contactId: string): Promise<void> {
    const request = this.connection(contactId);
    if (request.status !== 'request' || request.invitationLink === null) throw new AgentError('NOT_A_REQUEST', `${contactId} is not a pending request`);
    const invitation = parseInvitationLink(request.invitationLink);
    await this.join(invitation, { id: request.id, linkId: null, channel: request.channel, peerProfile: request.peerProfile });
  }

  /** Declines a request that arrived at this profile's contact address; the requester is not told. */
  declineRequest(contactId: string): void {
    const request = this.connection(contactId);
    if (request.status !== 'request') throw new AgentError('NOT_A_REQUEST', `${contactId} is not a pending request`);
    this.store.transaction(() => this.store.putConnection({ ...request, status: 'failed', failure: 'request declined', invitationLink: null }));
  }

  private async join(
    invitation: Invitation,
    options: { id: string; linkId: string | null; channel: InvitationChannel; peerProfile: ProfileData | null },
  ): Promise<{ contactId: string }> {
    const profile = this.activeProfile();
    const { id } = options;
    const receiveQueues = await newQueues(this.ctx, profile, id);
    const now = this.now();
    let joined;
    try {
      joined = joinInvitation(this.crypto, { id, profileId: profile.id, receiveQueues, now }, invitation, profile.profile, options.channel);
    } catch (error) {
      if (error instanceof AgreementError) throw new AgentError('BAD_INVITATION', `the invitation's keys are unusable: ${error.message}`);
      throw error;
    }
    const { sealed, body } = joined;
    const connection = { ...sealed.connection, peerProfile: options.peerProfile };
    const confirmationId = newId(this.crypto);
    this.store.transaction(() => {
      this.store.putConnection(connection);
      this.store.putMessage({
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
      if (options.linkId !== null) this.store.setMeta(options.linkId, id);
      // The inviter's queues are not secured yet: the confirmation goes unsigned.
      enqueueSealed(this.store, sealed, confirmationId, false, body);
    });
    this.receiver.indexQueues(connection);
    await this.dispatcher.sendNow(id);
    const after = this.store.getConnection(id);
    if (after?.status === 'failed') throw new AgentError('INVITATION_USED', after.failure ?? 'this invitation was already used');
    if (this.work.running) subscribeConnection(this.ctx, connection);
    return { contactId: id };
  }

  /** §7.6: this side's own one-time invitation, sent in a request to the contact address's queues. */
  private async request(address: Invitation, linkId: string, channel: InvitationChannel): Promise<{ contactId: string }> {
    const profile = this.activeProfile();
    const id = newId(this.crypto);
    const receiveQueues = await newQueues(this.ctx, profile, id);
    const now = this.now();
    const own = createInvitation(this.crypto, { id, profileId: profile.id, receiveQueues, now });
    let request;
    try {
      request = requestContact(this.crypto, address, own.invitation, profile.profile, now);
    } catch (error) {
      if (error instanceof AgreementError) throw new AgentError('BAD_INVITATION', `the address's keys are unusable: ${error.message}`);
      throw error;
    }
    const connection: ConnectionRecord = { ...own.connection, status: 'requested', channel };
    this.store.transaction(() => {
      this.store.putConnection(connection);
      this.store.setMeta(linkId, id);
      for (const queue of address.queues) {
        this.store.addOutbox({ connectionId: id, relay: queue.relay, senderId: queue.senderId, senderSecretKey: null, body: request.body, messageId: null, seq: request.seq, hash: request.hash });
      }
    });
    this.receiver.indexQueues(connection);
    await this.dispatcher.sendNow(id);
    if (this.work.running) subscribeConnection(this.ctx, connection);
    return { contactId: id };
  }

  // ---- contacts and messages ----

  contacts(): ContactInfo[] {
    const profile = this.activeProfile();
    return this.store
      .listConnections(profile.id)
      .filter((c) => c.status !== 'invited' && c.status !== 'address')
      .map((c) => this.contactInfo(c));
  }

  findContact(idOrName: string): ContactInfo {
    const byId = this.store.getConnection(idOrName);
    if (byId !== null && byId.profileId === this.activeProfile().id) return this.contactInfo(byId);
    const all = this.contacts();
    const byName = all.filter((c) => c.name === idOrName);
    if (byName.length === 1) return byName[0]!;
    if (byName.length > 1) throw new AgentError('AMBIGUOUS_CONTACT', `${byName.length} contacts are named "${idOrName}": use the contact id`);
    throw new AgentError('NO_CONTACT', `no contact "${idOrName}"`);
  }

  /** Queues a text message; it is encrypted once the contact is connected and sent on the next sync. */
  send(contactId: string, text: string): { messageId: string } {
    const connection = this.connection(contactId);
    if (connection.status === 'failed') throw new AgentError('NOT_CONNECTED', `the connection failed: ${connection.failure ?? ''}`);
    if (utf8(text).length > MAX_TEXT_BYTES) throw new AgentError('TOO_LONG', `a message has at most ${MAX_TEXT_BYTES} bytes`);
    const now = this.now();
    const id = newId(this.crypto);
    this.store.transaction(() => this.store.putMessage(queuedMessage(id, connection.id, 'text', text, now)));
    this.work.kick();
    return { messageId: id };
  }

  /**
   * Proposes to take the conversation off the record (true) or back on it
   * (false); it switches once the contact agrees (acceptMode on their side),
   * reported by a `mode` event. Throws AgentError NOT_CONNECTED.
   */
  proposeMode(contactId: string, offTheRecord: boolean): void {
    const connection = this.connection(contactId);
    if (connection.status !== 'connected') throw new AgentError('NOT_CONNECTED', 'the mode of a conversation changes once it is connected');
    if ((connection.offTheRecord === true) === offTheRecord && connection.modeProposal == null) return; // already so
    const ctx = inboundContext(this.ctx, this.now());
    this.store.transaction(() => this.store.putConnection(proposeMode(ctx, this.store.getConnection(contactId)!, offTheRecord)));
    this.work.kick();
  }

  /** Agrees to the contact's pending proposal (a `mode-request` event); throws AgentError NO_MODE_REQUEST if there is none. */
  acceptMode(contactId: string): void {
    const connection = this.connection(contactId);
    const proposal = connection.modeProposal;
    if (proposal == null || !proposal.byPeer) throw new AgentError('NO_MODE_REQUEST', 'this contact has not proposed a change of mode');
    const ctx = inboundContext(this.ctx, this.now());
    this.store.transaction(() => this.store.putConnection(acceptMode(ctx, this.store.getConnection(contactId)!, proposal.offTheRecord)));
    this.emit(ctx.events);
    this.work.kick();
  }

  history(contactId: string): HistoryItem[] {
    const connection = this.connection(contactId);
    return this.store
      .listMessages(connection.id)
      .filter((m) => m.kind === 'text')
      .map((m) => ({ id: m.id, direction: m.direction, text: m.text, status: m.status, timestamp: m.timestamp, seq: m.seq }));
  }

  /** The connection's security code (graph-chat §6); both sides see the same one. */
  securityCode(contactId: string): string {
    const connection = this.connection(contactId);
    if (connection.associatedData === null) throw new AgentError('NOT_CONNECTED', 'no security code before the contact has joined');
    return securityCode(this.crypto, connection.associatedData);
  }

  /** Marks the contact verified when `code` is its security code; returns whether it was. */
  verifyCode(contactId: string, code: string): boolean {
    const expected = this.securityCode(contactId);
    if (!securityCodeMatches(expected, code)) return false;
    this.store.transaction(() => {
      const connection = this.connection(contactId);
      this.store.putConnection({ ...connection, codeVerified: true });
    });
    return true;
  }

  /**
   * A proof bundle of the conversation with the contact, from message
   * `range.from` to `range.to` (ids as in `history`; default all of it),
   * for anyone to check with `verifyProofBundle`. Throws AgentError
   * NO_CONTACT, NOT_CONNECTED, BAD_RANGE or OFF_THE_RECORD.
   */
  exportProof(contactId: string, range: ProofRange = {}): ProofBundle {
    const connection = this.connection(contactId);
    return exportProof(this.crypto, connection, this.store.listMessages(connection.id), range);
  }

  // ---- running ----

  /** Connects to every relay in use and keeps working until `stop`. */
  async start(): Promise<void> {
    const { activity } = this.ctx;
    this.work.start();
    this.pool.reconnect = true;
    activity.touch();
    // A session opened earlier (to create queues, say) is up already and won't report it again: subscribe here too.
    await Promise.all(sessionsInUse(this.ctx).map(async (session) => (await activity.track(session.open())) !== null && subscribeSession(this.ctx, session)));
    this.work.kick();
  }

  /** Does all pending work, then resolves once nothing has happened for `idleMs`, or at `timeoutMs`. */
  async sync(options: { timeoutMs: number; idleMs?: number }): Promise<void> {
    const { activity } = this.ctx;
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
    void subscribeSession(this.ctx, session);
    this.work.kick();
  }

  private checkRelay(relay: string): void {
    try {
      parseRelayAddress(relay);
    } catch (error) {
      throw new AgentError('BAD_RELAY_ADDRESS', (error as Error).message);
    }
  }

  private connection(contactId: string): ConnectionRecord {
    const connection = this.store.getConnection(contactId);
    if (connection === null) throw new AgentError('NO_CONTACT', `no contact ${contactId}`);
    return connection;
  }

  private contactInfo(c: ConnectionRecord): ContactInfo {
    return {
      id: c.id,
      profileId: c.profileId,
      name: c.peerProfile?.displayName ?? '',
      profile: c.peerProfile,
      status: c.status === 'connected' ? 'connected' : c.status === 'failed' ? 'failed' : 'pending',
      verified: c.codeVerified,
      channel: c.channel,
      codeVerified: c.codeVerified,
      failure: c.failure,
      request: c.status === 'request',
      offTheRecord: c.offTheRecord === true,
      modeRequest: c.modeProposal?.byPeer === true ? { offTheRecord: c.modeProposal.offTheRecord } : null,
    };
  }

  /**
   * A listener's error must not stop the agent mid-step (a received message
   * would go unacknowledged, the work loop unkicked): it is rethrown on its
   * own, where it shows as an uncaught error and nothing else depends on it.
   */
  private emit(events: readonly AgentEvent[]): void {
    for (const event of events) {
      try {
        this.onEvent(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
