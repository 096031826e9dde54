/**
 * Sample records for AgentStore tests: every field set, byte fields of
 * distinct lengths and fills, so a backend that drops, truncates or swaps a
 * field shows it. Overrides replace fields of the sample.
 */
import type { SenderKey, SenderSecret } from '../store/keys.js';
import type { ConnectedConnection, ConnectionRecord, MessageRecord, OutboxRecord, ProfileRecord } from '../store/records.js';

export const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);

/** Bytes typed as the key a field holds (keys.ts): stores keep them as plain bytes. */
export const key = <K extends Uint8Array>(length: number, fill: number): K => bytes(length, fill) as K;

export function profile(id: string, displayName = `name of ${id}`): ProfileRecord {
  return {
    id,
    profile: { displayName, fullName: `${displayName} Fullname`, image: bytes(40, 7), status: 'around' },
    relays: ['emp://fingerprint:password@relay.example:5223'],
    sessionPerConnection: false,
    queuesPerRelay: 2,
    privateRouting: 'always',
    createdAt: 1_700_000_000_000,
  };
}

/**
 * A connected connection. Overrides may mix fields of different states
 * (a store keeps a record as given, whatever its state says).
 */
export function connection(id: string, profileId: string, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const sample: ConnectedConnection = {
    id,
    profileId,
    role: 'inviter',
    status: 'connected',
    peerProfile: { displayName: `peer of ${id}` },
    channel: 'link',
    codeVerified: false,
    invitationLink: null,
    agreementSecrets: null,
    associatedData: bytes(64, 1),
    ratchet: bytes(300, 2),
    signingPublicKey: key(32, 3),
    signingSecretKey: key(64, 4),
    peerSigningKey: key(32, 5),
    receiveQueues: [
      {
        relay: 'emp://fp:pw@relay.example',
        recipientId: bytes(24, 6),
        senderId: bytes(24, 7),
        recipientPublicKey: key(32, 8),
        recipientSecretKey: key(64, 9),
        secret: key(32, 10),
        peerSenderKey: key<SenderKey>(32, 21),
        secured: true,
      },
    ],
    sendQueues: [{ relay: 'emp://fp@relay.example', senderId: bytes(24, 11), senderPublicKey: key(32, 12), senderSecretKey: key(64, 13) }],
    lastSentSeq: 3,
    lastSentHash: bytes(32, 14),
    lastReceivedSeq: 2,
    lastReceivedHash: bytes(32, 15),
    createdAt: 1_700_000_000_001,
    failure: null,
    receiptsDue: [{ seq: 2, hash: bytes(32, 16) }, { seq: 3, hash: bytes(32, 22), unsigned: true }],
    offTheRecord: false,
    peerMayOmitSignatures: true,
    lastSentUnsigned: false,
    lastReceivedUnsigned: true,
    modeProposal: { offTheRecord: false, byPeer: true },
  };
  return { ...sample, ...overrides } as ConnectionRecord;
}

export function message(id: string, connectionId: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    connectionId,
    direction: 'sent',
    kind: 'text',
    seq: 1,
    text: `text of ${id}`,
    timestamp: 1_700_000_000_100,
    localTime: 1_700_000_000_200,
    status: 'sent',
    envelope: bytes(100, 16),
    hash: bytes(32, 17),
    ...overrides,
  };
}

/** A sent message not yet encrypted: queued, seq 0, no envelope. */
export const queued = (id: string, connectionId: string): MessageRecord =>
  message(id, connectionId, { seq: 0, status: 'queued', envelope: null, hash: null });

export function outboxItem(connectionId: string, overrides: Partial<Omit<OutboxRecord, 'id'>> = {}): Omit<OutboxRecord, 'id'> {
  return {
    connectionId,
    relay: 'emp://fp:pw@relay.example',
    senderId: bytes(24, 18),
    senderSecretKey: key<SenderSecret>(64, 19),
    body: bytes(200, 20),
    messageId: null,
    seq: 1,
    hash: bytes(32, 21),
    ...overrides,
  };
}
