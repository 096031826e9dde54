/**
 * A connection waiting to join someone's invitation (status `request`): a
 * request at a contact address (graph-chat §7.6), which waits for the user,
 * or an introduction (devices.md §4, §5), which the work loop joins
 * without asking. Its keys are drawn when the invitation is joined.
 */
import { ZERO_HASH } from '@graphchat/core';
import { envelopeSigningKeys } from '../store/keys.js';
import type { ConnectionBase, RequestConnection } from '../store/records.js';

export function requestRecord(
  id: string,
  profileId: string,
  invitationLink: string,
  now: number,
  extras: Partial<Pick<ConnectionBase, 'peerProfile' | 'channel' | 'contact' | 'device' | 'offTheRecord' | 'peerMayOmitSignatures' | 'introduced'>>,
): RequestConnection {
  const noKey = envelopeSigningKeys({ publicKey: new Uint8Array(0), secretKey: new Uint8Array(0) });
  return {
    id,
    profileId,
    role: 'joiner',
    status: 'request',
    peerProfile: null,
    channel: 'link',
    codeVerified: false,
    invitationLink,
    agreementSecrets: null,
    associatedData: null,
    ratchet: null,
    signingPublicKey: noKey.publicKey,
    signingSecretKey: noKey.secretKey,
    peerSigningKey: null,
    receiveQueues: [],
    sendQueues: [],
    lastSentSeq: 0,
    lastSentHash: ZERO_HASH,
    lastReceivedSeq: 0,
    lastReceivedHash: ZERO_HASH,
    createdAt: now,
    failure: null,
    receiptsDue: [],
    ...extras,
  };
}
