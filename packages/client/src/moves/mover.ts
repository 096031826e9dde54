/**
 * The work loop's part of moving queues (graph-chat §8.6): asks for a move
 * when a connection's queues are not on its profile's relay list or its
 * rotation is due, starts the moves asked for (NEW on the profile's
 * relays, then queues-add), sends queues-use once the new queues are
 * secured, and deletes (DEL) the queues a finished move left behind,
 * retrying relays that are down.
 */
import { equalBytes, toHex } from '@graphchat/core';
import { stepContext, type AgentCore, type StepContext } from '../context.js';
import type { AgentStore } from '../store/agent-store.js';
import type { AgentEvent } from '../events.js';
import { backoffMs } from '../outbox/enqueue.js';
import { chatVersionOf, isAgreed, type AgreedConnection, type ConnectionRecord, type ProfileRecord, type ReceiveQueueRecord } from '../store/records.js';
import { relayKey } from '../transport/relay-pool.js';
import { groupOf, newQueues } from '../transport/sessions.js';
import { beginMove, signsMoves, useWhenSecured } from './queue-moves.js';
import { nextRotation, rotationPeriod } from './rotation.js';

/** A relay that never answers DEL (closed for good) is given up on after a week; the queue stays there, unused, and its messages expire. */
const DELETE_GIVE_UP_MS = 7 * 24 * 60 * 60 * 1000;
/** A move whose NEW failed on a relay of the list is tried again after this long, doubling, at most 32 times as long. */
const START_RETRY_MS = 30_000;
/**
 * How long a move waits for every relay of the list to create its queue: a
 * move does not leave the connection on fewer relays than the user asked
 * for because one of them was down for a while. After that, it goes ahead
 * on the relays that answer (the rest of the list may be gone for good),
 * and the next move (the connection is still not on its whole list) waits
 * for the missing ones, retrying with backoff.
 */
const FULL_LIST_PATIENCE_MS = 60 * 60 * 1000;
/**
 * A move whose contact never answered its queues-add (or never got the
 * queues-use KEY waits for) starts over after the relays' message lifetime:
 * whatever it sent may have expired there. Once queues-use is sent the
 * contact may already use the new queues, so that step is never abandoned.
 */
const STALE_MOVE_MS = 21 * 24 * 60 * 60 * 1000;

/**
 * The loop looks at rotations at least this often instead of arming a
 * timer for the next one, days away: measured with `bench:client`, a
 * timer of days, armed again on the passes after the receipts' short
 * ones, cost about a tenth of the client's throughput (a timer of minutes
 * costs nothing measurable). A rotation then starts up to this late.
 */
const ROTATION_CHECK_MS = 5 * 60 * 1000;

/** A set of relays (keys, without password), to compare lists. */
function relaySet(relays: readonly string[]): string {
  return [...new Set(relays.map(relayKey))].sort().join(' ');
}

/** The relays of a connection's receive queues in use. */
function inUseRelays(connection: ConnectionRecord): string {
  return relaySet(connection.receiveQueues.filter((q) => q.state === undefined).map((q) => q.relay));
}

/**
 * Relay sets already worked out, by the array they come from: records are
 * immutable (a change stores a new array), so the check that runs for every
 * connection on every pass of the work loop parses no address twice.
 */
const relaySets = new WeakMap<readonly unknown[], string>();

function cachedSet<T>(list: readonly T[], compute: () => string): string {
  let set = relaySets.get(list);
  if (set === undefined) relaySets.set(list, (set = compute()));
  return set;
}

/** Whether a connection's receive queues in use are on another set of relays than its profile's list. */
export function offList(store: AgentStore, connection: ConnectionRecord): boolean {
  const profile = store.getProfile(connection.profileId);
  if (profile === null) return false;
  return cachedSet(connection.receiveQueues, () => inUseRelays(connection)) !== cachedSet(profile.relays, () => relaySet(profile.relays));
}

/** A move that waited too long for the contact: its new queues are deleted, and it starts over (never once queues-use is out). */
export function abandonMove(connection: AgreedConnection, now: number): AgreedConnection {
  if (connection.move == null || connection.move.step === 'using') return connection;
  const receiveQueues = connection.receiveQueues.map((q) => (q.state === 'new' ? { ...q, state: 'deleting' as const } : q));
  return { ...connection, receiveQueues, move: null, moveWanted: now, moveAttempt: null };
}

/** Whether a connection can move its queues: connected, and both sides speak version 3. */
export function canMove(connection: ConnectionRecord): connection is AgreedConnection {
  return connection.status === 'connected' && chatVersionOf(connection) >= 3;
}

/** When a move whose NEW failed `count` times, last at `at`, may try again. */
function retryAt(attempt: { readonly count: number; readonly at: number } | null | undefined): number {
  return attempt == null ? 0 : attempt.at + START_RETRY_MS * 2 ** Math.min(attempt.count - 1, 5);
}

export class QueueMover {
  /** Connections whose move is creating its queues now. */
  private readonly starting = new Set<string>();
  /** Receive queues (recipient id hex) with a DEL in flight, and sessions opened once for a DEL (the pool retries them). */
  private readonly deleting = new Set<string>();
  private readonly opened = new WeakSet<object>();

  constructor(private readonly core: AgentCore) {}

  /** One pass; returns when the loop should wake for the next scheduled step (Infinity: none). */
  step(): number {
    const { store } = this.core;
    const now = this.core.now();
    let wakeAt = Infinity;
    for (const listed of store.listConnections()) {
      if (!canMove(listed)) continue;
      // Tried on the record as listed first: most passes change nothing, and open no transaction.
      if (this.wantMove(listed, now) !== listed) this.update(listed.id, (c) => this.wantMove(c, now));
      if (listed.move?.step === 'keyed') this.update(listed.id, (c, ctx) => (c.move?.step === 'keyed' ? useWhenSecured(ctx, c) : c));
      const connection = store.getConnection(listed.id);
      if (connection === null || !canMove(connection)) continue;
      wakeAt = Math.min(wakeAt, connection.rotateAt ?? Infinity, now + ROTATION_CHECK_MS);
      if (connection.moveWanted != null && connection.move == null) wakeAt = Math.min(wakeAt, this.start(connection, now));
    }
    for (const connection of store.listConnections()) {
      for (const queue of connection.receiveQueues) if (queue.state === 'deleting') wakeAt = Math.min(wakeAt, this.delete(connection, queue, now));
    }
    return wakeAt;
  }

  /**
   * Plans the next rotation, gives up a move that can't go on, and asks for
   * a move when none is asked for and the connection's queues are not on its
   * profile's list (the list changed, or the last move had to leave out a
   * relay that was down) or its rotation is due. Runs on every pass, so a
   * list changed during a move, or while the connection was being made,
   * is followed once the connection can move.
   */
  private wantMove(connection: AgreedConnection, now: number): AgreedConnection {
    const profile = this.core.store.getProfile(connection.profileId);
    const period = rotationPeriod(profile);
    let next = connection;
    if (period > 0 && next.rotateAt === undefined) next = { ...next, ...nextRotation({ crypto: this.core.crypto, now }, period) };
    const move = next.move;
    // The contact never answered for the relays' message lifetime; or an unsigned queues-add that a signed answer
    // could not name (§4.7) while this side, or the contact, signs again.
    if (move != null && move.step !== 'using' && now - move.startedAt > STALE_MOVE_MS) next = abandonMove(next, now);
    else if (move?.step === 'added' && move.addUnsigned === true && signsMoves(next)) next = abandonMove(next, now);
    if (next.move != null || next.moveWanted != null || profile === null) return next;
    const due = period > 0 && next.rotateAt !== undefined && next.rotateAt <= now;
    // Off the list after a move that had to leave a relay out: asked for again only once that move's backoff allows.
    return due || (offList(this.core.store, next) && retryAt(next.moveAttempt) <= now) ? { ...next, moveWanted: now } : next;
  }

  /** Whether a move can take a step now: one to start, new queues all secured, or a DEL due on a relay that is up. */
  hasWork(): boolean {
    const { store, pool } = this.core;
    const now = this.core.now();
    for (const connection of store.listConnections()) {
      if (canMove(connection)) {
        if (connection.moveWanted != null && connection.move == null && !this.starting.has(connection.id) && retryAt(connection.moveAttempt) <= now) return true;
        if (connection.move?.step === 'keyed' && connection.receiveQueues.every((q) => q.state !== 'new' || q.secured)) return true;
      }
      for (const queue of connection.receiveQueues) {
        if (queue.state !== 'deleting' || this.deleting.has(toHex(queue.recipientId))) continue;
        const failures = queue.deleteFailures;
        const due = failures === undefined || failures.count === 0 || now >= failures.last + backoffMs(failures.count) * 8;
        if (due && pool.session(queue.relay, groupOf(store, connection)).isUp) return true;
      }
    }
    return false;
  }

  /** Runs a step on a connection inside one transaction (only if it changes it), and emits its events once committed. */
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

  /** Creates the move's queues on the profile's relays, then begins it (queues-add); returns when to try again. */
  private start(connection: AgreedConnection, now: number): number {
    if (this.starting.has(connection.id)) return Infinity;
    const again = retryAt(connection.moveAttempt);
    if (again > now) return again;
    const profile = this.core.store.getProfile(connection.profileId);
    if (profile === null) return Infinity;
    this.starting.add(connection.id);
    void this.core.activity
      .track(newQueues(this.core, profile, connection.id))
      .then(
        (created) => this.created(connection.id, profile, created),
        (error: Error) => this.failed(connection.id, error.message, []),
      )
      // Not the relays' doing (a store failure, say): reported, and the move is tried again on a later pass.
      .catch((error: Error) => this.core.emit([{ event: 'rejected', contact: connection.id, reason: `moving queues failed: ${error.message}` }]))
      .finally(() => {
        this.starting.delete(connection.id);
        this.core.kick();
      });
    return Infinity;
  }

  /**
   * Begins the move with the queues just made, unless some relay of the list
   * made none: then, for the first hour the move is wanted, or when the
   * queues would sit on the relays they are on now (nothing gained), they
   * are deleted again and the move waits for the missing relays.
   */
  private created(connectionId: string, profile: ProfileRecord, created: readonly ReceiveQueueRecord[]): void {
    const connection = this.core.store.getConnection(connectionId);
    if (connection === null || !canMove(connection)) return this.orphan(connectionId, created);
    const made = relaySet(created.map((q) => q.relay));
    if (made !== relaySet(profile.relays)) {
      const patient = this.core.now() - (connection.moveWanted ?? 0) < FULL_LIST_PATIENCE_MS;
      if (patient || made === inUseRelays(connection)) return this.failed(connectionId, "some of the profile's relays did not answer", created);
    }
    let begun = false;
    this.update(connectionId, (c, ctx) => {
      // Asked for still, and no other move began meanwhile.
      if (!canMove(c) || c.move != null || c.moveWanted == null) return c;
      begun = true;
      return { ...beginMove(ctx, c, created), moveAttempt: null };
    });
    const current = this.core.store.getConnection(connectionId);
    if (!begun || current === null) return this.orphan(connectionId, created);
    this.core.indexQueues(current);
    this.core.subscribe(current);
  }

  /** A start that made no move: its queues (if any) go, and the attempt is counted (kept with the connection, for backoff). */
  private failed(connectionId: string, reason: string, created: readonly ReceiveQueueRecord[]): void {
    const now = this.core.now();
    this.update(connectionId, (c) => ({ ...c, moveAttempt: { count: (c.moveAttempt?.count ?? 0) + 1, at: now } }));
    this.orphan(connectionId, created);
    this.core.emit([{ event: 'rejected', contact: connectionId, reason: `moving queues waits: ${reason}` }]);
  }

  /** Queues made and not needed after all: deleted again rather than left on the relays. */
  private orphan(connectionId: string, created: readonly ReceiveQueueRecord[]): void {
    if (created.length === 0) return;
    const orphans = created.map((queue) => ({ ...queue, state: 'deleting' as const }));
    this.core.store.transaction(() => {
      const current = this.core.store.getConnection(connectionId);
      if (current !== null) this.core.store.putConnection({ ...current, receiveQueues: [...current.receiveQueues, ...orphans] });
    });
  }

  /**
   * DEL of a queue the peer no longer sends to; returns when to try again. A
   * relay that is down is not asked: the pool reconnects in the background,
   * and its coming back runs the loop again. From the first time it is
   * found down or failing, it has a week.
   */
  private delete(connection: ConnectionRecord, queue: ReceiveQueueRecord, now: number): number {
    const id = toHex(queue.recipientId);
    if (this.deleting.has(id)) return Infinity;
    const failures = queue.deleteFailures;
    if (failures !== undefined && now - failures.since > DELETE_GIVE_UP_MS) {
      this.forget(connection.id, queue.recipientId, null);
      return Infinity;
    }
    const due = failures === undefined || failures.count === 0 ? 0 : failures.last + backoffMs(failures.count) * 8;
    if (now < due) return due;
    const session = this.core.pool.session(queue.relay, groupOf(this.core.store, connection));
    if (!session.isUp) {
      if (failures === undefined) this.forget(connection.id, queue.recipientId, { count: 0, since: now, last: now });
      if (!this.opened.has(session)) {
        this.opened.add(session);
        void session.open();
      }
      return failures === undefined ? now + DELETE_GIVE_UP_MS : failures.since + DELETE_GIVE_UP_MS;
    }
    this.deleting.add(id);
    const attempt = async (): Promise<boolean> => {
      const response = await session.client!.command(queue.recipientId, { type: 'DEL' }, queue.recipientSecretKey);
      // AUTH: the queue is gone already (a DEL whose answer was lost before a crash, say).
      return response.type === 'OK' || (response.type === 'ERR' && response.code === 'AUTH');
    };
    void this.core.activity
      .track(attempt().catch(() => false))
      .then((deleted) => {
        const count = (failures?.count ?? 0) + 1;
        this.forget(connection.id, queue.recipientId, deleted ? null : { count, since: failures?.since ?? now, last: this.core.now() }, deleted);
      })
      .catch((error: Error) => this.core.emit([{ event: 'rejected', contact: connection.id, reason: `deleting a queue failed: ${error.message}` }]))
      .finally(() => {
        this.deleting.delete(id);
        this.core.kick();
      });
    return Infinity;
  }

  /** Records a DEL's failures on the queue, or (null) forgets the queue: deleted on its relay, or given up on. */
  private forget(connectionId: string, recipientId: Uint8Array, failures: NonNullable<ReceiveQueueRecord['deleteFailures']> | null, deleted = false): void {
    const { store } = this.core;
    let relay = '';
    store.transaction(() => {
      const connection = store.getConnection(connectionId);
      if (connection === null) return;
      const receiveQueues = connection.receiveQueues.flatMap((q) => {
        if (!equalBytes(q.recipientId, recipientId)) return [q];
        relay = q.relay;
        return failures === null ? [] : [{ ...q, deleteFailures: failures } satisfies ReceiveQueueRecord];
      });
      store.putConnection({ ...connection, receiveQueues });
    });
    if (deleted && relay !== '') this.core.emit([{ event: 'move', contact: connectionId, step: 'deleted', relays: [relayKey(relay)] }]);
  }
}
