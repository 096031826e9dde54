/**
 * What the parts of the agent share: its store, crypto and clock, its relay
 * sessions, how it reports events, and the bookkeeping `sync` waits on.
 */
import { toHex, type Crypto } from '@graphchat/core';
import type { AgentEvent } from './events.js';
import type { AgentStore } from './store/agent-store.js';
import type { ConnectionRecord } from './store/records.js';
import type { RelayPool } from './transport/relay-pool.js';

export interface AgentContext {
  readonly store: AgentStore;
  readonly crypto: Crypto;
  readonly now: () => number;
  readonly pool: RelayPool;
  readonly activity: Activity;
  readonly emit: (events: readonly AgentEvent[]) => void;
}

/**
 * What the agent's feature modules (profiles, invitations, conversations;
 * devices and groups later) reach of the running agent. They are functions
 * over this core, so the Agent class stays a thin public surface and a new
 * feature adds a module, not state to the class.
 */
export interface AgentCore extends AgentContext {
  /** Starts a pass of the work loop: seal what is due, secure queues, send the outbox. */
  kick(): void;
  /** Routes pushes from a new connection's receive queues to it. */
  indexQueues(connection: ConnectionRecord): void;
  /** Subscribes a new connection's receive queues, if the agent is running (else `start` does). */
  subscribe(connection: ConnectionRecord): void;
  /** Sends a connection's outbox items now and waits for the relays' answers. */
  sendNow(connectionId: string): Promise<void>;
}

/** Operations in progress and the time of the last one: `sync` stops once neither has moved for a while. */
export class Activity {
  pending = 0;
  lastActivity = 0;

  constructor(private readonly now: () => number) {}

  /** Counts an operation as pending work while it runs (sync waits for it). */
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending++;
    return promise.finally(() => {
      this.pending--;
      this.lastActivity = this.now();
    });
  }

  touch(): void {
    this.lastActivity = this.now();
  }
}

export function newId(crypto: Crypto): string {
  return toHex(crypto.randomBytes(8));
}

/**
 * What one step of a connection (a delivery, a seal, a mode change) works
 * with inside its transaction: the events it causes are collected here and
 * emitted once the transaction has committed.
 */
export interface StepContext {
  readonly store: AgentStore;
  readonly crypto: Crypto;
  readonly now: number;
  readonly newId: () => string;
  readonly events: AgentEvent[];
}

/** A fresh step context at time `now`. */
export function stepContext(ctx: Pick<AgentContext, 'store' | 'crypto'>, now: number): StepContext {
  return { store: ctx.store, crypto: ctx.crypto, now, newId: () => newId(ctx.crypto), events: [] };
}
