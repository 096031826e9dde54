export { RelayClient, RelayClientError } from './relay-client.js';
export type { CommandRequest, Push, RelayClientOptions, WebSocketFactory, WebSocketLike } from './relay-client.js';
export { ackMessage, createQueue, openMessage, QueueError, secureQueue, sendMessage, subscribeQueue } from './queue.js';
export type { RecipientQueue } from './queue.js';
