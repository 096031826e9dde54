/**
 * Random sequences of AgentStore operations, and what a store shows, so that
 * two stores given the same steps can be compared answer by answer.
 */
import type { AgentStore } from '../store/agent-store.js';
import { connection, message, outboxItem, profile, queued } from './sample-records.js';

const CONNECTIONS = ['c1', 'c2', 'c3'] as const;

/** Everything a store answers about connections c1..c3 and profiles p1..p2. */
export function snapshot(store: AgentStore): unknown {
  return {
    meta: ['k', 'other', 'web/read/c1'].map((key) => store.getMeta(key)),
    profiles: store.listProfiles(),
    connections: [store.listConnections(), store.listConnections('p1'), store.listConnections('p2')],
    messages: CONNECTIONS.map((c) => store.listMessages(c)),
    unencrypted: CONNECTIONS.map((c) => store.listUnencrypted(c)),
    bySeq: CONNECTIONS.flatMap((c) => [0, 1, 2, 3].flatMap((seq) => [store.findMessageBySeq(c, 'sent', seq), store.findMessageBySeq(c, 'received', seq)])),
    outbox: store.listOutbox(),
    held: CONNECTIONS.map((c) => store.countHeld(c)),
  };
}

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One step of a random sequence: a write, or a transaction of several that
 * sometimes throws. Returns what the operations returned. Two stores given
 * generators of the same seed get the same steps.
 */
export function step(store: AgentStore, next: () => number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const one = (): unknown => {
    switch (pick(['meta', 'profile', 'connection', 'message', 'message', 'message', 'status', 'add', 'update', 'delete', 'hold', 'take'] as const)) {
      case 'meta':
        return store.setMeta(pick(['k', 'other', 'web/read/c1']), String(next()));
      case 'profile':
        return store.putProfile(profile(pick(['p1', 'p2']), String(next())));
      case 'connection':
        return store.putConnection(connection(pick(CONNECTIONS), pick(['p1', 'p2']), { lastSentSeq: Math.floor(next() * 9) }));
      case 'message': {
        // Now and then an existing message moves to another connection: the agent never does, the stores must agree anyway.
        const id = `m${Math.floor(next() * 30)}`;
        const seq = Math.floor(next() * 4);
        const direction = pick(['sent', 'received'] as const);
        return store.putMessage(seq === 0 && direction === 'sent' ? queued(id, pick(CONNECTIONS)) : message(id, pick(CONNECTIONS), { seq, direction }));
      }
      case 'status': {
        const existing = store.listMessages(pick(CONNECTIONS));
        if (existing.length === 0) return null;
        return store.putMessage({ ...pick(existing), status: pick(['sent', 'delivered', 'queued'] as const), seq: Math.floor(next() * 4) });
      }
      case 'add':
        return store.addOutbox(outboxItem(pick(CONNECTIONS), { seq: Math.floor(next() * 9) }));
      case 'update': {
        const items = store.listOutbox();
        return items.length === 0 ? null : store.updateOutbox({ ...pick(items), seq: 99 });
      }
      case 'delete':
        return store.deleteOutbox(Math.floor(next() * 12));
      case 'hold':
        return store.putHeld(pick(CONNECTIONS), Math.floor(next() * 5), new Uint8Array([Math.floor(next() * 256)]));
      case 'take':
        return store.takeHeld(pick(CONNECTIONS), Math.floor(next() * 5));
    }
  };
  if (next() < 0.3) return one();
  const fails = next() < 0.3;
  const count = 1 + Math.floor(next() * 6);
  try {
    return store.transaction(() => {
      const results = Array.from({ length: count }, one);
      if (fails) throw new Error('rolled back');
      return results;
    });
  } catch (error) {
    return (error as Error).message;
  }
}
