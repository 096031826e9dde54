/**
 * The work loop's part of moving queues (graph-chat §8.6): plans scheduled
 * rotations, starts the moves asked for (NEW on the profile's relays, then
 * queues-add), sends queues-use once the new queues are secured, and
 * deletes (DEL) the queues a finished move left behind, retrying relays
 * that are down.
 */
import { equalBytes, toHex } from '@graphchat/core';
import { stepContext, type AgentCore, type StepContext } from '../context.js';
import type { AgentEvent } from '../events.js';
import { backoffMs } from '../outbox/enqueue.js';
import { chatVersionOf, isAgreed, type AgreedConnection, type ConnectionRecord, type ReceiveQueueRecord } from '../store/records.js';
import { relayKey } from '../transport/relay-pool.js';
import { groupOf, newQueues } from '../transport/sessions.js';
import { beginMove, useWhenSecured } from './queue-moves.js';
import { nextRotation, rotationPeriod } from './rotation.js';

/** A relay that never answers DEL again (closed for good) is given up on after a week; the queue stays there, unused, and its messages expire. */
const DELETE_GIVE_UP_MS = 7 * 24 * 60 * 60 * 1000;
/** A move whose NEW failed on a relay of the list is tried again after this long. */
const START_RETRY_MS = 30_000;
/**
 * How long a move waits for every relay of the list to create its queue: a
 * move does not leave the connection on fewer relays than the user asked
 * for because one of them was down for a while. After that, it goes ahead
 * on the relays that answer (the rest of the list may be gone for good).
 */
const FULL_LIST_PATIENCE_MS = 60 * 60 * 1000;
/**
 * A move whose contact never answered its queues-add (or never got the
 * queues-use KEY waits for) starts over after the relays' message lifetime:
 * whatever it sent may have expired there. Once queues-use is sent the
 * contact may already use the new queues, so that step is never abandoned.
 */
const STALE_MOVE_MS = 21 * 24 * 60 * 60 * 1000;

/** The relay list as a set, to tell whether it changed. */
function listKey(relays: readonly string[]): string {
  return [...new Set(relays.map(relayKey))].sort().join(' ');
}

/** A move that waited too long for the contact: its new queues are deleted, and it starts over (never once queues-use is out). */
export function abandonMove(connection: AgreedConnection, now: number): AgreedConnection {
  if (connection.move == null || connection.move.step === 'using') return connection;
  const receiveQueues = connection.receiveQueues.map((q) => (q.state === 'new' ? { ...q, state: 'deleting' as const } : q));
  return { ...connection, receiveQueues, move: null, moveWanted: now };
}

/** Whether a connection can move its queues: connected, and both sides speak version 3. */
export function canMove(connection: ConnectionRecord): connection is AgreedConnection {
  return connection.status === 'connected' && chatVersionOf(connection) >= 3;
}

export class QueueMover {
  /** Connections whose move is creating its queues now, when a failed start may be tried again, and how many failed. */
  private readonly starting = new Set<string>();
  private readonly startAfter = new Map<string, number>();
  private readonly startFailures = new Map<string, { readonly count: number; readonly since: number }>();
  /** Receive queues (recipient id hex) with a DEL in flight, and sessions opened once for a DEL (the pool retries them). */
  private readonly deleting = new Set<string>();
  private readonly opened = new WeakSet<object>();

  constructor(private readonly core: AgentCore) {}

  /** One pass; returns when the loop should wake for the next scheduled step (Infinity: none). */
  step(): number {
    const { store } = this.core;
    const now = this.core.now();
    let wakeAt = Infinity;
    for (const connection of store.listConnections()) {
      if (!canMove(connection)) continue;
      wakeAt = Math.min(wakeAt, this.schedule(connection, now));
      if (connection.move?.step === 'keyed') this.update(connection.id, (c, ctx) => useWhenSecured(ctx, c));
      if (connection.move != null && connection.move.step !== 'using' && now - connection.move.startedAt > STALE_MOVE_MS) this.update(connection.id, (c) => abandonMove(c, now));
      // Back on the record before the contact answered an unsigned queues-add: it won't (§4.7), so the move starts over.
      if (connection.move?.step === 'added' && connection.move.addUnsigned === true && connection.offTheRecord !== true) this.update(connection.id, (c) => abandonMove(c, now));
      if (connection.moveWanted != null && connection.move == null) wakeAt = Math.min(wakeAt, this.start(connection, now));
    }
    for (const connection of store.listConnections()) {
      for (const queue of connection.receiveQueues) if (queue.state === 'deleting') wakeAt = Math.min(wakeAt, this.delete(connection, queue, now));
    }
    return wakeAt;
  }

  /** Whether a move can take a step now: one to start, new queues all secured, or a DEL due on a relay that is up. */
  hasWork(): boolean {
    const { store, pool } = this.core;
    const now = this.core.now();
    for (const connection of store.listConnections()) {
      if (canMove(connection)) {
        if (connection.moveWanted != null && connection.move == null && !this.starting.has(connection.id) && (this.startAfter.get(connection.id) ?? 0) <= now) return true;
        if (connection.move?.step === 'keyed' && connection.receiveQueues.every((q) => q.state !== 'new' || q.secured)) return true;
      }
      for (const queue of connection.receiveQueues) {
        if (queue.state !== 'deleting' || this.deleting.has(toHex(queue.recipientId))) continue;
        const failures = queue.deleteFailures;
        const due = failures === undefined || now >= failures.last + backoffMs(failures.count) * 8;
        if (due && pool.session(queue.relay, groupOf(store, connection)).isUp) return true;
      }
    }
    return false;
  }

  /** Runs a step on a connection inside one transaction, and emits its events once committed. */
  private update(connectionId: string, change: (connection: AgreedConnection, ctx: StepContext) => AgreedConnection, now = this.core.now()): void {
    const { store } = this.core;
    let events: readonly AgentEvent[] = [];
    store.transaction(() => {
      const current = store.getConnection(connectionId);
      // Only a connection that is still agreed (connected, in practice) moves: nothing else is touched.
      if (current === null || !isAgreed(current)) return;
      const ctx = stepContext(this.core, now);
      const next = change(current, ctx);
      events = ctx.events;
      if (next !== current) store.putConnection(next);
    });
    this.core.emit(events);
  }

  /** Plans the connection's next rotation, or asks for it when due; returns when it is due. */
  private schedule(connection: AgreedConnection, now: number): number {
    const period = rotationPeriod(this.core.store.getProfile(connection.profileId));
    if (period <= 0) return Infinity;
    if (connection.rotateAt === undefined) {
      this.update(connection.id, (c) => ({ ...c, ...nextRotation({ crypto: this.core.crypto, now }, period) }));
      return Infinity;
    }
    if (connection.rotateAt > now) return connection.rotateAt;
    if (connection.move == null && connection.moveWanted == null) {
      this.update(connection.id, (c) => ({ ...c, moveWanted: now }));
      // This pass looked at the connection before the move was wanted: the next one starts it.
      this.core.kick();
    }
    return Infinity;
  }

  /** Creates the move's queues on the profile's relays, then begins it (queues-add); returns when to try again. */
  private start(connection: AgreedConnection, now: number): number {
    const retryAt = this.startAfter.get(connection.id) ?? 0;
    if (this.starting.has(connection.id)) return Infinity;
    if (retryAt > now) return retryAt;
    const profile = this.core.store.getProfile(connection.profileId);
    if (profile === null) return Infinity;
    this.starting.add(connection.id);
    const failures = this.startFailures.get(connection.id) ?? { count: 0, since: now };
    const wait = (reason: string): void => {
      this.startFailures.set(connection.id, { count: failures.count + 1, since: failures.since });
      this.startAfter.set(connection.id, this.core.now() + START_RETRY_MS * 2 ** Math.min(failures.count, 6));
      this.core.emit([{ event: 'rejected', contact: connection.id, reason: `moving queues waits: ${reason}` }]);
    };
    const expected = profile.relays.length * (profile.queuesPerRelay ?? 1);
    const list = listKey(profile.relays);
    void this.core.activity
      .track(newQueues(this.core, profile, connection.id))
      .then(
        (created) => {
          if (created.length < expected && this.core.now() - failures.since < FULL_LIST_PATIENCE_MS) {
            this.orphan(connection.id, created);
            wait(`${expected - created.length} of the profile's relays did not answer`);
            return;
          }
          this.startAfter.delete(connection.id);
          this.startFailures.delete(connection.id);
          this.begin(connection.id, created, list);
        },
        (error: Error) => wait(error.message),
      )
      // Not the relays' doing (a store failure, say): reported, and the move is asked for again on the next pass.
      .catch((error: Error) => this.core.emit([{ event: 'rejected', contact: connection.id, reason: `moving queues failed: ${error.message}` }]))
      .finally(() => {
        this.starting.delete(connection.id);
        this.core.kick();
      });
    return Infinity;
  }

  /** Begins the move with the queues made for the relay list `list`; if the list changed meanwhile, another move follows. */
  private begin(connectionId: string, created: readonly ReceiveQueueRecord[], list: string): void {
    let begun = false;
    this.update(connectionId, (c, ctx) => {
      // Asked for still, and no other move began meanwhile.
      if (!canMove(c) || c.move != null || c.moveWanted == null) return c;
      begun = true;
      const moved = beginMove(ctx, c, created);
      const profile = ctx.store.getProfile(c.profileId);
      return profile !== null && listKey(profile.relays) !== list ? { ...moved, moveWanted: ctx.now } : moved;
    });
    const connection = this.core.store.getConnection(connectionId);
    if (connection === null) return;
    if (begun) {
      this.core.indexQueues(connection);
      this.core.subscribe(connection);
      return;
    }
    this.orphan(connectionId, created);
  }

  /** Queues made and not needed after all: deleted again rather than left on the relays. */
  private orphan(connectionId: string, created: readonly ReceiveQueueRecord[]): void {
    const orphans = created.map((queue) => ({ ...queue, state: 'deleting' as const }));
    this.core.store.transaction(() => {
      const current = this.core.store.getConnection(connectionId);
      if (current !== null) this.core.store.putConnection({ ...current, receiveQueues: [...current.receiveQueues, ...orphans] });
    });
  }

  /**
   * DEL of a queue the peer no longer sends to; returns when to try again. A
   * relay that is down is not asked: the pool reconnects in the background,
   * and its coming back runs the loop again.
   */
  private delete(connection: ConnectionRecord, queue: ReceiveQueueRecord, now: number): number {
    const id = toHex(queue.recipientId);
    if (this.deleting.has(id)) return Infinity;
    const failures = queue.deleteFailures;
    const retryAt = failures === undefined ? 0 : failures.last + backoffMs(failures.count) * 8;
    if (now < retryAt) return retryAt;
    const session = this.core.pool.session(queue.relay, groupOf(this.core.store, connection));
    if (!session.isUp) {
      if (!this.opened.has(session)) {
        this.opened.add(session);
        void session.open();
      }
      return Infinity;
    }
    this.deleting.add(id);
    const attempt = async (): Promise<boolean> => {
      const response = await session.client!.command(queue.recipientId, { type: 'DEL' }, queue.recipientSecretKey);
      // AUTH: the queue is gone already (a DEL whose answer was lost before a crash, say).
      return response.type === 'OK' || (response.type === 'ERR' && response.code === 'AUTH');
    };
    void this.core.activity
      .track(attempt().catch(() => false))
      .then((deleted) => this.deleted(connection.id, queue.recipientId, deleted))
      .catch((error: Error) => this.core.emit([{ event: 'rejected', contact: connection.id, reason: `deleting a queue failed: ${error.message}` }]))
      .finally(() => {
        this.deleting.delete(id);
        this.core.kick();
      });
    return Infinity;
  }

  private deleted(connectionId: string, recipientId: Uint8Array, deleted: boolean): void {
    const { store } = this.core;
    const now = this.core.now();
    let relay = '';
    store.transaction(() => {
      const connection = store.getConnection(connectionId);
      if (connection === null) return;
      const receiveQueues = connection.receiveQueues.flatMap((q) => {
        if (!equalBytes(q.recipientId, recipientId)) return [q];
        relay = q.relay;
        const failures = q.deleteFailures;
        if (deleted || (failures !== undefined && now - failures.since > DELETE_GIVE_UP_MS)) return [];
        return [{ ...q, deleteFailures: { count: (failures?.count ?? 0) + 1, since: failures?.since ?? now, last: now } }];
      });
      store.putConnection({ ...connection, receiveQueues });
    });
    if (deleted && relay !== '') this.core.emit([{ event: 'move', contact: connectionId, step: 'deleted', relays: [relayKey(relay)] }]);
  }
}
