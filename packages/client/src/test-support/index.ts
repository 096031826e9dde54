// @graphchat/client/test-support: the AgentStore contract suite and the
// sample records it stores, for the tests of every AgentStore backend.
export { bytes, connection, message, outboxItem, profile, queued } from './sample-records.js';
export { describeStoreContract } from './store-contract.js';
export type { StoreBackend } from './store-contract.js';
export { random, snapshot, step } from './store-steps.js';
