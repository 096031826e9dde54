/**
 * Records by id in the order first stored, as MemoryStore lists them: each
 * record gets an increasing number (`ord`) when first put, kept by later
 * puts and stored with it, so the order survives a reload (IndexedDB
 * returns records in key order, and ids are random).
 */

/** How an ordered record is stored: with its number. */
export interface OrderedRow<V> {
  readonly ord: number;
  readonly record: V;
}

export class OrderedTable<V extends { readonly id: string }> {
  /** A Map iterates in insertion order, which is ord order: new records get the highest number. */
  private readonly records = new Map<string, V>();
  private readonly ords = new Map<string, number>();
  private lastOrd = 0;

  get(id: string): V | undefined {
    return this.records.get(id);
  }

  ord(id: string): number | undefined {
    return this.ords.get(id);
  }

  values(): IterableIterator<V> {
    return this.records.values();
  }

  /**
   * Stores `record` in place of the one with its id, or as the last one
   * with a new number; when loading, with its stored number (loading goes
   * in increasing ord).
   */
  put(record: V, ord?: number): void {
    if (!this.ords.has(record.id)) {
      const n = ord ?? this.lastOrd + 1;
      this.ords.set(record.id, n);
      this.lastOrd = Math.max(this.lastOrd, n);
    }
    this.records.set(record.id, record);
  }

  /** Removes a record: only to undo its first put, so it is the last one and the others keep their order. */
  delete(id: string): void {
    this.records.delete(id);
    this.ords.delete(id);
  }

  row(id: string): OrderedRow<V> | null {
    const record = this.records.get(id);
    return record === undefined ? null : { ord: this.ords.get(id)!, record };
  }
}
