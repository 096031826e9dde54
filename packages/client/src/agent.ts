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
 */
import {
  ChatError,
  DecodeError,
  decodeQueueBody,
  encodeInvitation,
  formatInvitationLink,
  MAX_BATCHED_RECEIPTS,
  ZERO_HASH,
  equalBytes,
  parseInvitationLink,
  parseRelayAddress,
  RatchetError,
  securityCode,
  securityCodeMatches,
  toHex,
  utf8,
  AgreementError,
  type Crypto,
  type Invitation,
} from '@graphchat/core';
import { AgentError, type AgentEvent, type ContactInfo, type HistoryItem } from './agent-types.js';
import { CachedStore } from './cached-store.js';
import { decryptEnvelope, sealEnvelope, verifyEnvelope } from './conversation.js';
import { acceptConfirmation, createInvitation, HandshakeRejected, joinInvitation, openRequest, profileContent, requestContact } from './handshake.js';
import { deliverEnvelope, sealReceipts, storeSentHandshake, type InboundContext } from './inbound.js';
import { backoffMs, enqueueSealed } from './outbox.js';
import { ackMessage, createQueue, openMessage, QueueError, type RecipientQueue } from './queue.js';
import { RelayClientError, type Push, type WebSocketFactory } from './relay-client.js';
import { relayKey, RelayPool, type PoolSession } from './relay-pool.js';
import type { AgentStore, ConnectionRecord, InvitationChannel, MessageRecord, OutboxRecord, ProfileData, ProfileRecord, ReceiveQueueRecord } from './store.js';

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
}

/** Outbox items in flight per queue: the relay keeps their order (EMP §5.3), so pipelining is safe. */
const MAX_IN_FLIGHT_PER_QUEUE = 16;
const MAX_TEXT_BYTES = 15_000;
/** Requests at a contact address waiting for the user's answer, at most (per profile). */
const MAX_PENDING_REQUESTS = 100;
/** Envelopes held for a gap before them, at most (per connection): what a peer can make this side store unseen. */
const MAX_HELD = 1000;
/** How long a receipt waits for others to share its envelope; well below what a person notices. */
const RECEIPT_DELAY_MS = 20;
const ACTIVE_PROFILE = 'activeProfile';

/** Identifies the queue an outbox item goes to; computed once per item, as the work loop asks on every pass. */
const queueKeys = new WeakMap<OutboxRecord, string>();
function queueKey(item: OutboxRecord): string {
  let key = queueKeys.get(item);
  if (key === undefined) {
    key = `${relayKey(item.relay)} ${toHex(item.senderId)}`;
    queueKeys.set(item, key);
  }
  return key;
}

function asRecipientQueue(queue: ReceiveQueueRecord): RecipientQueue {
  return {
    recipientId: queue.recipientId,
    senderId: queue.senderId,
    recipientKey: { publicKey: queue.recipientPublicKey, secretKey: queue.recipientSecretKey },
    secret: queue.secret,
  };
}

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
  /** Receive queues by recipient id (hex). */
  private readonly queueIndex = new Map<string, { connectionId: string; index: number }>();
  /** Outbox item ids being sent, and per queue how many. */
  private readonly inFlight = new Set<number>();
  private readonly inFlightPerQueue = new Map<string, number>();
  /** Outbox items that failed, by id: retried after backoff (in memory: a restart retries at once). */
  private readonly deferred = new Map<number, { failures: number; until: number }>();
  /** Receive queues (recipient id hex) with a KEY in flight, and those whose relay refused KEY (not retried until restart). */
  private readonly keying = new Set<string>();
  private readonly keyRefused = new Set<string>();
  private pending = 0;
  private lastActivity = 0;
  private running = false;
  private pumpScheduled = false;
  /** Outbox items a relay accepted, not yet recorded (recordAccepted). */
  private accepted: OutboxRecord[] = [];
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeTime = 0;
  /** When each connection's oldest due receipt became due (answerReceipts). */
  private readonly receiptsDueSince = new Map<string, number>();

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
      onPush: (session, push) => this.received(session, push),
    });
    for (const connection of this.store.listConnections()) this.indexQueues(connection);
  }

  // ---- profiles ----

  createProfile(input: NewProfile): ProfileRecord {
    const { relays, sessionPerConnection, ...profile } = input;
    checkProfile(profile);
    if (relays.length === 0) throw new AgentError('NO_RELAYS', 'a profile needs at least one relay');
    for (const relay of relays) this.checkRelay(relay);
    const record: ProfileRecord = {
      id: this.newId(),
      profile,
      relays: [...relays],
      sessionPerConnection: sessionPerConnection ?? false,
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
        this.store.putMessage(queuedMessage(this.newId(), connection.id, 'profile', '', now));
      }
    });
    this.kick();
  }

  // ---- invitations and handshake ----

  /** Creates receive queues on the profile's relays and a one-time invitation link for them (graph-chat §7.1). */
  async createInvitation(): Promise<{ link: string; contactId: string }> {
    const profile = this.activeProfile();
    const id = this.newId();
    const receiveQueues = await this.newQueues(profile, id);
    const { connection, link } = createInvitation(this.crypto, { id, profileId: profile.id, receiveQueues, now: this.now() });
    this.store.transaction(() => this.store.putConnection(connection));
    this.indexQueues(connection);
    if (this.running) this.subscribeConnection(connection);
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
    const id = this.newId();
    const receiveQueues = await this.newQueues(profile, id);
    const { connection, link } = createInvitation(this.crypto, { id, profileId: profile.id, receiveQueues, now: this.now() }, 'contact-address');
    this.store.transaction(() => this.store.putConnection(connection));
    this.indexQueues(connection);
    if (this.running) this.subscribeConnection(connection);
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
      throw new AgentError('INVITATION_USED', invitation.kind === 'one-time' ? 'this invitation was already used' : 'you already sent a request to this address');
    }
    const channel = options.channel ?? 'link';
    if (invitation.kind === 'contact-address') return this.request(invitation, linkId, channel);
    return this.join(invitation, { id: this.newId(), linkId, channel, peerProfile: null });
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
    const receiveQueues = await this.newQueues(profile, id);
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
    const confirmationId = this.newId();
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
    this.indexQueues(connection);
    await this.sendNow(id);
    const after = this.store.getConnection(id);
    if (after?.status === 'failed') throw new AgentError('INVITATION_USED', after.failure ?? 'this invitation was already used');
    if (this.running) this.subscribeConnection(connection);
    return { contactId: id };
  }

  /** §7.6: this side's own one-time invitation, sent in a request to the contact address's queues. */
  private async request(address: Invitation, linkId: string, channel: InvitationChannel): Promise<{ contactId: string }> {
    const profile = this.activeProfile();
    const id = this.newId();
    const receiveQueues = await this.newQueues(profile, id);
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
    this.indexQueues(connection);
    await this.sendNow(id);
    if (this.running) this.subscribeConnection(connection);
    return { contactId: id };
  }

  /** Sends a new connection's outbox items at once, so that a refusal shows in the call that caused it. */
  private async sendNow(connectionId: string): Promise<void> {
    const items = this.store.listOutbox().filter((item) => item.connectionId === connectionId);
    await Promise.all(items.map((item) => this.dispatch(item)));
    this.recordAccepted();
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
    const id = this.newId();
    this.store.transaction(() => this.store.putMessage(queuedMessage(id, connection.id, 'text', text, now)));
    this.kick();
    return { messageId: id };
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

  // ---- running ----

  /** Connects to every relay in use and keeps working until `stop`. */
  async start(): Promise<void> {
    this.running = true;
    this.pool.reconnect = true;
    this.lastActivity = this.now();
    // A session opened earlier (to create queues, say) is up already and won't report it again: subscribe here too.
    await Promise.all(this.sessionsInUse().map(async (session) => (await this.track(session.open())) !== null && this.subscribeSession(session)));
    this.kick();
  }

  /** Does all pending work, then resolves once nothing has happened for `idleMs`, or at `timeoutMs`. */
  async sync(options: { timeoutMs: number; idleMs?: number }): Promise<void> {
    const idleMs = options.idleMs ?? 1000;
    const deadline = this.now() + options.timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.start(), new Promise<void>((resolve) => (timer = setTimeout(() => resolve(), options.timeoutMs)))]);
    clearTimeout(timer);
    while (this.now() < deadline) {
      if (this.pending === 0 && !this.hasWork() && this.now() - this.lastActivity >= idleMs) break;
      await new Promise<void>((resolve) => setTimeout(() => resolve(), Math.min(50, Math.max(1, deadline - this.now()))));
    }
    await this.stop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.recordAccepted();
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.pool.close();
  }

  // ---- internals: sessions and subscriptions ----

  private groupOf(connection: ConnectionRecord): string {
    const profile = this.store.getProfile(connection.profileId);
    return profile?.sessionPerConnection ? `connection ${connection.id}` : `profile ${connection.profileId}`;
  }

  private sessionsInUse(): PoolSession[] {
    const sessions = new Set<PoolSession>();
    for (const connection of this.store.listConnections()) {
      if (connection.status === 'failed') continue;
      const group = this.groupOf(connection);
      for (const queue of connection.receiveQueues) sessions.add(this.pool.session(queue.relay, group));
    }
    for (const item of this.store.listOutbox()) {
      const connection = this.store.getConnection(item.connectionId);
      if (connection !== null) sessions.add(this.pool.session(item.relay, this.groupOf(connection)));
    }
    return [...sessions];
  }

  private indexQueues(connection: ConnectionRecord): void {
    connection.receiveQueues.forEach((queue, index) => this.queueIndex.set(toHex(queue.recipientId), { connectionId: connection.id, index }));
  }

  private sessionUp(session: PoolSession): void {
    this.emit([{ event: 'relay-up', relay: relayKey(session.relay) }]);
    // Items waiting for this relay go now rather than at the end of their backoff.
    for (const item of this.store.listOutbox()) if (relayKey(item.relay) === relayKey(session.relay)) this.deferred.delete(item.id);
    void this.subscribeSession(session);
    this.kick();
  }

  private subscribeConnection(connection: ConnectionRecord): void {
    const group = this.groupOf(connection);
    for (const queue of connection.receiveQueues) void this.subscribeSession(this.pool.session(queue.relay, group));
  }

  private async subscribeSession(session: PoolSession): Promise<void> {
    const queues: RecipientQueue[] = [];
    for (const connection of this.store.listConnections()) {
      if (connection.status === 'failed' || this.groupOf(connection) !== session.group) continue;
      for (const queue of connection.receiveQueues) {
        if (relayKey(queue.relay) === relayKey(session.relay) && !session.subscribed.has(toHex(queue.recipientId))) queues.push(asRecipientQueue(queue));
      }
    }
    if (queues.length === 0) return;
    const client = await this.track(session.open());
    if (client === null) return;
    for (const queue of queues) session.subscribed.add(toHex(queue.recipientId));
    try {
      await this.track(client.commands(queues.map((queue) => ({ entityId: queue.recipientId, command: { type: 'SUB' }, signingKey: queue.recipientKey.secretKey }))));
    } catch {
      for (const queue of queues) session.subscribed.delete(toHex(queue.recipientId));
    }
  }

  // ---- internals: the work loop ----

  /**
   * Schedules one run of the work loop. Runs are coalesced: the responses to
   * a whole block of commands, or a burst of received messages, cause one
   * pass over the outbox, not one each.
   */
  private kick(): void {
    if (!this.running || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setTimeout(() => {
      this.pumpScheduled = false;
      if (!this.running) return;
      this.recordAccepted();
      this.answerReceipts();
      this.secureQueues();
      this.encryptQueued();
      this.dispatchOutbox();
    }, 0);
  }

  /** Whether there is work this agent could do now (with relays reachable). */
  private hasWork(): boolean {
    for (const connection of this.store.listConnections()) {
      if (connection.status === 'connected' && this.store.listUnencrypted(connection.id).length > 0) return true;
      if (connection.receiptsDue.length > 0) return true;
      const group = this.groupOf(connection);
      for (const queue of connection.receiveQueues) {
        if (queue.peerSenderKey !== null && !queue.secured && this.pool.session(queue.relay, group).isUp) return true;
      }
    }
    for (const item of this.store.listOutbox()) {
      const connection = this.store.getConnection(item.connectionId);
      if (connection !== null && this.pool.session(item.relay, this.groupOf(connection)).isUp) return true;
    }
    return false;
  }

  /**
   * Seals the receipts due on each connection once the oldest has waited
   * RECEIPT_DELAY_MS (or a full envelope's worth is due): a burst of
   * messages is answered by one envelope instead of one each.
   */
  private answerReceipts(): void {
    const now = this.now();
    for (const connection of this.store.listConnections()) {
      if (connection.receiptsDue.length === 0) {
        this.receiptsDueSince.delete(connection.id);
        continue;
      }
      const since = this.receiptsDueSince.get(connection.id) ?? now;
      if (now - since < RECEIPT_DELAY_MS && connection.receiptsDue.length < MAX_BATCHED_RECEIPTS) {
        this.receiptsDueSince.set(connection.id, since);
        this.wakeAt(since + RECEIPT_DELAY_MS);
        continue;
      }
      this.receiptsDueSince.delete(connection.id);
      const ctx: InboundContext = { store: this.store, crypto: this.crypto, now, newId: () => this.newId(), events: [] };
      this.store.transaction(() => this.store.putConnection(sealReceipts(ctx, this.store.getConnection(connection.id)!)));
    }
  }

  /** KEY: registers the peer's sender key on each receive queue that has one and is not secured yet. */
  private secureQueues(): void {
    for (const connection of this.store.listConnections()) {
      if (connection.status === 'failed') continue;
      connection.receiveQueues.forEach((queue, index) => {
        const id = toHex(queue.recipientId);
        if (queue.peerSenderKey === null || queue.secured || this.keying.has(id) || this.keyRefused.has(id)) return;
        const session = this.pool.session(queue.relay, this.groupOf(connection));
        this.keying.add(id);
        void this.track(this.secureQueue(session, connection.id, index, queue.peerSenderKey)).finally(() => {
          this.keying.delete(id);
          this.kick();
        });
      });
    }
  }

  private async secureQueue(session: PoolSession, connectionId: string, index: number, senderKey: Uint8Array): Promise<void> {
    const client = await session.open();
    if (client === null) return;
    const queue = this.store.getConnection(connectionId)?.receiveQueues[index];
    if (queue === undefined) return;
    let response;
    try {
      response = await client.command(queue.recipientId, { type: 'KEY', senderAuthKey: senderKey }, queue.recipientSecretKey);
    } catch {
      return; // The session dropped; KEY is retried when it is back.
    }
    if (response.type !== 'OK') {
      this.keyRefused.add(toHex(queue.recipientId));
      this.emit([{ event: 'rejected', contact: connectionId, reason: `relay refused to secure a queue: ${response.type === 'ERR' ? response.code : response.type}` }]);
      return;
    }
    this.store.transaction(() => {
      const connection = this.store.getConnection(connectionId);
      if (connection === null) return;
      const receiveQueues = connection.receiveQueues.map((q, i) => (i === index && equalBytes(q.peerSenderKey ?? new Uint8Array(0), senderKey) ? { ...q, secured: true } : q));
      this.store.putConnection({ ...connection, receiveQueues });
    });
  }

  /** Encrypts the queued messages of connected contacts into the outbox, in order. */
  private encryptQueued(): void {
    for (const connection of this.store.listConnections()) {
      if (connection.status !== 'connected') continue;
      const queued = this.store.listUnencrypted(connection.id);
      if (queued.length === 0) continue;
      const profile = this.store.getProfile(connection.profileId);
      this.store.transaction(() => {
        let current = this.store.getConnection(connection.id)!;
        for (const message of queued) {
          const content =
            message.kind === 'profile' && profile !== null
              ? ({ type: 'profile', profile: profileContent(profile.profile) } as const)
              : ({ type: 'text', text: message.text } as const);
          const sealed = sealEnvelope(this.crypto, current, content, message.timestamp);
          current = sealed.connection;
          this.store.putMessage({ ...message, seq: sealed.envelope.seq, envelope: sealed.signed, hash: sealed.hash });
          enqueueSealed(this.store, sealed, message.id);
        }
        this.store.putConnection(current);
      });
    }
  }

  /** Sends outbox items: per queue in id order, up to MAX_IN_FLIGHT_PER_QUEUE at once, none before an earlier one that waits. */
  private dispatchOutbox(): void {
    // Items a relay accepted are still in the outbox until recorded; they must not go again.
    this.recordAccepted();
    const now = this.now();
    const blocked = new Set<string>();
    let wakeAt = Infinity;
    for (const item of this.store.listOutbox()) {
      const key = queueKey(item);
      if (blocked.has(key) || this.inFlight.has(item.id)) continue;
      const connection = this.store.getConnection(item.connectionId);
      if (connection !== null && this.awaitsOwnKeys(connection)) {
        blocked.add(key);
        continue;
      }
      const deferred = this.deferred.get(item.id);
      if (deferred !== undefined && deferred.until > now) {
        blocked.add(key);
        wakeAt = Math.min(wakeAt, deferred.until);
        continue;
      }
      if ((this.inFlightPerQueue.get(key) ?? 0) >= MAX_IN_FLIGHT_PER_QUEUE) {
        blocked.add(key);
        continue;
      }
      void this.dispatch(item);
    }
    if (wakeAt !== Infinity) this.wakeAt(wakeAt);
  }

  /**
   * Whether the connection's outbox waits for KEY on its own queues: the
   * reply and the hello go only once this side's queues take nothing but the
   * peer's signed messages (graph-chat §7.3, §7.4). A queue whose relay is
   * down, or refused KEY, does not hold the others back; KEY is tried again
   * when the relay is back.
   */
  private awaitsOwnKeys(connection: ConnectionRecord): boolean {
    const group = this.groupOf(connection);
    return connection.receiveQueues.some((queue) => {
      const id = toHex(queue.recipientId);
      if (this.keying.has(id)) return true;
      return queue.peerSenderKey !== null && !queue.secured && !this.keyRefused.has(id) && this.pool.session(queue.relay, group).isUp;
    });
  }

  /** Runs the work loop at `time`, or earlier if already planned earlier. */
  private wakeAt(time: number): void {
    if (this.wakeTimer !== null) {
      if (this.wakeTime <= time) return;
      clearTimeout(this.wakeTimer);
    }
    this.wakeTime = time;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
    }, Math.max(1, time - this.now()));
  }

  /** Sends one outbox item and records the outcome. */
  private async dispatch(item: OutboxRecord): Promise<void> {
    const connection = this.store.getConnection(item.connectionId);
    if (connection === null) return;
    const key = queueKey(item);
    this.inFlight.add(item.id);
    this.inFlightPerQueue.set(key, (this.inFlightPerQueue.get(key) ?? 0) + 1);
    try {
      // An open session is used without a wait, so the items of one pass share blocks (EMP §5.3).
      const session = this.pool.session(item.relay, this.groupOf(connection));
      const client = session.isUp ? session.client : await this.track(session.open());
      if (client === null) return this.defer(item);
      let response;
      try {
        response = await this.track(client.command(item.senderId, { type: 'SEND', body: item.body }, item.senderSecretKey));
      } catch (error) {
        if (!(error instanceof RelayClientError)) throw error;
        // A relay that holds a connection open but stops answering counts as down, so its session is reopened.
        if (error.code === 'TIMEOUT') client.close();
        return this.defer(item);
      }
      if (response.type === 'OK') {
        this.accepted.push(item);
        return;
      }
      const code = response.type === 'ERR' ? response.code : response.type;
      if (code === 'AUTH' && item.senderSecretKey === null) return this.refusedUnsigned(item);
      if (code === 'AUTH' || code === 'QUOTA' || code === 'INTERNAL') return this.defer(item); // The peer hasn't secured the queue yet, or it is full.
      this.store.transaction(() => this.store.deleteOutbox(item.id));
      this.emit([{ event: 'rejected', contact: item.connectionId, reason: `relay refused a message: ${code}` }]);
    } finally {
      this.inFlight.delete(item.id);
      const left = (this.inFlightPerQueue.get(key) ?? 1) - 1;
      if (left > 0) this.inFlightPerQueue.set(key, left);
      else this.inFlightPerQueue.delete(key);
      this.kick();
    }
  }

  private defer(item: OutboxRecord): void {
    const failures = (this.deferred.get(item.id)?.failures ?? 0) + 1;
    this.deferred.set(item.id, { failures, until: this.now() + backoffMs(failures) });
  }

  /** Records the items relays have accepted since the last call, in one transaction. */
  private recordAccepted(): void {
    if (this.accepted.length === 0) return;
    const items = this.accepted;
    this.accepted = [];
    const events: AgentEvent[] = [];
    this.store.transaction(() => {
      for (const item of items) {
        this.deferred.delete(item.id);
        this.store.deleteOutbox(item.id);
        if (item.messageId === null) continue;
        const message = this.store.getMessage(item.messageId);
        if (message === null || message.status !== 'queued') continue;
        this.store.putMessage({ ...message, status: 'sent' });
        if (message.kind === 'text') events.push({ event: 'sent', contact: item.connectionId, message: message.id });
      }
    });
    this.emit(events);
  }

  /**
   * An unsigned SEND refused with AUTH: the queue is secured already, so the
   * invitation was used by someone else (or the queue is gone). When no relay
   * took the confirmation, the join fails.
   */
  private refusedUnsigned(item: OutboxRecord): void {
    const events: AgentEvent[] = [];
    this.store.transaction(() => {
      this.store.deleteOutbox(item.id);
      const connection = this.store.getConnection(item.connectionId);
      if (connection === null || connection.status !== 'joining') return;
      const others = this.store.listOutbox().some((other) => other.connectionId === connection.id && other.senderSecretKey === null);
      const message = item.messageId === null ? null : this.store.getMessage(item.messageId);
      if (others || message?.status !== 'queued') return;
      const failure = 'this invitation was already used';
      this.store.putConnection({ ...connection, status: 'failed', failure });
      events.push({ event: 'failed', contact: connection.id, reason: failure });
    });
    this.emit(events);
  }

  // ---- internals: receiving ----

  private received(session: PoolSession, push: Push): void {
    this.lastActivity = this.now();
    const recipientHex = toHex(push.recipientId);
    if (push.response.type === 'END') {
      session.subscribed.delete(recipientHex);
      return;
    }
    const { msgId, encryptedBody } = push.response;
    const ref = this.queueIndex.get(recipientHex);
    const connection = ref === undefined ? null : this.store.getConnection(ref.connectionId);
    const queue = ref === undefined ? undefined : connection?.receiveQueues[ref.index];
    if (connection === null || queue === undefined) return;
    let events: AgentEvent[];
    try {
      events = this.receive(connection, queue, msgId, encryptedBody);
    } catch (error) {
      // Not the message's fault (a store failure, say): nothing was stored, so it is not acknowledged, and the
      // relay delivers it again on the next subscription. Bad input never gets here; receive() rejects it.
      this.emit([{ event: 'rejected', contact: connection.id, reason: `not stored, to be delivered again: ${(error as Error).message}` }]);
      return;
    }
    this.emit(events);
    // Acknowledged only now that everything it caused is stored: a crash before this line means redelivery, not loss.
    const client = session.client;
    if (client !== null) void this.track(ackMessage(client, asRecipientQueue(queue), msgId).catch(() => {}));
    this.kick();
  }

  private receive(connection: ConnectionRecord, queue: ReceiveQueueRecord, msgId: Uint8Array, encryptedBody: Uint8Array): AgentEvent[] {
    const reject = (reason: string): AgentEvent[] => [{ event: 'rejected', contact: connection.id, reason }];
    if (connection.status === 'failed') return [];
    let body;
    try {
      body = decodeQueueBody(openMessage(this.crypto, asRecipientQueue(queue), msgId, encryptedBody).body);
    } catch (error) {
      return reject(`unreadable message: ${(error as Error).message}`);
    }
    if (body.type === 'confirmation') return this.receiveConfirmation(connection, body);
    if (connection.ratchet === null) return reject('message before the handshake');

    let decrypted;
    try {
      decrypted = decryptEnvelope(this.crypto, connection, body.header, body.ciphertext);
    } catch (error) {
      // The same message from another relay, or after a crash before ACK: already shown once.
      if (error instanceof RatchetError && error.code === 'DUPLICATE_OR_OLD') return [];
      return reject(`message rejected: ${(error as Error).message}`);
    }
    let verified;
    try {
      verified = verifyEnvelope(this.crypto, decrypted.connection, decrypted.signed);
    } catch (error) {
      return reject(`message rejected: ${(error as Error).message}`);
    }
    const { envelope } = verified;
    if (envelope.seq <= connection.lastReceivedSeq) return [];
    if (envelope.seq > connection.lastReceivedSeq + MAX_HELD) {
      // A signed envelope, so the peer's doing: a gap this wide is no delay through one relay but a broken or hostile client.
      return reject(`envelope ${envelope.seq} is more than ${MAX_HELD} ahead of the last one received`);
    }
    const ctx: InboundContext = { store: this.store, crypto: this.crypto, now: this.now(), newId: () => this.newId(), events: [] };
    this.store.transaction(() => {
      if (envelope.seq > connection.lastReceivedSeq + 1) {
        // A gap: an earlier envelope is still on its way through another relay. Hold this one until it arrives.
        this.store.putHeld(connection.id, envelope.seq, decrypted.signed);
        this.store.putConnection(decrypted.connection);
        return;
      }
      let current = deliverEnvelope(ctx, decrypted.connection, envelope, decrypted.signed, verified.hash);
      for (let held = this.store.takeHeld(current.id, current.lastReceivedSeq + 1); held !== null; held = this.store.takeHeld(current.id, current.lastReceivedSeq + 1)) {
        const next = verifyEnvelope(this.crypto, current, held);
        current = deliverEnvelope(ctx, current, next.envelope, held, next.hash);
      }
      this.store.putConnection(current);
    });
    return ctx.events;
  }

  /**
   * A request at a contact address (§7.6) becomes a pending contact. The
   * same request again (a copy through another relay, or a replay) is
   * recognised by its invitation and dropped.
   */
  private receiveRequest(address: ConnectionRecord, body: Parameters<typeof openRequest>[2]): AgentEvent[] {
    let request;
    try {
      request = openRequest(this.crypto, address, body);
    } catch (error) {
      if (error instanceof HandshakeRejected) return [{ event: 'rejected', contact: null, reason: error.message }];
      throw error;
    }
    const seen = `request ${toHex(this.crypto.sha256(encodeInvitation(request.invitation)))}`;
    if (this.store.getMeta(seen) !== null) return [];
    const pending = this.store.listConnections(address.profileId).filter((c) => c.status === 'request').length;
    if (pending >= MAX_PENDING_REQUESTS) {
      // Anyone with the address can ask; a flood must not grow the store without bound.
      return [{ event: 'rejected', contact: null, reason: `request dropped: ${MAX_PENDING_REQUESTS} requests already wait for an answer` }];
    }
    const id = this.newId();
    const now = this.now();
    const noKey = new Uint8Array(0);
    this.store.transaction(() => {
      this.store.setMeta(seen, id);
      this.store.putConnection({
        id,
        profileId: address.profileId,
        role: 'joiner',
        status: 'request',
        peerProfile: request.profile,
        channel: 'link',
        codeVerified: false,
        invitationLink: formatInvitationLink(request.invitation),
        agreementSecrets: null,
        associatedData: null,
        ratchet: null,
        // Keys are drawn when the request is accepted and its invitation joined.
        signingPublicKey: noKey,
        signingSecretKey: noKey,
        peerSigningKey: null,
        receiveQueues: [],
        sendQueues: [],
        lastSentSeq: 0,
        lastSentHash: ZERO_HASH,
        lastReceivedSeq: 0,
        lastReceivedHash: ZERO_HASH,
        createdAt: now,
        failure: null,
        receiptsDue: [],
      });
    });
    return [{ event: 'request', contact: id, name: request.profile.displayName }];
  }

  private receiveConfirmation(connection: ConnectionRecord, body: Parameters<typeof acceptConfirmation>[2]): AgentEvent[] {
    if (connection.status === 'address') return this.receiveRequest(connection, body);
    // The same confirmation through the invitation's other relays: already accepted.
    if (connection.status !== 'invited' && connection.status !== 'requested') return [];
    const profile = this.store.getProfile(connection.profileId);
    if (profile === null) return [];
    const now = this.now();
    let accepted;
    try {
      accepted = acceptConfirmation(this.crypto, connection, body, profile.profile, now);
    } catch (error) {
      if (error instanceof HandshakeRejected) return [{ event: 'rejected', contact: connection.id, reason: error.message }];
      throw error;
    }
    const ctx: InboundContext = { store: this.store, crypto: this.crypto, now, newId: () => this.newId(), events: [] };
    this.store.transaction(() => {
      this.store.putMessage({
        id: this.newId(),
        connectionId: connection.id,
        direction: 'received',
        kind: 'handshake',
        seq: 1,
        text: '',
        timestamp: accepted.received.timestamp,
        localTime: now,
        status: 'received',
        envelope: accepted.received.signed,
        hash: accepted.received.hash,
      });
      const reply = accepted.reply;
      storeSentHandshake(ctx, connection.id, reply.envelope.seq, reply.signed, reply.hash);
      // The joiner's queues are not secured until it has the reply: it goes unsigned.
      enqueueSealed(this.store, reply, null, false, accepted.body);
      this.store.putConnection(reply.connection);
    });
    return [{ event: 'accepted', contact: connection.id, name: accepted.reply.connection.peerProfile?.displayName ?? '' }];
  }

  // ---- helpers ----

  private async newQueues(profile: ProfileRecord, connectionId: string): Promise<ReceiveQueueRecord[]> {
    const group = profile.sessionPerConnection ? `connection ${connectionId}` : `profile ${profile.id}`;
    const results = await Promise.allSettled(profile.relays.map((relay) => this.newQueue(relay, group)));
    const queues = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (queues.length === 0) {
      const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : '')).join('; ');
      throw new AgentError('RELAY_UNREACHABLE', `no relay could create a queue: ${reasons}`);
    }
    return queues;
  }

  private async newQueue(relay: string, group: string): Promise<ReceiveQueueRecord> {
    const session = this.pool.session(relay, group);
    const client = await session.open();
    if (client === null) throw new AgentError('RELAY_UNREACHABLE', `cannot reach ${relayKey(relay)}: ${session.lastError}`);
    let queue: RecipientQueue;
    try {
      queue = await createQueue(client, this.crypto, parseRelayAddress(relay).password);
    } catch (error) {
      if (error instanceof QueueError) throw new AgentError('RELAY_REFUSED', `${relayKey(relay)}: ${error.message}`);
      throw new AgentError('RELAY_UNREACHABLE', `${relayKey(relay)}: ${(error as Error).message}`);
    }
    return {
      relay,
      recipientId: queue.recipientId,
      senderId: queue.senderId,
      recipientPublicKey: queue.recipientKey.publicKey,
      recipientSecretKey: queue.recipientKey.secretKey,
      secret: queue.secret,
      peerSenderKey: null,
      secured: false,
    };
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
    };
  }

  private newId(): string {
    return toHex(this.crypto.randomBytes(8));
  }

  /** Counts an operation as pending work while it runs (sync waits for it). */
  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending++;
    return promise.finally(() => {
      this.pending--;
      this.lastActivity = this.now();
    });
  }

  private emit(events: readonly AgentEvent[]): void {
    for (const event of events) this.onEvent(event);
  }
}
