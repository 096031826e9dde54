// MemoryStore against the AgentStore contract: the store the agent's tests run on.
import { MemoryStore } from './memory-store.js';
import { describeStoreContract } from '../test-support/store-contract.js';

describeStoreContract('MemoryStore', { open: () => new MemoryStore() });
