/**
 * KEY: registering the peer's sender key on this side's receive queues, so
 * they take nothing but the peer's signed messages, and telling which
 * connections still wait for that before they send.
 */
import { equalBytes, toHex } from '@graphchat/core';
import type { AgentContext } from '../context.js';
import type { SenderKey } from '../store/keys.js';
import type { ConnectionRecord } from '../store/records.js';
import type { PoolSession } from './relay-pool.js';
import { groupOf } from './sessions.js';

export class QueueSecurer {
  /** Receive queues (recipient id hex) with a KEY in flight, and those whose relay refused KEY (not retried until restart). */
  private readonly keying = new Set<string>();
  private readonly keyRefused = new Set<string>();

  /** `kick` runs the work loop again, as a finished KEY may let the outbox go. */
  constructor(
    private readonly ctx: AgentContext,
    private readonly kick: () => void,
  ) {}

  /** KEY: registers the peer's sender key on each receive queue that has one and is not secured yet. */
  secureQueues(): void {
    const { store, pool, activity } = this.ctx;
    for (const connection of store.listConnections()) {
      if (connection.status === 'failed') continue;
      for (const queue of connection.receiveQueues) {
        const id = toHex(queue.recipientId);
        // A queue on its way out (a finished move's, §8.6) needs no KEY any more.
        if (queue.peerSenderKey === null || queue.secured || queue.state === 'deleting' || this.keying.has(id) || this.keyRefused.has(id)) continue;
        const session = pool.session(queue.relay, groupOf(store, connection));
        this.keying.add(id);
        void activity.track(this.secureQueue(session, connection.id, queue.recipientId, queue.peerSenderKey)).finally(() => {
          this.keying.delete(id);
          this.kick();
        });
      }
    }
  }

  private async secureQueue(session: PoolSession, connectionId: string, recipientId: Uint8Array, senderKey: SenderKey): Promise<void> {
    const { store } = this.ctx;
    const client = await session.open();
    if (client === null) return;
    const queue = store.getConnection(connectionId)?.receiveQueues.find((q) => equalBytes(q.recipientId, recipientId));
    if (queue === undefined) return;
    let response;
    try {
      response = await client.command(queue.recipientId, { type: 'KEY', senderAuthKey: senderKey }, queue.recipientSecretKey);
    } catch {
      return; // The session dropped; KEY is retried when it is back.
    }
    if (response.type !== 'OK') {
      this.keyRefused.add(toHex(queue.recipientId));
      this.ctx.emit([{ event: 'rejected', contact: connectionId, reason: `relay refused to secure a queue: ${response.type === 'ERR' ? response.code : response.type}` }]);
      return;
    }
    store.transaction(() => {
      const connection = store.getConnection(connectionId);
      if (connection === null) return;
      const receiveQueues = connection.receiveQueues.map((q) => (equalBytes(q.recipientId, recipientId) && equalBytes(q.peerSenderKey ?? new Uint8Array(0), senderKey) ? { ...q, secured: true } : q));
      store.putConnection({ ...connection, receiveQueues });
    });
  }

  /** Whether a KEY is due on a queue whose relay is up: work for `sync` to wait for. Queues whose relay refused KEY are not. */
  hasWork(connection: ConnectionRecord): boolean {
    const group = groupOf(this.ctx.store, connection);
    return connection.receiveQueues.some((queue) => {
      const id = toHex(queue.recipientId);
      return queue.peerSenderKey !== null && !queue.secured && queue.state !== 'deleting' && !this.keyRefused.has(id) && this.ctx.pool.session(queue.relay, group).isUp;
    });
  }

  /**
   * Whether the connection's outbox waits for KEY on its own queues: the
   * reply and the hello go only once this side's queues take nothing but the
   * peer's signed messages (graph-chat §7.3, §7.4). A queue whose relay is
   * down, or refused KEY, does not hold the others back; KEY is tried again
   * when the relay is back.
   */
  awaitsOwnKeys(connection: ConnectionRecord): boolean {
    const group = groupOf(this.ctx.store, connection);
    return connection.receiveQueues.some((queue) => {
      const id = toHex(queue.recipientId);
      if (this.keying.has(id)) return true;
      return queue.peerSenderKey !== null && !queue.secured && !this.keyRefused.has(id) && this.ctx.pool.session(queue.relay, group).isUp;
    });
  }
}
