/**
 * An AgentStore in memory, for tests of the agent and for clients that keep
 * nothing. A transaction works on a copy and swaps it in on success, so a
 * throwing transaction leaves nothing behind, as a database would.
 */
import type { AgentStore } from './agent-store.js';
import type { ConnectionRecord, MessageDirection, MessageRecord, OutboxRecord, ProfileRecord } from './records.js';

interface Tables {
  meta: Map<string, string>;
  profiles: Map<string, ProfileRecord>;
  connections: Map<string, ConnectionRecord>;
  messages: Map<string, MessageRecord>;
  outbox: Map<number, OutboxRecord>;
  held: Map<string, Uint8Array>;
  nextOutboxId: number;
}

function copy(t: Tables): Tables {
  return {
    meta: new Map(t.meta),
    profiles: new Map(t.profiles),
    connections: new Map(t.connections),
    messages: new Map(t.messages),
    outbox: new Map(t.outbox),
    held: new Map(t.held),
    nextOutboxId: t.nextOutboxId,
  };
}

export class MemoryStore implements AgentStore {
  private committed: Tables = {
    meta: new Map(),
    profiles: new Map(),
    connections: new Map(),
    messages: new Map(),
    outbox: new Map(),
    held: new Map(),
    nextOutboxId: 1,
  };
  private working: Tables | null = null;

  private get t(): Tables {
    return this.working ?? this.committed;
  }

  /** An independent copy of what is committed (records are immutable values, so sharing them is safe): a backup, in tests. */
  snapshot(): MemoryStore {
    const copied = new MemoryStore();
    copied.committed = copy(this.committed);
    return copied;
  }

  transaction<T>(fn: () => T): T {
    if (this.working !== null) throw new Error('transactions do not nest');
    this.working = copy(this.committed);
    try {
      const result = fn();
      this.committed = this.working;
      return result;
    } finally {
      this.working = null;
    }
  }

  getMeta(key: string): string | null {
    return this.t.meta.get(key) ?? null;
  }
  setMeta(key: string, value: string): void {
    this.t.meta.set(key, value);
  }

  listProfiles(): ProfileRecord[] {
    return [...this.t.profiles.values()];
  }
  getProfile(id: string): ProfileRecord | null {
    return this.t.profiles.get(id) ?? null;
  }
  putProfile(profile: ProfileRecord): void {
    this.t.profiles.set(profile.id, profile);
  }

  listConnections(profileId?: string): ConnectionRecord[] {
    return [...this.t.connections.values()].filter((c) => profileId === undefined || c.profileId === profileId);
  }
  getConnection(id: string): ConnectionRecord | null {
    return this.t.connections.get(id) ?? null;
  }
  putConnection(connection: ConnectionRecord): void {
    this.t.connections.set(connection.id, connection);
  }

  putMessage(message: MessageRecord): void {
    this.t.messages.set(message.id, message);
  }
  getMessage(id: string): MessageRecord | null {
    return this.t.messages.get(id) ?? null;
  }
  listMessages(connectionId: string): MessageRecord[] {
    return [...this.t.messages.values()].filter((m) => m.connectionId === connectionId);
  }
  listUnencrypted(connectionId: string): MessageRecord[] {
    return this.listMessages(connectionId).filter((m) => m.direction === 'sent' && m.status === 'queued' && m.seq === 0);
  }
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null {
    return this.listMessages(connectionId).find((m) => m.direction === direction && m.seq === seq) ?? null;
  }

  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord {
    const record = { ...item, id: this.t.nextOutboxId++ };
    this.t.outbox.set(record.id, record);
    return record;
  }
  updateOutbox(item: OutboxRecord): void {
    if (this.t.outbox.has(item.id)) this.t.outbox.set(item.id, item);
  }
  deleteOutbox(id: number): void {
    this.t.outbox.delete(id);
  }
  listOutbox(): OutboxRecord[] {
    return [...this.t.outbox.values()].sort((a, b) => a.id - b.id);
  }

  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void {
    this.t.held.set(`${connectionId}/${seq}`, plaintext);
  }
  takeHeld(connectionId: string, seq: number): Uint8Array | null {
    const key = `${connectionId}/${seq}`;
    const value = this.t.held.get(key) ?? null;
    this.t.held.delete(key);
    return value;
  }
  countHeld(connectionId: string): number {
    let n = 0;
    for (const key of this.t.held.keys()) if (key.startsWith(`${connectionId}/`)) n++;
    return n;
  }

  close(): void {}
}
