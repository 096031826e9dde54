// Public surface of @graphchat/core. Node-only backends live in subpath
// exports (@graphchat/core/crypto-sodium) so this index loads in a browser.
export { ByteReader, ByteWriter, concatBytes, equalBytes, fromBase64url, fromHex, fromUtf8, toBase64url, toHex, utf8 } from './bytes.js';
export type { Argon2idParams, Crypto, KeyPair, MlKemEncapsulation } from './crypto/crypto.js';
export { nobleCrypto } from './crypto/noble.js';
export { CodedError, CryptoError, DecodeError, SessionError } from './errors.js';
export type { CryptoErrorCode, DecodeErrorCode, SessionErrorCode } from './errors.js';

export { formatRelayAddress, parseRelayAddress, relayFingerprint, relayUrl } from './emp/address.js';
export type { RelayAddress } from './emp/address.js';
export { decodeBlock, encodeBlock, MAX_TRANSMISSION_SIZE, packBlocks } from './emp/block.js';
export {
  decodeCommand,
  decodeResponse,
  decodeTransmission,
  encodeCommand,
  encodeResponse,
  encodeSigned,
  encodeTransmission,
  signatureInput,
} from './emp/commands.js';
export type { Command, Response, Transmission } from './emp/commands.js';
export { ERROR_CODES, isErrorCode } from './emp/error-codes.js';
export type { ErrorCode } from './emp/error-codes.js';
export { HANDSHAKE_PROLOGUE } from './emp/handshake.js';
export type { VersionRange } from './emp/handshake.js';
export * as limits from './emp/limits.js';
export { decryptQueueMessage, encryptQueueMessage, queueSecret } from './emp/message-crypto.js';
export type { QueueMessage } from './emp/message-crypto.js';
export { acceptClientHandshake, EmpSession, startClientHandshake, SUPPORTED_VERSIONS } from './emp/session.js';
export { RelayClient, RelayClientError } from './emp/client.js';
export type { CommandRequest, Push, RelayClientErrorCode, RelayClientOptions, WebSocketFactory, WebSocketLike } from './emp/client.js';
export { forwardKeys, openForward, openForwardResponse, sealForward, sealForwardResponse } from './emp/forward-seal.js';
export type { ForwardKeys, SealedForward } from './emp/forward-seal.js';
export { ForwardError, forwardSend, openProxy } from './emp/forward-client.js';
export type { ForwardErrorCode, ProxyRoute } from './emp/forward-client.js';
export { ackMessage, createQueue, openMessage, QueueError, secureQueue, sendMessage, subscribeQueue } from './emp/queue.js';
export type { QueueErrorCode, RecipientQueue } from './emp/queue.js';

export { RatchetError } from './ratchet/errors.js';
export type { RatchetErrorCode } from './ratchet/errors.js';
export { decodeHeader, encodeHeader, HEADER_LENGTH } from './ratchet/header.js';
export type { RatchetHeader } from './ratchet/header.js';
export { MAX_SKIP, MAX_SKIPPED_KEYS, MAX_RETIRED_CHAINS } from './ratchet/limits.js';
export { ratchetDecrypt, ratchetEncrypt } from './ratchet/ratchet.js';
export { MESSAGE_NONCE_LENGTH } from './ratchet/kdf.js';
export { initReceiver, initSender } from './ratchet/state.js';
export type { KeyPairGenerator, RatchetState, SkippedKey } from './ratchet/state.js';
export { decodeRatchetState, encodeRatchetState, RATCHET_STATE_VERSION } from './ratchet/state-codec.js';

export { acceptAgreement, AGREEMENT_INFO, createInvitationKeys, joinAgreement } from './agreement/agreement.js';
export type { AgreementResult, InvitationKeys, InvitationKeyOptions, InvitationSecretKeys, JoinOptions, JoinResult } from './agreement/agreement.js';
export {
  AGREEMENT_VERSION,
  CONFIRMATION_KEYS_LENGTH,
  decodeConfirmationKeys,
  decodeInvitationKeys,
  encodeConfirmationKeys,
  encodeInvitationKeys,
  INVITATION_KEYS_LENGTH,
} from './agreement/codec.js';
export type { ConfirmationKeys, InvitationPublicKeys } from './agreement/codec.js';
export { AgreementError } from './agreement/errors.js';
export type { AgreementErrorCode } from './agreement/errors.js';

export { CHAT_ERROR_CODES, ChatError } from './chat/errors.js';
export type { ChatErrorCode } from './chat/errors.js';
export { MAX_QUEUES, queueRelay, SENDER_ID_LENGTH } from './chat/queue-address.js';
export {
  CHAT_VERSIONS,
  DEVICE_LINK_VERSIONS,
  commonChatVersion,
  decodeInvitation,
  encodeInvitation,
  formatInvitationLink,
  formatInvitationWebLink,
  parseInvitationLink,
} from './chat/invitation.js';
export type { ChatVersionRange, Invitation, InvitationKind, QueueAddress } from './chat/invitation.js';
export {
  CONTENT_TAGS,
  decodeContent,
  displayNameProblem,
  encodeContent,
  HASH_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_IMAGE_BYTES,
  MAX_PROFILE_TEXT_BYTES,
  MAX_TEXT_BYTES,
  MAX_BATCHED_RECEIPTS,
  MIN_BATCHED_RECEIPTS,
  OPTIONAL_CONTENT_TAGS,
  QUEUE_MOVE_CONTENT,
  SENDER_KEY_LENGTH,
  MESSAGE_ID_LENGTH,
  TEXT_WITH_ID_TAG,
} from './chat/content.js';
export { offeredVersion, VERSION_OFFER_TAG, versionOffer } from './chat/version-offer.js';
export { DEVICE_CONTENT_TAGS, DEVICE_ID_LENGTH, MAX_DEVICES, MAX_DEVICE_NAME_BYTES, PAIR_DEVICE_CONTENT, PAIR_ID_LENGTH } from './chat/device-content.js';
export type { DeviceContent, DeviceEntry, DevicePair, DeviceMessageDirection, DeviceMessageStatus } from './chat/device-content.js';
export type { Content, ContentType, ProfileContent, Receipt } from './chat/content.js';
export {
  decodeUnsignedEnvelope,
  encodeUnsignedEnvelope,
  ENVELOPE_SIGNATURE_CONTEXT,
  ENVELOPE_VERSION,
  envelopeHash,
  isUnsignedEnvelope,
  MAX_CONFIRMATION_PLAINTEXT,
  MAX_MESSAGE_PLAINTEXT,
  openEnvelope,
  PADDING_BLOCK,
  paddedLength,
  padPlaintext,
  signEnvelope,
  UNSIGNED_ENVELOPE_VERSION,
  unpadPlaintext,
  ZERO_HASH,
} from './chat/envelope.js';
export type { Envelope } from './chat/envelope.js';
export { BATCH_OVERHEAD, batchQueueBodies, decodeQueueBody, encodeQueueBody, isQueueBodyVersion, QUEUE_BODY_TAGS, QUEUE_BODY_VERSION } from './chat/queue-body.js';
export type { QueueBody, RatchetMessage } from './chat/queue-body.js';
export { connectionResyncKey, openResync, RESYNC_KEY_INFO, RESYNC_ROOT_INFO, RESYNC_SIGNATURE_CONTEXT, RESYNC_WINDOW, resyncRootKey, sealResync } from './chat/resync.js';
export type { Resync, ResyncView } from './chat/resync.js';
export { SECURITY_CODE_CONTEXT, securityCode, securityCodeMatches } from './chat/security-code.js';
export { makeProofBundle, PROOF_TYPE, PROOF_VERSION, signingKeysOfAssociatedData, verifyProofBundle } from './chat/proof.js';
export { proofContextNote } from './chat/proof-context-note.js';
export type { ProofBundle, ProofContext, ProofFailure, ProofFailureCode, ProofReport, ProofRole, ProvenMessage } from './chat/proof.js';
