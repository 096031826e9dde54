// What an Agent's options take to open relay sessions (the EMP client itself is in core).
export type { WebSocketFactory, WebSocketLike } from '@graphchat/core';
export type {
  AgentStore,
  ConnectionRecord,
  ConnectionRole,
  ConnectionStatus,
  InvitationChannel,
  KeyPairRecord,
  MessageDirection,
  MessageKind,
  MessageRecord,
  MessageStatus,
  OutboxRecord,
  ProfileData,
  ProfileRecord,
  ReceiveQueueRecord,
  SendQueueRecord,
} from './store/records.js';
export { MemoryStore } from './store/memory-store.js';
export { decodeRecord, encodeRecord, RecordCodecError } from './store/record-codec.js';
export { Agent } from './agent.js';
export type { AgentOptions, NewProfile } from './agent.js';
export type { ProofRange } from './conversation/proof-export.js';
export { AgentError } from './events.js';
export type { AgentErrorCode, AgentEvent, ContactInfo, HistoryItem } from './events.js';
