/**
 * Stored message bytes per sending client address (issue 12, part 3): one
 * address may hold at most its share of the store, so that it can't fill the
 * store's last eighth (or all of it) by spreading messages over many queues.
 *
 * Which address sent a stored message is kept in a TEMP table (SQLite keeps
 * it in a file deleted when the store closes, never in relay.db) and the sum
 * per address in memory. A restarted relay starts every address at zero:
 * messages stored before the restart count toward the store's cap only (EMP
 * §10 `addressStorePercent`). The relay learns the addresses anyway; this keeps
 * them no longer than the messages they sent, and never on its disk for good.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

interface Removed {
  origin: string;
  bytes: number;
}

export class StoredBytesByAddress {
  private readonly bytes = new Map<string, number>();
  private readonly insert: Database.Statement<[number, string, number]>;
  private readonly removeMessage: Database.Statement<[number], Removed>;
  private readonly removeOlder: Database.Statement<[number], Removed>;
  private readonly removeQueue: Database.Statement<[Uint8Array], Removed>;
  private readonly sums: Database.Statement<[], Removed>;

  /** `maxPerAddress`: bytes one address may have stored. */
  constructor(
    db: Database.Database,
    private readonly maxPerAddress: number,
  ) {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS message_origins (seq INTEGER PRIMARY KEY, origin TEXT NOT NULL, bytes INTEGER NOT NULL)');
    this.insert = db.prepare('INSERT INTO temp.message_origins (seq, origin, bytes) VALUES (?, ?, ?)');
    this.removeMessage = db.prepare('DELETE FROM temp.message_origins WHERE seq = ? RETURNING origin, bytes');
    // These two run before the messages themselves are deleted: they find them by the messages' rows.
    this.removeOlder = db.prepare('DELETE FROM temp.message_origins WHERE seq IN (SELECT seq FROM main.messages WHERE created_at < ?) RETURNING origin, bytes');
    this.removeQueue = db.prepare(
      'DELETE FROM temp.message_origins WHERE seq IN (SELECT seq FROM main.messages WHERE queue_id = (SELECT id FROM main.queues WHERE recipient_id = ?)) RETURNING origin, bytes',
    );
    this.sums = db.prepare('SELECT origin, sum(bytes) AS bytes FROM temp.message_origins GROUP BY origin');
  }

  /** Whether `origin` may store `more` bytes. */
  allows(origin: string, more: number): boolean {
    return (this.bytes.get(origin) ?? 0) + more <= this.maxPerAddress;
  }

  /** Records the message stored as row `seq`. */
  added(seq: number, origin: string, bytes: number): void {
    this.insert.run(seq, origin, bytes);
    this.bytes.set(origin, (this.bytes.get(origin) ?? 0) + bytes);
  }

  /** Message `seq` was acknowledged. */
  acknowledged(seq: number): void {
    this.forget(this.removeMessage.all(seq));
  }

  /** Before deleting the messages accepted before `time`. */
  expiring(time: number): void {
    this.forget(this.removeOlder.all(time));
  }

  /** Before deleting a queue and its messages. */
  deletingQueue(recipientId: Uint8Array): void {
    this.forget(this.removeQueue.all(recipientId));
  }

  /** After a rolled-back transaction (which rolled the TEMP table back too): the sums again from the table. */
  recount(): void {
    this.bytes.clear();
    for (const { origin, bytes } of this.sums.all()) this.bytes.set(origin, bytes);
  }

  private forget(rows: readonly Removed[]): void {
    for (const { origin, bytes } of rows) {
      const left = (this.bytes.get(origin) ?? 0) - bytes;
      if (left > 0) this.bytes.set(origin, left);
      else this.bytes.delete(origin);
    }
  }
}
