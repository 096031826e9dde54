/**
 * The browser store's messages in memory, indexed by what the agent looks
 * them up by: a connection's messages in the order first stored, its sent
 * messages still waiting to be encrypted, and a message by connection,
 * direction and seq. The agent asks on every message received and on every
 * pass of its work loop, so a lookup reads only what it returns, not every
 * message of every connection.
 */
import type { MessageDirection, MessageRecord } from '@graphchat/client';
import { OrderedTable, type OrderedRow } from './ordered-table.js';

const isUnencrypted = (m: MessageRecord): boolean => m.direction === 'sent' && m.status === 'queued' && m.seq === 0;
const seqKey = (connectionId: string, direction: MessageDirection, seq: number): string => `${connectionId} ${direction} ${seq}`;

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

export class MessageTable {
  private readonly table = new OrderedTable<MessageRecord>();
  /** Per connection, its messages in ord order. */
  private readonly byConnection = new Map<string, Map<string, MessageRecord>>();
  /** Per connection, the ids of its sent messages still queued unencrypted. */
  private readonly unencrypted = new Map<string, Set<string>>();
  /** Ids by connection, direction and seq: several messages share seq 0 while queued. */
  private readonly bySeq = new Map<string, Set<string>>();

  get(id: string): MessageRecord | undefined {
    return this.table.get(id);
  }

  row(id: string): OrderedRow<MessageRecord> | null {
    return this.table.row(id);
  }

  /** Stores a message, new (with `ord` when loading) or in place of the one with its id. */
  put(message: MessageRecord, ord?: number): void {
    const old = this.table.get(message.id);
    this.table.put(message, ord);
    if (old !== undefined) this.unindexLookups(old);
    const list = entry(this.byConnection, message.connectionId, () => new Map<string, MessageRecord>());
    list.set(message.id, message); // A new message is the last; an updated one keeps its place.
    if (old !== undefined && old.connectionId !== message.connectionId) {
      // Moved to another connection (the agent never does; a rollback may move it back): its place there is by ord.
      this.byConnection.get(old.connectionId)?.delete(message.id);
      this.sortByOrd(list);
    }
    this.indexLookups(message);
  }

  /** Removes a message: only to undo its first put. */
  delete(id: string): void {
    const old = this.table.get(id);
    if (old === undefined) return;
    this.table.delete(id);
    this.byConnection.get(old.connectionId)?.delete(id);
    this.unindexLookups(old);
  }

  list(connectionId: string): MessageRecord[] {
    return [...(this.byConnection.get(connectionId)?.values() ?? [])];
  }

  listUnencrypted(connectionId: string): MessageRecord[] {
    const ids = this.unencrypted.get(connectionId);
    if (ids === undefined) return [];
    return this.byOrd([...ids]).map((id) => this.table.get(id)!);
  }

  findBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null {
    const ids = this.bySeq.get(seqKey(connectionId, direction, seq));
    if (ids === undefined) return null;
    // The first stored, as a scan of the connection's messages would find.
    return this.table.get(this.byOrd([...ids])[0]!)!;
  }

  private indexLookups(m: MessageRecord): void {
    if (isUnencrypted(m)) entry(this.unencrypted, m.connectionId, () => new Set()).add(m.id);
    entry(this.bySeq, seqKey(m.connectionId, m.direction, m.seq), () => new Set()).add(m.id);
  }

  private unindexLookups(m: MessageRecord): void {
    const unencrypted = this.unencrypted.get(m.connectionId);
    unencrypted?.delete(m.id);
    if (unencrypted?.size === 0) this.unencrypted.delete(m.connectionId);
    const key = seqKey(m.connectionId, m.direction, m.seq);
    const bySeq = this.bySeq.get(key);
    bySeq?.delete(m.id);
    if (bySeq?.size === 0) this.bySeq.delete(key);
  }

  private byOrd(ids: string[]): string[] {
    return ids.length < 2 ? ids : ids.sort((a, b) => this.table.ord(a)! - this.table.ord(b)!);
  }

  private sortByOrd(list: Map<string, MessageRecord>): void {
    const sorted = this.byOrd([...list.keys()]).map((id) => [id, list.get(id)!] as const);
    list.clear();
    for (const [id, message] of sorted) list.set(id, message);
  }
}
