export { openSqliteStore, SqliteAgentStore, StoreError } from './store/sqlite-store.js';
export type { SqliteStoreOptions, StoreErrorCode } from './store/sqlite-store.js';
export { DEFAULT_KDF_PARAMS } from './store/store-key.js';
