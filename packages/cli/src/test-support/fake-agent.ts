/** An in-memory stand-in for the agent, for testing the terminal client without relays or a database. */
import { AgentError } from '@graphchat/client';
import type { AgentEvent, ContactInfo, DeviceInfo, HistoryItem, NewProfile, PrivateRouting, ProfileData, ProfileRecord, ProofRange, RelayInfo } from '@graphchat/client';
import type { ProofBundle } from '@graphchat/core';
import type { OpenSession, Session } from '../session.js';
import type { ChatAgent } from '../session.js';

export function fakeContact(id: string, name: string, extra: Partial<ContactInfo> = {}): ContactInfo {
  return {
    id,
    profileId: 'p1',
    name,
    profile: name === '' ? null : { displayName: name },
    status: 'connected',
    verified: false,
    channel: 'link',
    codeVerified: false,
    failure: null,
    request: false,
    offTheRecord: false,
    modeRequest: null,
    version: 3,
    queues: [{ relay: 'emp://f@h:1' }],
    peerQueues: [{ relay: 'emp://g@k:2' }],
    move: null,
    rotateAt: null,
    pairs: 1,
    otherDevicePairs: 0,
    connecting: false,
    ...extra,
  };
}

export class FakeAgent implements ChatAgent {
  onEvent: (event: AgentEvent) => void = () => {};
  profiles: ProfileRecord[] = [];
  contactList: ContactInfo[] = [];
  messages = new Map<string, HistoryItem[]>();
  /** Events `sync` and `start` emit. */
  events: AgentEvent[] = [];
  codes = new Map<string, string>();
  calls: string[] = [];
  link = 'graphchat:invitation#' + 'A'.repeat(64);
  address = 'graphchat:/address#' + 'B'.repeat(64);
  /** The active profile's id (the first profile created, until setActiveProfile). */
  activeId: string | null = null;
  private nextId = 1;

  createProfile(input: NewProfile): ProfileRecord {
    const split = input.sessionPerConnection === true ? ' session-per-connection' : '';
    this.calls.push(`createProfile ${input.displayName} ${input.relays.join(',')}${split}`);
    if (input.relays.some((r) => !r.startsWith('emp://'))) throw new AgentError('BAD_RELAY_ADDRESS', 'not a relay address');
    const { relays, sessionPerConnection, ...profile } = input;
    const record: ProfileRecord = {
      id: `p${this.profiles.length + 1}`,
      profile,
      relays: [...relays],
      sessionPerConnection: sessionPerConnection ?? false,
      createdAt: 0,
    };
    this.profiles.push(record);
    this.activeId ??= record.id;
    return record;
  }

  activeProfile(): ProfileRecord {
    const profile = this.profiles.find((p) => p.id === this.activeId);
    if (profile === undefined) throw new AgentError('NO_PROFILE', 'no profile');
    return profile;
  }

  setActiveProfile(id: string): void {
    this.calls.push(`setActiveProfile ${id}`);
    if (!this.profiles.some((p) => p.id === id)) throw new AgentError('NO_PROFILE', `no profile ${id}`);
    this.activeId = id;
  }

  listProfiles(): ProfileRecord[] {
    return this.profiles;
  }

  updateProfile(id: string, profile: ProfileData): void {
    this.calls.push(`updateProfile ${id} ${JSON.stringify(profile)}`);
    this.profiles = this.profiles.map((p) => (p.id === id ? { ...p, profile } : p));
  }

  setPrivateRouting(id: string, setting: PrivateRouting): void {
    this.calls.push(`setPrivateRouting ${id} ${setting}`);
    this.profiles = this.profiles.map((p) => (p.id === id ? { ...p, privateRouting: setting } : p));
  }

  /** Relay addresses testRelay finds unreachable. */
  unreachable = new Set<string>();
  /** Relays no longer listed that still hold queues, and the connection counts of listed ones, for `relays`. */
  leavingRelays: RelayInfo[] = [];
  relayConnections = new Map<string, number>();

  private setRelayList(id: string, relays: readonly string[]): void {
    if (relays.length === 0) throw new AgentError('NO_RELAYS', 'a profile needs at least one relay');
    this.profiles = this.profiles.map((p) => (p.id === id ? { ...p, relays: [...relays] } : p));
  }

  private profileById(id: string): ProfileRecord {
    const profile = this.profiles.find((p) => p.id === id);
    if (profile === undefined) throw new AgentError('NO_PROFILE', `no profile ${id}`);
    return profile;
  }

  addRelay(id: string, address: string): void {
    this.calls.push(`addRelay ${id} ${address}`);
    if (!address.startsWith('emp://')) throw new AgentError('BAD_RELAY_ADDRESS', `${address} is not a relay address`);
    const relays = this.profileById(id).relays;
    if (relays.includes(address)) throw new AgentError('BAD_RELAY_ADDRESS', `${address} is on the list already`);
    this.setRelayList(id, [...relays, address]);
  }

  removeRelay(id: string, address: string): void {
    this.calls.push(`removeRelay ${id} ${address}`);
    const relays = this.profileById(id).relays;
    if (!relays.includes(address)) throw new AgentError('BAD_RELAY_ADDRESS', `${address} is not on the list`);
    this.setRelayList(
      id,
      relays.filter((r) => r !== address),
    );
  }

  relays(id: string): RelayInfo[] {
    const listed = this.profileById(id).relays.map((address) => ({ address, listed: true, connections: this.relayConnections.get(address) ?? 0, leaving: 0, up: null }));
    return [...listed, ...this.leavingRelays];
  }

  async testRelay(address: string): Promise<void> {
    this.calls.push(`testRelay ${address}`);
    if (this.unreachable.has(address)) throw new AgentError('RELAY_UNREACHABLE', 'connection refused');
  }

  setRotation(id: string, periodMs: number): void {
    this.calls.push(`setRotation ${id} ${periodMs}`);
    this.profiles = this.profiles.map((p) => (p.id === id ? { ...p, rotationMs: periodMs } : p));
  }

  private movable(contactId: string): ContactInfo {
    const contact = this.contactList.find((c) => c.id === contactId);
    if (contact === undefined) throw new AgentError('NO_CONTACT', `no contact ${contactId}`);
    if (contact.status !== 'connected') throw new AgentError('NOT_CONNECTED', 'the contact has not joined yet');
    if (contact.version < 3) throw new AgentError('UNSUPPORTED_VERSION', 'this connection speaks graph-chat version 2');
    return contact;
  }

  rotate(contactId: string): void {
    this.calls.push(`rotate ${contactId}`);
    const contact = this.movable(contactId);
    this.contactList = this.contactList.map((c) => (c === contact ? { ...c, move: { step: 'wanted', since: 0 } } : c));
  }

  rekey(contactId: string): void {
    this.calls.push(`rekey ${contactId}`);
    this.movable(contactId);
  }

  async createInvitation(): Promise<{ link: string; contactId: string }> {
    this.calls.push('createInvitation');
    return { link: this.link, contactId: 'c-new' };
  }

  async contactAddress(): Promise<{ link: string }> {
    this.calls.push('contactAddress');
    return { link: this.address };
  }

  async acceptRequest(contactId: string): Promise<void> {
    this.calls.push(`acceptRequest ${contactId}`);
    const contact = this.requestOf(contactId);
    this.contactList = this.contactList.map((c) => (c === contact ? { ...c, request: false } : c));
  }

  declineRequest(contactId: string): void {
    this.calls.push(`declineRequest ${contactId}`);
    const contact = this.requestOf(contactId);
    this.contactList = this.contactList.map((c) => (c === contact ? { ...c, request: false, status: 'failed', failure: 'request declined' } : c));
  }

  private requestOf(contactId: string): ContactInfo {
    const contact = this.contactList.find((c) => c.id === contactId);
    if (contact === undefined || !contact.request || contact.status !== 'pending') {
      throw new AgentError('NOT_A_REQUEST', `${contactId} is not a pending request`);
    }
    return contact;
  }

  async connect(link: string, options: { channel?: 'link' | 'scanned' } = {}): Promise<{ contactId: string }> {
    this.calls.push(`connect ${link} ${options.channel ?? '-'}`);
    if (link === 'used') throw new AgentError('INVITATION_USED', 'this invitation was already used');
    this.contactList.push(fakeContact('c-joined', '', { status: 'pending' }));
    return { contactId: 'c-joined' };
  }

  contacts(): ContactInfo[] {
    return this.contactList;
  }

  findContact(idOrName: string): ContactInfo {
    const byId = this.contactList.find((c) => c.id === idOrName);
    if (byId !== undefined) return byId;
    const byName = this.contactList.filter((c) => c.name === idOrName);
    if (byName.length > 1) throw new AgentError('AMBIGUOUS_CONTACT', `${byName.length} contacts are named "${idOrName}"`);
    if (byName.length === 1) return byName[0]!;
    throw new AgentError('NO_CONTACT', `no contact "${idOrName}"`);
  }

  send(contactId: string, text: string): { messageId: string } {
    const id = `m${this.nextId++}`;
    this.calls.push(`send ${contactId} ${text}`);
    const list = this.messages.get(contactId) ?? [];
    list.push({ id, direction: 'sent', text, status: 'queued', timestamp: 0, seq: 0 });
    this.messages.set(contactId, list);
    return { messageId: id };
  }

  history(contactId: string): HistoryItem[] {
    return this.messages.get(contactId) ?? [];
  }

  securityCode(contactId: string): string {
    return this.codes.get(contactId) ?? '12345 67890';
  }

  verifyCode(contactId: string, code: string): boolean {
    this.calls.push(`verifyCode ${contactId} ${code}`);
    if (code.replace(/\s/g, '') !== this.securityCode(contactId).replace(/\s/g, '')) return false;
    this.contactList = this.contactList.map((c) => (c.id === contactId ? { ...c, verified: true, codeVerified: true } : c));
    return true;
  }

  /** What exportProof returns: not a verifiable bundle, only its shape. */
  proof: ProofBundle = {
    type: 'graphchat-proof',
    version: 1,
    associatedData: 'AD',
    signingKeys: { inviter: 'KA', joiner: 'KB' },
    securityCode: '12345 67890',
    envelopes: ['E1', 'E2'],
    receipts: ['R1'],
  };

  proposeMode(contactId: string, offTheRecord: boolean): void {
    this.calls.push(`proposeMode ${contactId} ${offTheRecord}`);
  }

  acceptMode(contactId: string): void {
    this.calls.push(`acceptMode ${contactId}`);
  }

  exportProof(contactId: string, range: ProofRange = {}): ProofBundle {
    this.calls.push(`exportProof ${contactId} ${range.from ?? '-'} ${range.to ?? '-'}`);
    return this.proof;
  }

  deviceList: DeviceInfo[] = [{ device: '0123456789abcdef', name: 'phone', lastSeen: null, this: true, removed: false, connected: true }];
  deviceLink = 'graphchat:/device#' + 'D'.repeat(64);

  async linkDevice(options: { profileId?: string; history?: boolean; name?: string } = {}): Promise<{ link: string; expires: number }> {
    this.calls.push(`linkDevice ${options.profileId ?? '-'} ${options.history === true ? 'history' : '-'} ${options.name ?? '-'}`);
    if (options.profileId !== undefined) this.profileById(options.profileId);
    return { link: this.deviceLink, expires: 600_000 };
  }

  async joinDevice(link: string, options: { name: string }): Promise<{ profileId: string }> {
    this.calls.push(`joinDevice ${link} ${options.name}`);
    if (!link.startsWith('graphchat:/device#')) throw new AgentError('BAD_INVITATION', 'not a device link');
    const record = this.createProfile({ displayName: options.name, relays: ['emp://f@h:1'] });
    return { profileId: record.id };
  }

  devices(): DeviceInfo[] {
    return this.deviceList;
  }

  private deviceById(deviceId: string): DeviceInfo {
    const device = this.deviceList.find((d) => d.device === deviceId && !d.this);
    if (device === undefined) throw new AgentError('NO_DEVICE', `no device ${deviceId}`);
    return device;
  }

  removeDevice(deviceId: string): void {
    this.calls.push(`removeDevice ${deviceId}`);
    this.deviceById(deviceId);
    this.deviceList = this.deviceList.map((d) => (d.device === deviceId ? { ...d, removed: true, connected: false } : d));
  }

  deviceCode(deviceId: string): string {
    this.deviceById(deviceId);
    return '11111 22222';
  }

  async sync(options: { timeoutMs: number; idleMs?: number }): Promise<void> {
    this.calls.push(`sync ${options.timeoutMs} ${options.idleMs ?? '-'}`);
    for (const event of this.events) this.onEvent(event);
  }

  async start(): Promise<void> {
    this.calls.push('start');
    for (const event of this.events) this.onEvent(event);
  }

  async stop(): Promise<void> {
    this.calls.push('stop');
  }
}

/** A session opener over one FakeAgent that records how it was called. */
export class FakeSessions {
  readonly opened: { dir: string; passphrase: string; create: boolean }[] = [];
  closed = 0;
  discarded = 0;
  /** Thrown by `open` instead of opening, if set. */
  failWith: Error | null = null;

  constructor(readonly agent: FakeAgent = new FakeAgent()) {}

  readonly open: OpenSession = async (options) => {
    this.opened.push({ ...options });
    if (this.failWith !== null) throw this.failWith;
    const session: Session = {
      agent: this.agent,
      close: () => {
        this.closed++;
      },
      discard: () => {
        this.discarded++;
      },
    };
    return session;
  };
}

/** Collects what is written to it. */
export class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }
  json(): unknown[] {
    return this.lines().map((line) => JSON.parse(line) as unknown);
  }
}
