/**
 * Sending outbox items to relays: per queue in order with a few in flight,
 * the items waiting for one queue batched into one SEND (graph-chat §3,
 * §8), failures retried after backoff, and what relays accepted recorded
 * together.
 */
import { BATCH_OVERHEAD, batchQueueBodies, limits, isQueueBodyVersion, QUEUE_BODY_TAGS, toHex } from '@graphchat/core';
import type { AgentContext } from '../context.js';
import { otherCopyAlready, shownId } from '../devices/texts.js';
import type { AgentEvent } from '../events.js';
import { backoffMs } from './enqueue.js';

import type { QueueSender } from '../transport/queue-sender.js';
import { relayKey } from '../transport/relay-pool.js';
import type { ConnectionRecord, OutboxRecord } from '../store/records.js';

/** SENDs in flight per queue: the relay keeps their order (EMP §5.3), so pipelining is safe. */
const MAX_IN_FLIGHT_PER_QUEUE = 16;

/**
 * Whether an item may share a SEND with others: signed message bodies only.
 * A confirmation goes alone (unsigned, to a queue not yet secured).
 */
function batchable(item: OutboxRecord): boolean {
  return item.senderSecretKey !== null && isQueueBodyVersion(item.body[0]!) && item.body[1] === QUEUE_BODY_TAGS.message;
}

/** Outbox items of one queue about to leave in one SEND, and the size of that SEND's body. */
interface Batch {
  readonly items: OutboxRecord[];
  length: number;
}

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

export interface DispatcherOptions {
  /** Whether a connection's items wait for KEY on its own queues (QueueSecurer.awaitsOwnKeys). */
  readonly awaitsOwnKeys: (connection: ConnectionRecord) => boolean;
  /** Runs the work loop again: each finished send may free its queue for the next item. */
  readonly kick: () => void;
  /** Sends each SEND along its route: directly, or forwarded by one of the profile's relays. */
  readonly sender: QueueSender;
}

export class OutboxDispatcher {
  /** Outbox item ids being sent, and per queue how many. */
  private readonly inFlight = new Set<number>();
  private readonly inFlightPerQueue = new Map<string, number>();
  /** Outbox items that failed, by id: retried after backoff (in memory: a restart retries at once). */
  private readonly deferred = new Map<number, { failures: number; until: number }>();
  /** Outbox items a relay accepted, not yet recorded (recordAccepted). */
  private accepted: OutboxRecord[] = [];

  constructor(
    private readonly ctx: AgentContext,
    private readonly options: DispatcherOptions,
  ) {}

  /**
   * Sends outbox items: per queue in id order, up to MAX_IN_FLIGHT_PER_QUEUE SENDs at once, none before an earlier item
   * that waits. Consecutive items for one queue that are ready together go in one batch: a burst of messages costs the
   * recipient one delivery and one ACK per batch rather than per message, while a lone message leaves at once as before.
   * Returns when the first deferred item is due again (Infinity if none is).
   */
  dispatchOutbox(): number {
    const { store } = this.ctx;
    // Items a relay accepted are still in the outbox until recorded; they must not go again.
    this.recordAccepted();
    const now = this.ctx.now();
    const blocked = new Set<string>();
    const filling = new Map<string, Batch>();
    let wakeAt = Infinity;
    for (const item of store.listOutbox()) {
      const key = queueKey(item);
      if (blocked.has(key) || this.inFlight.has(item.id)) continue;
      const connection = store.getConnection(item.connectionId);
      if (connection !== null && this.options.awaitsOwnKeys(connection)) {
        blocked.add(key);
        continue;
      }
      const deferred = this.deferred.get(item.id);
      if (deferred !== undefined && deferred.until > now) {
        blocked.add(key);
        wakeAt = Math.min(wakeAt, deferred.until);
        continue;
      }
      const batch = filling.get(key);
      if (batch !== undefined) {
        if (batchable(item) && batch.length + item.body.length <= limits.MAX_MESSAGE_BODY) {
          batch.items.push(item);
          batch.length += item.body.length;
          continue;
        }
        filling.delete(key);
        void this.dispatch(batch.items);
      }
      if ((this.inFlightPerQueue.get(key) ?? 0) >= MAX_IN_FLIGHT_PER_QUEUE) {
        blocked.add(key);
        continue;
      }
      if (batchable(item)) filling.set(key, { items: [item], length: BATCH_OVERHEAD + item.body.length });
      else void this.dispatch([item]);
    }
    for (const batch of filling.values()) void this.dispatch(batch.items);
    return wakeAt;
  }

  /** Sends a new connection's outbox items at once, so that a refusal shows in the call that caused it. */
  async sendNow(connectionId: string): Promise<void> {
    const items = this.ctx.store.listOutbox().filter((item) => item.connectionId === connectionId);
    await Promise.all(items.map((item) => this.dispatch([item])));
    this.recordAccepted();
  }

  /** Ends the backoff of the items waiting for `relay`. */
  retryRelay(relay: string): void {
    for (const item of this.ctx.store.listOutbox()) if (relayKey(item.relay) === relayKey(relay)) this.deferred.delete(item.id);
  }

  /** Sends outbox items of one queue (one, or a batch of several) in one SEND and records the outcome. */
  private async dispatch(items: readonly OutboxRecord[]): Promise<void> {
    const { store, activity } = this.ctx;
    const first = items[0]!;
    const connection = store.getConnection(first.connectionId);
    if (connection === null) return;
    const key = queueKey(first);
    for (const item of items) this.inFlight.add(item.id);
    this.inFlightPerQueue.set(key, (this.inFlightPerQueue.get(key) ?? 0) + 1);
    try {
      const body = items.length === 1 ? first.body : batchQueueBodies(items.map((item) => item.body));
      if (store.flush !== undefined) {
        // A store that writes behind (IndexedDB) must hold the transaction that sealed these items before a relay
        // does: after a crash in between, the message would be sealed again with the same ratchet key.
        try {
          await activity.track(store.flush());
        } catch {
          return this.defer(items); // Not durable, so not sent.
        }
      }
      const response = await this.options.sender.send(connection, first, body);
      // No route up, or the attempt failed on the way: the item waits and is tried again.
      if (response === null) return this.defer(items);
      if (response.type === 'OK') {
        this.accepted.push(...items);
        return;
      }
      const code = response.type === 'ERR' ? response.code : response.type;
      if (code === 'AUTH' && first.senderSecretKey === null) return this.refusedUnsigned(first);
      // The peer hasn't secured the queue yet, or the relay failed: retried without a word.
      if (code === 'AUTH' || code === 'INTERNAL') return this.defer(items);
      // The relay is busy for this address (RATE), or the queue, the store or this address's share of it is
      // full: temporary (EMP §9.1), so retried with backoff, and the user told that the message waits.
      if (code === 'RATE' || code === 'QUOTA' || code === 'FULL') return this.wait(items, code);
      store.transaction(() => {
        for (const item of items) store.deleteOutbox(item.id);
      });
      this.ctx.emit([{ event: 'rejected', contact: first.connectionId, reason: `relay refused a message: ${code}` }]);
    } finally {
      for (const item of items) this.inFlight.delete(item.id);
      const left = (this.inFlightPerQueue.get(key) ?? 1) - 1;
      if (left > 0) this.inFlightPerQueue.set(key, left);
      else this.inFlightPerQueue.delete(key);
      this.options.kick();
    }
  }

  /** Defers `items`, and reports the ones refused for the first time as waiting. */
  private wait(items: readonly OutboxRecord[], code: string): void {
    const first = items.filter((item) => !this.deferred.has(item.id) && item.messageId !== null);
    this.defer(items);
    if (first.length === 0) return;
    const reason = code === 'RATE' ? 'the relay asked to slow down (RATE); retrying' : `the relay is full (${code}); retrying`;
    this.ctx.emit([{ event: 'waiting', contact: items[0]!.connectionId, reason }]);
  }

  private defer(items: readonly OutboxRecord[]): void {
    const until = (failures: number) => this.ctx.now() + backoffMs(failures);
    for (const item of items) {
      const failures = (this.deferred.get(item.id)?.failures ?? 0) + 1;
      this.deferred.set(item.id, { failures, until: until(failures) });
    }
  }

  /** Records the items relays have accepted since the last call, in one transaction. */
  recordAccepted(): void {
    if (this.accepted.length === 0) return;
    const { store } = this.ctx;
    const items = this.accepted;
    this.accepted = [];
    const events: AgentEvent[] = [];
    store.transaction(() => {
      for (const item of items) {
        this.deferred.delete(item.id);
        store.deleteOutbox(item.id);
        if (item.messageId === null) continue;
        const message = store.getMessage(item.messageId);
        // Another seq: a resync took the message back to the queue after this copy left (graph-chat §8.7); it is
        // sealed again, and this acceptance is not its sending.
        if (message === null || message.status !== 'queued' || message.seq !== item.seq) continue;
        store.putMessage({ ...message, status: 'sent' });
        // One event per text as shown, whichever of its copies (one per pair with the contact's devices) left first.
        if (message.kind === 'text' && !otherCopyAlready(store, message, 'sent')) events.push({ event: 'sent', contact: item.connectionId, message: shownId(message) });
      }
    });
    this.ctx.emit(events);
  }

  /**
   * An unsigned SEND refused with AUTH: the queue is secured already, so the
   * invitation was used by someone else (or the queue is gone). When no relay
   * took the confirmation, the join fails.
   */
  private refusedUnsigned(item: OutboxRecord): void {
    const { store } = this.ctx;
    const events: AgentEvent[] = [];
    store.transaction(() => {
      store.deleteOutbox(item.id);
      const connection = store.getConnection(item.connectionId);
      if (connection === null || connection.status !== 'joining') return;
      const others = store.listOutbox().some((other) => other.connectionId === connection.id && other.senderSecretKey === null);
      const message = item.messageId === null ? null : store.getMessage(item.messageId);
      if (others || message?.status !== 'queued') return;
      const failure = 'this invitation was already used';
      store.putConnection({ ...connection, status: 'failed', failure });
      events.push({ event: 'failed', contact: connection.id, reason: failure });
    });
    this.ctx.emit(events);
  }
}
