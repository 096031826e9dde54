/**
 * Writes the browser store's committed transactions to IndexedDB behind
 * it, and tells when they are durable.
 *
 * Each commit's changed records go into one IndexedDB transaction, so they
 * land all or nothing, and in commit order: one write is under way at a
 * time. Commits made while it runs are merged (later values of a record
 * replace earlier ones) and go together in the next write, which keeps
 * both properties and lets a burst cost a few IndexedDB transactions rather
 * than one each.
 *
 * A failed write leaves memory ahead of disk for good: every flush rejects
 * from then on, and the store refuses new transactions.
 */
import { BrowserStoreError } from './errors.js';

/** Sealed values by record key; null deletes the record. */
export type WriteBatch = Map<string, Uint8Array | null>;

interface Waiter {
  /** The commit count the caller waits for. */
  readonly upTo: number;
  readonly resolve: () => void;
  readonly reject: (error: BrowserStoreError) => void;
}

export class WriteBehind {
  private pending: WriteBatch = new Map();
  private writing = 0;
  /** Commits made, and how many of them are durable (commits are numbered 1, 2, …). */
  private committed = 0;
  private durable = 0;
  private failure: BrowserStoreError | null = null;
  private waiters: Waiter[] = [];

  /** `write` writes one batch in one IndexedDB transaction; IndexedDB runs those in the order they were made. */
  constructor(private readonly write: (batch: WriteBatch) => Promise<void>) {}

  /** The failure of an earlier write, if one failed. */
  get failed(): BrowserStoreError | null {
    return this.failure;
  }

  /** Takes one committed transaction's changes. */
  add(batch: WriteBatch): void {
    for (const [key, value] of batch) this.pending.set(key, value);
    this.committed++;
    if (this.writing === 0 && this.failure === null) this.start();
  }

  /**
   * Resolves once every commit added before the call is durable; rejects
   * with BrowserStoreError STORAGE once a write has failed.
   */
  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.durable >= this.committed) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.committed, resolve, reject }));
  }

  /**
   * Starts writing what is pending without waiting for the write under way
   * (IndexedDB runs it after that one): for closing, as a database being
   * closed finishes its transactions but takes no new one.
   */
  drain(): void {
    if (this.pending.size > 0 && this.failure === null) this.start();
  }

  private start(): void {
    const batch = this.pending;
    const upTo = this.committed;
    this.pending = new Map();
    this.writing++;
    let written: Promise<void>;
    try {
      written = this.write(batch);
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      () => {
        this.writing--;
        this.durable = Math.max(this.durable, upTo);
        const waiting = this.waiters;
        this.waiters = waiting.filter((w) => w.upTo > this.durable);
        for (const w of waiting) if (w.upTo <= this.durable) w.resolve();
        if (this.writing === 0 && this.pending.size > 0 && this.failure === null) this.start();
      },
      (cause: unknown) => {
        this.writing--;
        this.failure ??= cause instanceof BrowserStoreError ? cause : new BrowserStoreError('STORAGE', `writing to IndexedDB failed: ${String(cause)}`, { cause });
        const waiting = this.waiters;
        this.waiters = [];
        for (const w of waiting) w.reject(this.failure);
      },
    );
  }
}
