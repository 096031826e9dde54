/**
 * The connection handshake (graph-chat §7) as pure steps over connection
 * records: what the inviter keeps when it makes an invitation, what the
 * joiner keeps and sends, and what the inviter does with a confirmation.
 * The agent stores each result in one transaction and does the networking.
 */
import {
  acceptAgreement,
  connectionResyncKey,
  CHAT_VERSIONS,
  commonChatVersion,
  DEVICE_LINK_VERSIONS,
  createInvitationKeys,
  encodeQueueBody,
  formatInvitationLink,
  initReceiver,
  initSender,
  joinAgreement,
  encodeRatchetState,
  ZERO_HASH,
  type Crypto,
  type Envelope,
  type Invitation,
  type InvitationKind,
  type ProfileContent,
  type QueueBody,
} from '@graphchat/core';
import { decryptEnvelope, sealEnvelope, verifyEnvelope, type Sealed } from '../conversation/envelope-crypto.js';
import { asEnvelopeSigningKey, asSenderKey, envelopeSigningKeys, senderKeys, type EnvelopeSigningKey, type EnvelopeSigningSecret } from '../store/keys.js';
import type {
  AcceptedConnection,
  AddressConnection,
  AgreedConnection,
  ConnectionBase,
  ConnectionRecord,
  InvitationChannel,
  InvitedConnection,
  InvitingConnection,
  JoiningConnection,
  ProfileData,
  ReceiveQueueRecord,
  SendQueueRecord,
} from '../store/records.js';
import { relayKey } from '../transport/relay-pool.js';

/** Why a confirmation was not accepted; the connection stays as it was. */
export class HandshakeRejected extends Error {
  override readonly name = 'HandshakeRejected';
}

export function profileContent(profile: ProfileData): ProfileContent {
  return {
    displayName: profile.displayName,
    ...(profile.fullName !== undefined ? { fullName: profile.fullName } : {}),
    ...(profile.image !== undefined ? { image: profile.image } : {}),
    ...(profile.status !== undefined ? { status: profile.status } : {}),
  };
}

function newSendQueues(crypto: Crypto, queues: readonly { relay: string; senderId: Uint8Array }[]): SendQueueRecord[] {
  return queues.map((queue) => {
    const key = senderKeys(crypto.ed25519KeyPair());
    return { relay: queue.relay, senderId: queue.senderId, senderPublicKey: key.publicKey, senderSecretKey: key.secretKey };
  });
}

function replyAddresses(queues: readonly ReceiveQueueRecord[]): { relay: string; senderId: Uint8Array }[] {
  // The password is for creating queues; senders don't need it, so it never leaves this client.
  return queues.map((queue) => ({ relay: relayKey(queue.relay), senderId: queue.senderId }));
}

interface NewConnection {
  readonly id: string;
  readonly profileId: string;
  readonly receiveQueues: readonly ReceiveQueueRecord[];
  readonly now: number;
}

/** What every new connection starts with; each state adds its own fields. */
function blankConnection(
  base: NewConnection,
  signing: { publicKey: EnvelopeSigningKey; secretKey: EnvelopeSigningSecret },
): Omit<ConnectionBase, 'role' | 'channel'> {
  return {
    id: base.id,
    profileId: base.profileId,
    peerProfile: null,
    codeVerified: false,
    signingPublicKey: signing.publicKey,
    signingSecretKey: signing.secretKey,
    receiveQueues: base.receiveQueues,
    sendQueues: [],
    lastSentSeq: 0,
    lastSentHash: ZERO_HASH,
    lastReceivedSeq: 0,
    lastReceivedHash: ZERO_HASH,
    createdAt: base.now,
    receiptsDue: [],
  };
}

/** An off-the-record invitation makes both sides send, and accept, unsigned envelopes from the first one on (§4.7). */
function offTheRecordFrom(kind: InvitationKind): Pick<ConnectionBase, 'offTheRecord' | 'peerMayOmitSignatures'> {
  return kind === 'off-the-record' ? { offTheRecord: true, peerMayOmitSignatures: true } : {};
}

/**
 * The inviter's new connection and its invitation link (§7.1): a one-time
 * invitation, or a contact address (§7.6), which keeps its keys for every
 * request it receives.
 */
export function createInvitation(
  crypto: Crypto,
  base: NewConnection,
  kind: InvitationKind = 'one-time',
  expires?: number,
): { connection: InvitedConnection | AddressConnection; link: string; invitation: Invitation } {
  const keys = createInvitationKeys(crypto);
  const invitation: Invitation = {
    // A device link needs version 4 on both devices (devices.md §4).
    versions: kind === 'device' ? DEVICE_LINK_VERSIONS : CHAT_VERSIONS,
    kind,
    keys: keys.publicKeys,
    queues: replyAddresses(base.receiveQueues),
    ...(expires !== undefined ? { expires } : {}),
  };
  const link = formatInvitationLink(invitation);
  const inviting: Omit<InvitedConnection, 'status'> = {
    ...blankConnection(base, envelopeSigningKeys(keys.secretKeys.sig)),
    role: 'inviter',
    // The inviter can't know how its link travelled; only comparing the security code verifies the contact.
    channel: 'link',
    invitationLink: link,
    agreementSecrets: { dh: keys.secretKeys.dh, kem: keys.secretKeys.kem },
    associatedData: null,
    ratchet: null,
    peerSigningKey: null,
    failure: null,
    ...offTheRecordFrom(kind),
  };
  const connection: InvitedConnection | AddressConnection = kind === 'contact-address' ? { ...inviting, status: 'address' } : { ...inviting, status: 'invited' };
  return { connection, link, invitation };
}

/** The joiner's new connection and the confirmation it sends to every invitation queue (§7.2). */
export function joinInvitation(
  crypto: Crypto,
  base: NewConnection,
  invitation: Invitation,
  profile: ProfileData,
  channel: InvitationChannel,
): { sealed: Sealed<JoiningConnection>; body: Uint8Array } {
  const version = commonChatVersion(invitation.versions);
  const join = joinAgreement(crypto, invitation.keys);
  const ratchet = initSender(crypto, join.sharedKey, invitation.keys.dh);
  const resyncKey = connectionResyncKey(crypto, join.sharedKey);
  crypto.wipe(join.sharedKey);
  const sendQueues = newSendQueues(crypto, invitation.queues);
  const connection: JoiningConnection = {
    ...blankConnection(base, envelopeSigningKeys(join.secretKeys.sig)),
    role: 'joiner',
    status: 'joining',
    channel,
    ...offTheRecordFrom(invitation.kind),
    invitationLink: null,
    agreementSecrets: null,
    associatedData: join.associatedData,
    ratchet: encodeRatchetState(ratchet),
    peerSigningKey: asEnvelopeSigningKey(invitation.keys.sig),
    failure: null,
    resyncKey,
    sendQueues,
    version,
  };
  const sealed = sealEnvelope(
    crypto,
    connection,
    {
      type: 'confirm',
      replyQueues: replyAddresses(base.receiveQueues),
      senderKeys: sendQueues.map((queue) => queue.senderPublicKey),
      profile: profileContent(profile),
    },
    base.now,
  );
  // The confirmation's version byte tells the inviter which version the connection speaks.
  const body = encodeQueueBody({ type: 'confirmation', keys: join.confirmation, header: sealed.header, ciphertext: sealed.ciphertext }, version);
  return { sealed, body };
}

export interface AcceptedConfirmation {
  /** The joiner's confirmation as received (signed envelope, hash). */
  readonly received: { readonly signed: Uint8Array; readonly hash: Uint8Array; readonly timestamp: number };
  /** The reply, sealed; its connection is the inviter's new state. */
  readonly reply: Sealed<AcceptedConnection>;
  readonly body: Uint8Array;
}

/** An inviting connection with the keys a confirmation just agreed, while the confirmation is checked. */
type Agreeing = Omit<InvitingConnection, 'ratchet' | 'associatedData' | 'peerSigningKey'> & Pick<AgreedConnection, 'ratchet' | 'associatedData' | 'peerSigningKey' | 'resyncKey'>;

/** Agrees on the keys of a confirmation body and opens the envelope inside; throws HandshakeRejected. */
function openConfirmation(
  crypto: Crypto,
  connection: InvitingConnection,
  confirmation: Extract<QueueBody, { type: 'confirmation' }>,
): { agreed: Agreeing; envelope: Envelope; signed: Uint8Array; hash: Uint8Array } {
  const secrets = connection.agreementSecrets;
  try {
    const sig = { publicKey: connection.signingPublicKey, secretKey: connection.signingSecretKey };
    const agreement = acceptAgreement(crypto, { dh: secrets.dh, kem: secrets.kem, sig }, confirmation.keys);
    const ratchet = initReceiver(crypto, agreement.sharedKey, secrets.dh);
    const resyncKey = connectionResyncKey(crypto, agreement.sharedKey);
    crypto.wipe(agreement.sharedKey);
    const withKeys: Agreeing = {
      ...connection,
      ratchet: encodeRatchetState(ratchet),
      resyncKey,
      associatedData: agreement.associatedData,
      peerSigningKey: asEnvelopeSigningKey(confirmation.keys.sig),
    };
    const { connection: agreed, signed } = decryptEnvelope(crypto, withKeys, confirmation.header, confirmation.ciphertext);
    const { envelope, hash } = verifyEnvelope(crypto, agreed, signed);
    if (envelope.seq !== 1) throw new Error('not the first envelope');
    return { agreed, envelope, signed, hash };
  } catch (error) {
    throw new HandshakeRejected(`confirmation rejected: ${(error as Error).message}`);
  }
}

/**
 * The inviter's side of §7.3: agree, decrypt and verify the confirmation,
 * then seal the reply. Throws HandshakeRejected when the confirmation does
 * not decrypt or verify with the keys it carries: a relay that substituted
 * or injected keys ends here, and the invitation stays open for the real joiner.
 */
export function acceptConfirmation(
  crypto: Crypto,
  connection: ConnectionRecord,
  confirmation: Extract<QueueBody, { type: 'confirmation' }>,
  profile: ProfileData,
  now: number,
  version: number,
): AcceptedConfirmation {
  if (connection.role !== 'inviter' || (connection.status !== 'invited' && connection.status !== 'requested')) {
    throw new HandshakeRejected('the invitation was already used');
  }
  const { agreed, signed, ...verified } = openConfirmation(crypto, connection, confirmation);
  const { envelope, hash } = verified;
  const content = envelope.content;
  if (content.type !== 'confirm') throw new HandshakeRejected('confirmation rejected: not a confirmation');
  if (content.senderKeys.length !== connection.receiveQueues.length) {
    throw new HandshakeRejected('confirmation rejected: one sender key per invitation queue expected');
  }
  const sendQueues = newSendQueues(crypto, content.replyQueues);
  const accepted: AcceptedConnection = {
    ...agreed,
    status: 'accepted',
    role: 'inviter',
    agreementSecrets: null,
    invitationLink: null,
    failure: null,
    peerProfile: content.profile,
    sendQueues,
    receiveQueues: connection.receiveQueues.map((queue, i) => ({ ...queue, peerSenderKey: asSenderKey(content.senderKeys[i]!) })),
    lastReceivedSeq: envelope.seq,
    lastReceivedHash: hash,
    version,
  };
  const reply = sealEnvelope(
    crypto,
    accepted,
    { type: 'reply', senderKeys: sendQueues.map((queue) => queue.senderPublicKey), profile: profileContent(profile) },
    now,
  );
  const body = encodeQueueBody({ type: 'message', header: reply.header, ciphertext: reply.ciphertext }, version);
  return { received: { signed, hash, timestamp: envelope.timestamp }, reply, body };
}

/**
 * The requester's side of §7.6: a confirmation body for a contact address,
 * carrying a `request` with the requester's own one-time invitation. The
 * agreement with the address keys serves only to encrypt and authenticate
 * this one message; its ratchet is not kept.
 */
export function requestContact(
  crypto: Crypto,
  address: Invitation,
  ownInvitation: Invitation,
  profile: ProfileData,
  now: number,
): { body: Uint8Array; seq: number; hash: Uint8Array } {
  const join = joinAgreement(crypto, address.keys);
  const ratchet = initSender(crypto, join.sharedKey, address.keys.dh);
  crypto.wipe(join.sharedKey);
  const once: JoiningConnection = {
    ...blankConnection({ id: '', profileId: '', receiveQueues: [], now }, envelopeSigningKeys(join.secretKeys.sig)),
    role: 'joiner',
    status: 'joining',
    channel: 'link',
    invitationLink: null,
    agreementSecrets: null,
    associatedData: join.associatedData,
    ratchet: encodeRatchetState(ratchet),
    peerSigningKey: asEnvelopeSigningKey(address.keys.sig),
    failure: null,
  };
  const sealed = sealEnvelope(crypto, once, { type: 'request', invitation: ownInvitation, profile: profileContent(profile) }, now);
  const body = encodeQueueBody({ type: 'confirmation', keys: join.confirmation, header: sealed.header, ciphertext: sealed.ciphertext }, commonChatVersion(address.versions));
  return { body, seq: sealed.envelope.seq, hash: sealed.hash };
}

/** The owner's side of §7.6: opens a request that arrived at a contact address; throws HandshakeRejected. */
export function openRequest(
  crypto: Crypto,
  address: ConnectionRecord,
  confirmation: Extract<QueueBody, { type: 'confirmation' }>,
): { invitation: Invitation; profile: ProfileContent } {
  if (address.status !== 'address') throw new HandshakeRejected('not a contact address');
  const { envelope } = openConfirmation(crypto, address, confirmation);
  if (envelope.content.type !== 'request') throw new HandshakeRejected('a contact address takes only requests');
  return { invitation: envelope.content.invitation, profile: envelope.content.profile };
}
