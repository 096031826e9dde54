/**
 * An AgentStore wrapper that keeps profiles, connections and the outbox in
 * memory, decoded. The agent reads these on every message and on every pass
 * of its work loop; reading them back from the database each time made the
 * loop quadratic in the outbox length. Writes go to the wrapped store as
 * before; the cache takes a transaction's writes only once it commits, so a
 * rolled-back transaction leaves the cache as it was.
 *
 * Records are immutable values, so cached objects are shared, not copied.
 * The wrapped store must not be written to by anyone else meanwhile.
 */
import type { AgentStore } from './agent-store.js';
import type { ConnectionRecord, MessageDirection, MessageRecord, OutboxRecord, ProfileRecord } from './records.js';

interface Overlay {
  readonly profiles: Map<string, ProfileRecord>;
  readonly connections: Map<string, ConnectionRecord>;
  readonly added: Map<number, OutboxRecord>;
  readonly deleted: Set<number>;
}

export class CachedStore implements AgentStore {
  private readonly profiles: Map<string, ProfileRecord>;
  private readonly connections: Map<string, ConnectionRecord>;
  /** In id order: ids only grow, and a Map iterates in insertion order. */
  private readonly outbox: Map<number, OutboxRecord>;
  private overlay: Overlay | null = null;
  /** The wrapped store's, if it has one: the agent waits for durability only where commits are not durable already. */
  readonly flush?: () => Promise<void>;

  constructor(private readonly inner: AgentStore) {
    this.profiles = new Map(inner.listProfiles().map((p) => [p.id, p]));
    this.connections = new Map(inner.listConnections().map((c) => [c.id, c]));
    this.outbox = new Map(inner.listOutbox().map((o) => [o.id, o]));
    const flush = inner.flush;
    if (flush !== undefined) this.flush = () => flush.call(inner);
  }

  transaction<T>(fn: () => T): T {
    if (this.overlay !== null) throw new Error('transactions do not nest');
    const overlay: Overlay = { profiles: new Map(), connections: new Map(), added: new Map(), deleted: new Set() };
    this.overlay = overlay;
    let result: T;
    try {
      result = this.inner.transaction(fn);
    } finally {
      this.overlay = null;
    }
    for (const [id, p] of overlay.profiles) this.profiles.set(id, p);
    for (const [id, c] of overlay.connections) this.connections.set(id, c);
    for (const [id, o] of overlay.added) this.outbox.set(id, o);
    for (const id of overlay.deleted) this.outbox.delete(id);
    return result;
  }

  getMeta(key: string): string | null {
    return this.inner.getMeta(key);
  }
  setMeta(key: string, value: string): void {
    this.inner.setMeta(key, value);
  }

  listProfiles(): ProfileRecord[] {
    const all = new Map(this.profiles);
    for (const [id, p] of this.overlay?.profiles ?? []) all.set(id, p);
    return [...all.values()];
  }
  getProfile(id: string): ProfileRecord | null {
    return this.overlay?.profiles.get(id) ?? this.profiles.get(id) ?? null;
  }
  putProfile(profile: ProfileRecord): void {
    this.inner.putProfile(profile);
    this.writable().profiles.set(profile.id, profile);
  }

  listConnections(profileId?: string): ConnectionRecord[] {
    const all = new Map(this.connections);
    for (const [id, c] of this.overlay?.connections ?? []) all.set(id, c);
    return [...all.values()].filter((c) => profileId === undefined || c.profileId === profileId);
  }
  getConnection(id: string): ConnectionRecord | null {
    return this.overlay?.connections.get(id) ?? this.connections.get(id) ?? null;
  }
  putConnection(connection: ConnectionRecord): void {
    this.inner.putConnection(connection);
    this.writable().connections.set(connection.id, connection);
  }

  putMessage(message: MessageRecord): void {
    this.inner.putMessage(message);
  }
  getMessage(id: string): MessageRecord | null {
    return this.inner.getMessage(id);
  }
  listMessages(connectionId: string): MessageRecord[] {
    return this.inner.listMessages(connectionId);
  }
  listUnencrypted(connectionId: string): MessageRecord[] {
    return this.inner.listUnencrypted(connectionId);
  }
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null {
    return this.inner.findMessageBySeq(connectionId, direction, seq);
  }

  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord {
    const record = this.inner.addOutbox(item);
    this.writable().added.set(record.id, record);
    return record;
  }
  updateOutbox(item: OutboxRecord): void {
    this.inner.updateOutbox(item);
    if (this.outbox.has(item.id) || this.overlay?.added.has(item.id)) this.writable().added.set(item.id, item);
  }
  deleteOutbox(id: number): void {
    this.inner.deleteOutbox(id);
    const overlay = this.writable();
    overlay.added.delete(id);
    overlay.deleted.add(id);
  }
  listOutbox(): OutboxRecord[] {
    if (this.overlay === null) return [...this.outbox.values()];
    const { added, deleted } = this.overlay;
    const all = [...this.outbox.values(), ...added.values()].filter((o) => !deleted.has(o.id));
    return [...new Map(all.map((o) => [o.id, o])).values()].sort((a, b) => a.id - b.id);
  }

  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void {
    this.inner.putHeld(connectionId, seq, plaintext);
  }
  takeHeld(connectionId: string, seq: number): Uint8Array | null {
    return this.inner.takeHeld(connectionId, seq);
  }
  countHeld(connectionId: string): number {
    return this.inner.countHeld(connectionId);
  }

  close(): void {
    this.inner.close();
  }

  private writable(): Overlay {
    if (this.overlay === null) throw new Error('store writes happen inside a transaction');
    return this.overlay;
  }
}
