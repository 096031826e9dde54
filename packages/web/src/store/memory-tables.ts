/**
 * Everything the browser store holds, decoded in memory, with transactions.
 *
 * A transaction's writes apply at once, so its own reads see them without
 * an overlay merged into every lookup, and nothing is copied: the first
 * write to each record journals how to undo it and how to read the row to
 * store for it. Rolling back runs the undos, leaving memory as it was;
 * committing hands over the changed rows (null for a record now gone), which
 * the store writes to IndexedDB.
 *
 * Rows, the values encodeRecord encodes for each record key (record-keys.ts):
 * profiles, connections and messages with their order (OrderedRow), outbox
 * items as they are (with their id), meta values with their key (MetaRow),
 * held envelopes as bytes, the next outbox id as a number.
 */
import type { ConnectionRecord, MessageDirection, MessageRecord, OutboxRecord, ProfileRecord } from '@graphchat/client';
import { CodedError } from '@graphchat/core';
import { MessageTable } from './message-table.js';
import { OrderedTable, type OrderedRow } from './ordered-table.js';
import { NEXT_OUTBOX_ID_KEY, parseRecordKey, recordKey } from './record-keys.js';

interface JournalEntry {
  /** Puts the record back as it was before the transaction. */
  readonly undo: () => void;
  /** The record's row now, or null if it is gone. */
  readonly row: () => unknown;
}

/** A meta value and its key, which its record key shows only hashed. */
interface MetaRow {
  readonly key: string;
  readonly value: string;
}

/** Thrown while loading rows that this store did not write. */
class BadRowError extends CodedError<'BAD_ROW'> {
  override readonly name = 'BadRowError';
  constructor(message: string) {
    super('BAD_ROW', message);
  }
}

function expectRow(ok: boolean, key: string): asserts ok {
  if (!ok) throw new BadRowError(`the record ${key} is not one this store writes`);
}

export class MemoryTables {
  private readonly meta = new Map<string, string>();
  private readonly profiles = new OrderedTable<ProfileRecord>();
  private readonly connections = new OrderedTable<ConnectionRecord>();
  private readonly messages = new MessageTable();
  private readonly outbox = new Map<number, OutboxRecord>();
  private nextOutboxId = 1;
  private readonly held = new Map<string, Map<number, Uint8Array>>();
  /** By record key, the records written in the current transaction; null outside one. */
  private journal: Map<string, JournalEntry> | null = null;

  /** `metaName` names a meta key in its record key (RecordCipher.metaName). */
  constructor(private readonly metaName: (key: string) => string) {}

  /** Tables holding the rows read back from IndexedDB (decrypted and decoded), by record key. Throws BadRowError. */
  static load(rows: Iterable<readonly [string, unknown]>, metaName: (key: string) => string): MemoryTables {
    const tables = new MemoryTables(metaName);
    const ordered: { table: 'profile' | 'connection' | 'message'; row: OrderedRow<unknown> }[] = [];
    for (const [key, row] of rows) {
      const parsed = parseRecordKey(key);
      expectRow(parsed !== null, key);
      switch (parsed.table) {
        case 'meta': {
          const meta = row as Partial<MetaRow> | null;
          expectRow(typeof meta?.key === 'string' && typeof meta.value === 'string', key);
          tables.meta.set(meta.key, meta.value);
          break;
        }
        case 'held':
          expectRow(row instanceof Uint8Array, key);
          tables.heldOf(parsed.connectionId).set(parsed.seq, row as Uint8Array);
          break;
        case 'outbox':
          expectRow(typeof (row as Partial<OutboxRecord> | null)?.id === 'number', key);
          tables.outbox.set((row as OutboxRecord).id, row as OutboxRecord);
          break;
        case 'nextOutboxId':
          expectRow(Number.isSafeInteger(row), key);
          tables.nextOutboxId = row as number;
          break;
        default: {
          const r = row as Partial<OrderedRow<{ id?: unknown }>> | null;
          expectRow(typeof r?.ord === 'number' && typeof r.record?.id === 'string', key);
          ordered.push({ table: parsed.table, row: r as OrderedRow<unknown> });
        }
      }
    }
    // Put back in the order first stored: IndexedDB returned them in key order.
    ordered.sort((a, b) => a.row.ord - b.row.ord);
    for (const { table, row } of ordered) {
      if (table === 'profile') tables.profiles.put(row.record as ProfileRecord, row.ord);
      else if (table === 'connection') tables.connections.put(row.record as ConnectionRecord, row.ord);
      else tables.messages.put(row.record as MessageRecord, row.ord);
    }
    return tables;
  }

  // ---- transactions ----

  begin(): void {
    this.journal = new Map();
  }

  /** The rows the current transaction changed, by record key: what to write to IndexedDB for it. */
  changedRows(): Map<string, unknown> {
    const rows = new Map<string, unknown>();
    for (const [key, entry] of this.journal ?? []) rows.set(key, entry.row());
    return rows;
  }

  commit(): void {
    this.journal = null;
  }

  rollback(): void {
    for (const entry of this.journal?.values() ?? []) entry.undo();
    this.journal = null;
  }

  // ---- records (AgentStore's, without transactions) ----

  getMeta(key: string): string | null {
    return this.meta.get(key) ?? null;
  }
  setMeta(key: string, value: string): void {
    const before = this.meta.get(key);
    this.touch(
      recordKey.meta(this.metaName(key)),
      () => (before === undefined ? this.meta.delete(key) : this.meta.set(key, before)),
      () => {
        const now = this.meta.get(key);
        return now === undefined ? null : ({ key, value: now } satisfies MetaRow);
      },
    );
    this.meta.set(key, value);
  }

  listProfiles(): ProfileRecord[] {
    return [...this.profiles.values()];
  }
  getProfile(id: string): ProfileRecord | null {
    return this.profiles.get(id) ?? null;
  }
  putProfile(profile: ProfileRecord): void {
    const before = this.profiles.get(profile.id);
    this.touch(
      recordKey.profile(profile.id),
      () => (before === undefined ? this.profiles.delete(profile.id) : this.profiles.put(before)),
      () => this.profiles.row(profile.id),
    );
    this.profiles.put(profile);
  }

  listConnections(profileId?: string): ConnectionRecord[] {
    return [...this.connections.values()].filter((c) => profileId === undefined || c.profileId === profileId);
  }
  getConnection(id: string): ConnectionRecord | null {
    return this.connections.get(id) ?? null;
  }
  putConnection(connection: ConnectionRecord): void {
    const before = this.connections.get(connection.id);
    this.touch(
      recordKey.connection(connection.id),
      () => (before === undefined ? this.connections.delete(connection.id) : this.connections.put(before)),
      () => this.connections.row(connection.id),
    );
    this.connections.put(connection);
  }

  putMessage(message: MessageRecord): void {
    const before = this.messages.get(message.id);
    this.touch(
      recordKey.message(message.id),
      () => (before === undefined ? this.messages.delete(message.id) : this.messages.put(before)),
      () => this.messages.row(message.id),
    );
    this.messages.put(message);
  }
  getMessage(id: string): MessageRecord | null {
    return this.messages.get(id) ?? null;
  }
  listMessages(connectionId: string): MessageRecord[] {
    return this.messages.list(connectionId);
  }
  listUnencrypted(connectionId: string): MessageRecord[] {
    return this.messages.listUnencrypted(connectionId);
  }
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null {
    return this.messages.findBySeq(connectionId, direction, seq);
  }

  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord {
    const next = this.nextOutboxId;
    this.touch(NEXT_OUTBOX_ID_KEY, () => (this.nextOutboxId = next), () => this.nextOutboxId);
    const record = { ...item, id: this.nextOutboxId++ };
    this.touchOutbox(record.id);
    this.outbox.set(record.id, record);
    return record;
  }
  updateOutbox(item: OutboxRecord): void {
    if (!this.outbox.has(item.id)) return;
    this.touchOutbox(item.id);
    this.outbox.set(item.id, item);
  }
  deleteOutbox(id: number): void {
    if (!this.outbox.has(id)) return;
    this.touchOutbox(id);
    this.outbox.delete(id);
  }
  listOutbox(): OutboxRecord[] {
    // Nearly always in order already (ids grow); a rollback puts a deleted item back at the end.
    return [...this.outbox.values()].sort((a, b) => a.id - b.id);
  }

  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void {
    this.touchHeld(connectionId, seq);
    this.heldOf(connectionId).set(seq, plaintext);
  }
  takeHeld(connectionId: string, seq: number): Uint8Array | null {
    const value = this.held.get(connectionId)?.get(seq);
    if (value === undefined) return null;
    this.touchHeld(connectionId, seq);
    this.heldOf(connectionId).delete(seq);
    return value;
  }
  countHeld(connectionId: string): number {
    return this.held.get(connectionId)?.size ?? 0;
  }

  // ---- journal ----

  /** Journals the record under `key` before its first write in this transaction. */
  private touch(key: string, undo: () => void, row: () => unknown): void {
    if (this.journal === null) throw new Error('store writes happen inside a transaction');
    if (!this.journal.has(key)) this.journal.set(key, { undo, row });
  }

  private touchOutbox(id: number): void {
    const before = this.outbox.get(id);
    this.touch(
      recordKey.outbox(id),
      () => (before === undefined ? this.outbox.delete(id) : this.outbox.set(id, before)),
      () => this.outbox.get(id) ?? null,
    );
  }

  private touchHeld(connectionId: string, seq: number): void {
    const before = this.held.get(connectionId)?.get(seq);
    this.touch(
      recordKey.held(connectionId, seq),
      () => (before === undefined ? this.heldOf(connectionId).delete(seq) : this.heldOf(connectionId).set(seq, before)),
      () => this.held.get(connectionId)?.get(seq) ?? null,
    );
  }

  private heldOf(connectionId: string): Map<number, Uint8Array> {
    let held = this.held.get(connectionId);
    if (held === undefined) {
      held = new Map();
      this.held.set(connectionId, held);
    }
    return held;
  }
}
