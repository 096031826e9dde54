export { DEFAULT_CONFIG, parseConfig } from './config.js';
export type { RelayConfig } from './config.js';
export { startRelay } from './server.js';
export type { RunningRelay } from './server.js';
export { WS_CLOSE } from './ws-transport.js';
export type { QueueStore, QueueRecord, StoredMessage } from './store.js';
export { openSqliteStore } from './sqlite-store.js';
