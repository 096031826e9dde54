/**
 * Closing connections when a device is removed (devices.md §9): a closed
 * connection sends nothing more and deletes its receive queues on their
 * relays, so the other side can no longer send through them.
 */
import type { AgentStore } from '../store/agent-store.js';
import type { ConnectionRecord, FailedConnection } from '../store/records.js';

/**
 * The connection closed for `reason`: failed, its receive queues to be
 * deleted (the mover DELs them). What waits in its outbox is dropped,
 * unless `keepOutbox` (a last message to a removed device, telling it).
 */
export function closeConnection(store: AgentStore, connection: ConnectionRecord, reason: string, keepOutbox = false): FailedConnection {
  if (!keepOutbox) for (const item of store.listOutbox()) if (item.connectionId === connection.id) store.deleteOutbox(item.id);
  const closed = {
    ...connection,
    status: 'failed',
    failure: reason,
    receiveQueues: connection.receiveQueues.map((queue) => ({ ...queue, state: 'deleting' as const })),
  };
  return closed as FailedConnection;
}
