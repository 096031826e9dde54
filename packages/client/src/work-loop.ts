/**
 * The agent's work loop: one coalesced pass records what relays accepted,
 * seals due receipts, secures queues (KEY), seals queued messages of
 * connected contacts, and sends the outbox.
 */
import { MAX_BATCHED_RECEIPTS } from '@graphchat/core';
import { agreedConnectionOf } from './connection/contacts.js';
import { offerVersion, wantsVersionOffer } from './connection/version-upgrade.js';
import { stepContext, type AgentContext } from './context.js';
import { sealQueued, sealReceipts } from './conversation/outbound.js';
import { GAP_RESYNC_MS, gapOverdue, unprovenResync } from './conversation/unproven-resync.js';
import type { DeviceIntroducer } from './devices/introducer.js';
import type { QueueMover } from './moves/mover.js';
import type { OutboxDispatcher } from './outbox/dispatch.js';
import { isAgreed } from './store/records.js';
import type { QueueSecurer } from './transport/queue-securing.js';
import type { QueueSender } from './transport/queue-sender.js';

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** How long a receipt waits for others to share its envelope; well below what a person notices. */
const RECEIPT_DELAY_MS = 20;

export class WorkLoop {
  private active = false;
  private pumpScheduled = false;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeTime = 0;
  /** The gap (its gapSince) of each connection already asked for by askForLostEnvelopes. */
  private readonly gapsAsked = new Map<string, number>();
  /** When each connection's oldest due receipt became due (answerReceipts). */
  private readonly receiptsDueSince = new Map<string, number>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly securer: QueueSecurer,
    private readonly dispatcher: OutboxDispatcher,
    private readonly sender: QueueSender,
    private readonly mover: QueueMover,
    private readonly introducer: DeviceIntroducer,
  ) {}

  get running(): boolean {
    return this.active;
  }

  start(): void {
    this.active = true;
  }

  stop(): void {
    this.active = false;
    this.dispatcher.recordAccepted();
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }

  /**
   * Schedules one run of the work loop. Runs are coalesced: the responses to
   * a whole block of commands, or a burst of received messages, cause one
   * pass over the outbox, not one each.
   */
  kick(): void {
    if (!this.active || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setTimeout(() => {
      this.pumpScheduled = false;
      if (!this.active) return;
      this.dispatcher.recordAccepted();
      this.answerReceipts();
      this.askForLostEnvelopes();
      this.securer.secureQueues();
      const moveAt = this.mover.step();
      if (moveAt !== Infinity) this.wakeAt(moveAt);
      const devicesAt = this.introducer.step();
      if (devicesAt !== Infinity) this.wakeAt(devicesAt);
      this.offerVersions();
      this.encryptQueued();
      const wakeAt = this.dispatcher.dispatchOutbox();
      if (wakeAt !== Infinity) this.wakeAt(wakeAt);
    }, 0);
  }

  /** Whether there is work this agent could do now (with relays reachable). */
  hasWork(): boolean {
    const { store } = this.ctx;
    for (const connection of store.listConnections()) {
      if (connection.status === 'connected' && store.listUnencrypted(connection.id).length > 0) return true;
      if (connection.receiptsDue.length > 0 || wantsVersionOffer(connection)) return true;
      if (this.securer.hasWork(connection)) return true;
    }
    for (const item of store.listOutbox()) {
      const connection = store.getConnection(item.connectionId);
      if (connection !== null && this.sender.canSend(connection, item.relay)) return true;
    }
    return this.mover.hasWork() || this.introducer.hasWork();
  }

  /**
   * Seals the receipts due on each connection once the oldest has waited
   * RECEIPT_DELAY_MS (or a full envelope's worth is due): a burst of
   * messages is answered by one envelope instead of one each.
   */
  private answerReceipts(): void {
    const { store } = this.ctx;
    const now = this.ctx.now();
    for (const connection of store.listConnections()) {
      // Only an agreed connection delivers envelopes, and so owes receipts.
      if (connection.receiptsDue.length === 0 || !isAgreed(connection)) {
        this.receiptsDueSince.delete(connection.id);
        continue;
      }
      const since = this.receiptsDueSince.get(connection.id) ?? now;
      if (now - since < RECEIPT_DELAY_MS && connection.receiptsDue.length < MAX_BATCHED_RECEIPTS) {
        this.receiptsDueSince.set(connection.id, since);
        this.wakeAt(since + RECEIPT_DELAY_MS);
        continue;
      }
      this.receiptsDueSince.delete(connection.id);
      const ctx = stepContext(this.ctx, now);
      store.transaction(() => store.putConnection(sealReceipts(ctx, agreedConnectionOf(store, connection.id))));
    }
  }

  /**
   * A gap before held envelopes that stays open with nothing arriving after
   * it (graph-chat §8.7): asked for once it is overdue, and the loop wakes
   * when the next one will be. Each gap is asked for once here; later
   * arrivals ask again (waitForGap).
   */
  private askForLostEnvelopes(): void {
    const { store } = this.ctx;
    const now = this.ctx.now();
    for (const connection of store.listConnections()) {
      const since = connection.gapSince;
      if (since == null || !isAgreed(connection) || this.gapsAsked.get(connection.id) === since) continue;
      if (!gapOverdue(connection, now)) {
        this.wakeAt(since + GAP_RESYNC_MS);
        continue;
      }
      this.gapsAsked.set(connection.id, since);
      const ctx = stepContext(this.ctx, now);
      store.transaction(() => store.putConnection(unprovenResync(ctx, agreedConnectionOf(store, connection.id))));
    }
  }

  /** Sends the version offer (graph-chat §8.9) on connections made at an older version than this client's. */
  private offerVersions(): void {
    const { store } = this.ctx;
    for (const connection of store.listConnections()) {
      if (!wantsVersionOffer(connection)) continue;
      const ctx = stepContext(this.ctx, this.ctx.now());
      store.transaction(() => {
        const current = agreedConnectionOf(store, connection.id);
        if (wantsVersionOffer(current)) store.putConnection(offerVersion(ctx, current));
      });
    }
  }

  /** Encrypts the queued messages of connected contacts into the outbox, in order. */
  private encryptQueued(): void {
    const { store } = this.ctx;
    for (const connection of store.listConnections()) {
      if (connection.status !== 'connected' || store.listUnencrypted(connection.id).length === 0) continue;
      const ctx = stepContext(this.ctx, this.ctx.now());
      store.transaction(() => store.putConnection(sealQueued(ctx, agreedConnectionOf(store, connection.id))));
    }
  }

  /** Runs the work loop at `time`, or earlier if already planned earlier. */
  private wakeAt(time: number): void {
    if (this.wakeTimer !== null) {
      if (this.wakeTime <= time) return;
      clearTimeout(this.wakeTimer);
    }
    this.wakeTime = time;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
      // setTimeout takes at most 2^31 - 1 ms (about 24.8 days) and fires at once past it: the loop then wakes early and plans again.
    }, Math.min(MAX_TIMEOUT_MS, Math.max(1, time - this.ctx.now())));
  }
}
