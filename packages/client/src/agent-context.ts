/**
 * What the parts of the agent share: its store, crypto and clock, its relay
 * sessions, how it reports events, and the bookkeeping `sync` waits on.
 */
import { toHex, type Crypto } from '@graphchat/core';
import type { AgentEvent } from './agent-types.js';
import type { InboundContext } from './inbound.js';
import type { RelayPool } from './relay-pool.js';
import type { AgentStore } from './store.js';

export interface AgentContext {
  readonly store: AgentStore;
  readonly crypto: Crypto;
  readonly now: () => number;
  readonly pool: RelayPool;
  readonly activity: Activity;
  readonly emit: (events: readonly AgentEvent[]) => void;
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

/** A fresh context for the receive path's functions (inbound.ts), at time `now`. */
export function inboundContext(ctx: AgentContext, now: number): InboundContext {
  return { store: ctx.store, crypto: ctx.crypto, now, newId: () => newId(ctx.crypto), events: [] };
}
