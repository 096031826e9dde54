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
} from './store.js';
export { MemoryStore } from './memory-store.js';
export { decodeRecord, encodeRecord, RecordCodecError } from './record-codec.js';
export { Agent } from './agent.js';
export type { AgentOptions, NewProfile } from './agent.js';
export type { ProofRange } from './proof-export.js';
export { AgentError } from './agent-types.js';
export type { AgentErrorCode, AgentEvent, ContactInfo, HistoryItem } from './agent-types.js';
