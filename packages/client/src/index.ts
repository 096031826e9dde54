// What an Agent's options take to open relay sessions (the EMP client itself is in core).
export type { WebSocketFactory, WebSocketLike } from '@graphchat/core';
export type { AgentStore } from './store/agent-store.js';
export type {
  AcceptedConnection,
  AddressConnection,
  AgreedConnection,
  ConnectedConnection,
  ConnectionRecord,
  ConnectionRole,
  ConnectionStatus,
  FailedConnection,
  InvitationChannel,
  InvitedConnection,
  MirrorConnection,
  DeviceChannel,
  JoiningConnection,
  MessageDirection,
  MessageKind,
  MessageRecord,
  MessageStatus,
  OutboxRecord,
  PrivateRouting,
  ProfileData,
  ProfileRecord,
  ReceiveQueueRecord,
  RequestConnection,
  RequestedConnection,
  SendQueueRecord,
} from './store/records.js';
export type {
  AgreementSecrets,
  EnvelopeSigningKey,
  EnvelopeSigningSecret,
  KeyPairRecord,
  QueueSecret,
  RecipientKey,
  RecipientSecret,
  SenderKey,
  SenderSecret,
} from './store/keys.js';
export { PRIVATE_ROUTING_SETTINGS } from './store/records.js';
export { DEFAULT_PRIVATE_ROUTING, privateRoutingOf } from './transport/private-routing.js';
export { MemoryStore } from './store/memory-store.js';
export { decodeRecord, encodeRecord, RecordCodecError } from './store/record-codec.js';
export { Agent } from './agent.js';
export type { AgentOptions, NewProfile } from './agent.js';
export type { ProofRange } from './conversation/proof-export.js';
export { rekeyedNotice, restoredNotice } from './conversation/resync.js';
export { DEFAULT_ROTATION_MS } from './moves/rotation.js';
export { AgentError } from './events.js';
export type { AgentErrorCode, AgentEvent, ContactInfo, DeviceInfo, HistoryItem, MoveStep, QueueInfo, RelayInfo } from './events.js';
export { checkDeviceLink, DEVICE_LINK_MS, LINK_GRACE_MS } from './devices/linking.js';
