/** Agents over in-memory stores against real relays, for tests of the agent over real sockets. */
import { Agent, MemoryStore, type AgentEvent, type AgentStore, type NewProfile, type WebSocketLike } from '@graphchat/client';
import { decryptQueueMessage } from '@graphchat/core';
import type { QueueStore } from 'graphchat-server';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { WebSocket } from 'ws';

export const webSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;

export interface TestAgent {
  readonly agent: Agent;
  readonly store: AgentStore;
  readonly events: AgentEvent[];
}

/** An agent whose first profile is `profile` (or just a display name), on these relays; `now` moves its clock. */
export function makeAgent(profile: string | Omit<NewProfile, 'relays'>, relays: readonly string[], store: AgentStore = new MemoryStore(), now?: () => number): TestAgent {
  const agent = new Agent({ store, crypto: sodiumCrypto, webSocket, timeoutMs: 3000, ...(now !== undefined ? { now } : {}) });
  const events: AgentEvent[] = [];
  agent.onEvent = (event) => events.push(event);
  const data = typeof profile === 'string' ? { displayName: profile } : profile;
  if (store.listProfiles().length === 0) agent.createProfile({ ...data, relays });
  return { agent, store, events };
}

/** Syncs the given agents concurrently, each until idle. */
export async function syncAll(agents: readonly TestAgent[], timeoutMs = 10_000, idleMs = 300): Promise<void> {
  await Promise.all(agents.map((a) => a.agent.sync({ timeoutMs, idleMs })));
}

/** Invites and joins, then syncs both until they are connected. Returns the contact ids on each side. */
export async function connectPair(alice: TestAgent, bob: TestAgent): Promise<{ aliceSide: string; bobSide: string }> {
  const { link, contactId: aliceSide } = await alice.agent.createInvitation();
  const { contactId: bobSide } = await bob.agent.connect(link);
  for (let i = 0; i < 5; i++) {
    if (alice.agent.findContact(aliceSide).status === 'connected' && bob.agent.findContact(bobSide).status === 'connected') break;
    await syncAll([alice, bob]);
  }
  return { aliceSide, bobSide };
}

/**
 * A relay store wrapper (startTestRelay's `wrapStore`) that shows `onStored`
 * every body a sender stores, decrypted as its recipient would read it.
 */
export function observingStore(onStored: (recipientId: Uint8Array, body: Uint8Array) => void): (inner: QueueStore) => QueueStore {
  return (inner) => ({
    ...inner,
    async addMessage(recipientId, message, quota, origin) {
      const queue = await inner.queueByRecipientId(recipientId);
      if (queue !== null) onStored(recipientId, decryptQueueMessage(sodiumCrypto, queue.dhSecret, message.msgId, message.body).body);
      return inner.addMessage(recipientId, message, quota, origin);
    },
  });
}
