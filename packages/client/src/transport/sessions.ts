/**
 * The relay sessions the agent's connections use: which ones, subscribing
 * their receive queues there, and creating new receive queues.
 */
import { createQueue, parseRelayAddress, QueueError, type RecipientQueue, toHex } from '@graphchat/core';
import type { AgentContext } from '../context.js';
import { AgentError } from '../events.js';

import { relayKey, type PoolSession } from './relay-pool.js';
import type { AgentStore } from '../store/agent-store.js';
import { asQueueSecret, recipientKeys } from '../store/keys.js';
import type { ConnectionRecord, ProfileRecord, ReceiveQueueRecord } from '../store/records.js';

/** The session group of a connection: its profile's, or its own when the profile asks for a session per connection. */
export function groupOf(store: AgentStore, connection: ConnectionRecord): string {
  const profile = store.getProfile(connection.profileId);
  return profile?.sessionPerConnection ? `connection ${connection.id}` : `profile ${connection.profileId}`;
}

export function asRecipientQueue(queue: ReceiveQueueRecord): RecipientQueue {
  return {
    recipientId: queue.recipientId,
    senderId: queue.senderId,
    recipientKey: { publicKey: queue.recipientPublicKey, secretKey: queue.recipientSecretKey },
    secret: queue.secret,
  };
}

/**
 * The sessions to open at start: those of the receive queues, and those the
 * outbox's SENDs leave through (`sendSessions`, QueueSender.sessionsFor: a
 * peer's relay only when its SENDs go there directly).
 */
export function sessionsInUse(ctx: AgentContext, sendSessions: (connection: ConnectionRecord, relay: string) => PoolSession[]): PoolSession[] {
  const { store, pool } = ctx;
  const sessions = new Set<PoolSession>();
  for (const connection of store.listConnections()) {
    if (connection.status === 'failed') continue;
    const group = groupOf(store, connection);
    for (const queue of connection.receiveQueues) sessions.add(pool.session(queue.relay, group));
  }
  for (const item of store.listOutbox()) {
    const connection = store.getConnection(item.connectionId);
    if (connection !== null) for (const session of sendSessions(connection, item.relay)) sessions.add(session);
  }
  return [...sessions];
}

export function subscribeConnection(ctx: AgentContext, connection: ConnectionRecord): void {
  const group = groupOf(ctx.store, connection);
  for (const queue of connection.receiveQueues) void subscribeSession(ctx, ctx.pool.session(queue.relay, group));
}

export async function subscribeSession(ctx: AgentContext, session: PoolSession): Promise<void> {
  const { store, activity } = ctx;
  const queues: RecipientQueue[] = [];
  for (const connection of store.listConnections()) {
    if (connection.status === 'failed' || groupOf(store, connection) !== session.group) continue;
    for (const queue of connection.receiveQueues) {
      if (relayKey(queue.relay) === relayKey(session.relay) && !session.subscribed.has(toHex(queue.recipientId))) queues.push(asRecipientQueue(queue));
    }
  }
  if (queues.length === 0) return;
  const client = await activity.track(session.open());
  if (client === null) return;
  for (const queue of queues) session.subscribed.add(toHex(queue.recipientId));
  try {
    await activity.track(client.commands(queues.map((queue) => ({ entityId: queue.recipientId, command: { type: 'SUB' }, signingKey: queue.recipientKey.secretKey }))));
  } catch {
    for (const queue of queues) session.subscribed.delete(toHex(queue.recipientId));
  }
}

/** NEW refused with RATE is asked again after 1 s, then 2 s: three attempts in all, within about 3 s. */
const NEW_RATE_ATTEMPTS = 3;
const NEW_RATE_WAIT_MS = 1000;

export async function newQueues(ctx: AgentContext, profile: ProfileRecord, connectionId: string): Promise<ReceiveQueueRecord[]> {
  const group = profile.sessionPerConnection ? `connection ${connectionId}` : `profile ${profile.id}`;
  const relays = profile.relays.flatMap((relay) => new Array<string>(profile.queuesPerRelay ?? 1).fill(relay));
  const results = await Promise.allSettled(relays.map((relay) => newQueue(ctx, relay, group)));
  const queues = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (queues.length === 0) {
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : '')).join('; ');
    throw new AgentError('RELAY_UNREACHABLE', `no relay could create a queue: ${reasons}`);
  }
  return queues;
}

async function newQueue(ctx: AgentContext, relay: string, group: string): Promise<ReceiveQueueRecord> {
  const session = ctx.pool.session(relay, group);
  const client = await session.open();
  if (client === null) throw new AgentError('RELAY_UNREACHABLE', `cannot reach ${relayKey(relay)}: ${session.lastError}`);
  let queue: RecipientQueue;
  for (let attempt = 1; ; attempt++) {
    try {
      queue = await createQueue(client, ctx.crypto, parseRelayAddress(relay).password);
      break;
    } catch (error) {
      // RATE is temporary (a token comes back within a second at the default limits): wait and ask again, a few
      // times, since the user is waiting for this call. LIMIT (this session's queues), FULL (the store is filling,
      // for some time) and AUTH are final for this relay; another of the profile's relays may still answer.
      if (error instanceof QueueError && error.code === 'RATE' && attempt < NEW_RATE_ATTEMPTS) {
        await new Promise<void>((resolve) => setTimeout(resolve, NEW_RATE_WAIT_MS * 2 ** (attempt - 1)));
        continue;
      }
      if (error instanceof QueueError) throw new AgentError('RELAY_REFUSED', `${relayKey(relay)}: ${error.message}${error.code === 'RATE' ? ' (busy: try again later)' : ''}`);
      throw new AgentError('RELAY_UNREACHABLE', `${relayKey(relay)}: ${(error as Error).message}`);
    }
  }
  const keys = recipientKeys(queue.recipientKey);
  return {
    relay,
    recipientId: queue.recipientId,
    senderId: queue.senderId,
    recipientPublicKey: keys.publicKey,
    recipientSecretKey: keys.secretKey,
    secret: asQueueSecret(queue.secret),
    peerSenderKey: null,
    secured: false,
  };
}
