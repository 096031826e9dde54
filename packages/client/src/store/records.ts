/**
 * What the agent keeps: profiles, connections, messages and the outbox
 * (stored through AgentStore, agent-store.ts). Records are plain data; the
 * stores encode them as they are (record-codec.ts), so the types below
 * describe the stored format without changing it.
 */
import type { AgreementSecrets, EnvelopeSigningKey, EnvelopeSigningSecret, RecipientKey, RecipientSecret, SenderKey, SenderSecret, QueueSecret } from './keys.js';

export interface ProfileData {
  readonly displayName: string;
  readonly fullName?: string;
  /** A small image (JPEG/PNG/WebP bytes), at most MAX_IMAGE_BYTES. */
  readonly image?: Uint8Array;
  readonly status?: string;
}

/**
 * When a SEND to a peer's queue goes through one of the profile's own relays
 * (EMP §7.8) instead of straight to the peer's relay: always, only when the
 * peer's relay is not one of the profile's (the default), or never.
 */
export type PrivateRouting = 'always' | 'unknown-relays' | 'never';

export const PRIVATE_ROUTING_SETTINGS: readonly PrivateRouting[] = ['always', 'unknown-relays', 'never'];

export interface ProfileRecord {
  readonly id: string;
  readonly profile: ProfileData;
  /** Relay addresses (emp://…, possibly with password) on which this profile creates its queues. */
  readonly relays: readonly string[];
  /** One relay session per connection instead of one per profile (unlinkability against a relay that compares sessions). */
  readonly sessionPerConnection: boolean;
  /**
   * Receive queues per relay for each new connection (default 1). With more,
   * the sender spreads its messages over them (graph-chat §8.1), so more
   * messages are in flight at once: one queue carries one unacknowledged
   * message at a time.
   */
  readonly queuesPerRelay?: number;
  /** Absent in profiles stored before the setting existed, and when it is the default ('unknown-relays'). */
  readonly privateRouting?: PrivateRouting;
  /**
   * How often each connection moves to new queues (graph-chat §8.6), in ms,
   * jittered by a seventh either way; 0 turns rotation off. Absent: the
   * default, DEFAULT_ROTATION_MS (7 days).
   */
  readonly rotationMs?: number;
  readonly createdAt: number;
}

/** A queue this side receives from. */
export interface ReceiveQueueRecord {
  /** Relay address including its password, as configured. */
  readonly relay: string;
  readonly recipientId: Uint8Array;
  readonly senderId: Uint8Array;
  /** Ed25519 key pair (64-byte secret) that signs this queue's recipient commands. */
  readonly recipientPublicKey: RecipientKey;
  readonly recipientSecretKey: RecipientSecret;
  /** Shared with the relay; opens delivered messages (EMP §8). */
  readonly secret: QueueSecret;
  /** The peer's Ed25519 sender public key for this queue, once the handshake carried it; KEY registers it on the relay. */
  readonly peerSenderKey: SenderKey | null;
  /** Whether KEY has registered `peerSenderKey` on the relay. */
  readonly secured: boolean;
  /**
   * Where the queue is in a move (graph-chat §8.6); absent: in use. `new`:
   * announced in queues-add, not yet used by the peer; `retiring`: the peer
   * was told to stop (queues-use), still received from; `deleting`: the peer
   * stopped (queues-test arrived), DEL is due on the relay.
   */
  readonly state?: 'new' | 'retiring' | 'deleting';
  /** When a DEL of a `deleting` queue last failed, and how often: retried with backoff, given up after a week. */
  readonly deleteFailures?: { readonly count: number; readonly since: number; readonly last: number };
}

/** A queue this side sends to (one of the peer's receive queues). */
export interface SendQueueRecord {
  /** Relay address without password. */
  readonly relay: string;
  readonly senderId: Uint8Array;
  /** Ed25519 key pair this side signs SENDs with; the peer registers the public key with KEY. */
  readonly senderPublicKey: SenderKey;
  readonly senderSecretKey: SenderSecret;
  /** `new`: a queue of the peer's queues-add, keys sent, not used until its queues-use (graph-chat §8.6). Absent: in use. */
  readonly state?: 'new';
}

export type ConnectionRole = 'inviter' | 'joiner';

export type InvitationChannel = 'link' | 'scanned';

/** What every connection has, whatever its state. */
export interface ConnectionBase {
  readonly id: string;
  readonly profileId: string;
  readonly role: ConnectionRole;
  /** The peer's profile as last received; null until the handshake carries it. */
  readonly peerProfile: ProfileData | null;
  /** How the invitation travelled. */
  readonly channel: InvitationChannel;
  /** Whether the user compared the security code (or scanned it) and it matched. */
  readonly codeVerified: boolean;
  /** This side's per-connection Ed25519 key pair that signs its envelopes (64-byte secret). */
  readonly signingPublicKey: EnvelopeSigningKey;
  readonly signingSecretKey: EnvelopeSigningSecret;
  readonly receiveQueues: readonly ReceiveQueueRecord[];
  readonly sendQueues: readonly SendQueueRecord[];
  /** Sequence number of the last envelope this side sent (0: none yet). */
  readonly lastSentSeq: number;
  /** Hash of the last envelope this side sent (32 zero bytes: none yet). */
  readonly lastSentHash: Uint8Array;
  /** Sequence number of the last envelope received and delivered in order. */
  readonly lastReceivedSeq: number;
  readonly lastReceivedHash: Uint8Array;
  readonly createdAt: number;
  /**
   * Received texts not yet answered with a receipt. They are answered
   * together a moment later (graph-chat §8.3), and kept here so that a crash
   * in between loses none.
   */
  readonly receiptsDue: readonly { readonly seq: number; readonly hash: Uint8Array; readonly unsigned?: boolean }[];
  /**
   * Off the record (graph-chat §4.7, §8.5): this side sends unsigned
   * envelopes. Absent in records made before the mode existed: false.
   */
  readonly offTheRecord?: boolean;
  /**
   * Unsigned envelopes from the peer are accepted: while off the record, and
   * while this side waits for the answer to its own proposal to go back on
   * (the peer is off the record until it answers).
   */
  readonly peerMayOmitSignatures?: boolean;
  /**
   * Whether the last envelope this side sent, and the last it received, was
   * unsigned: a signed envelope never names an unsigned one by hash (its
   * prevSentHash or lastReceivedHash is then ZERO_HASH), or its signature
   * would make the off-the-record envelope provable (graph-chat §4.7).
   */
  readonly lastSentUnsigned?: boolean;
  readonly lastReceivedUnsigned?: boolean;
  /** A switch of mode proposed and not yet agreed: by this side (`byPeer` false) or by the peer. */
  readonly modeProposal?: { readonly offTheRecord: boolean; readonly byPeer: boolean } | null;
  /**
   * A resync this side offered and the peer has not answered (graph-chat
   * §8.7): the offer's hash, to match the answer, and its agreement key
   * pairs. This side keeps sealing under the old ratchet meanwhile: the peer
   * opens that with the ratchet it replaced, or gets it again afterwards.
   */
  readonly resyncOffer?: ResyncOffer | null;
  /** The timestamp of the last resync accepted from the peer: an older or equal one is a replay. */
  readonly peerResyncTimestamp?: number;
  /**
   * The offer this side last answered (its hash) and when: answered afresh if it comes again before anything
   * of the peer opens under the answer's ratchet (which clears this).
   */
  readonly lastAnswer?: { readonly offerHash: Uint8Array; readonly sentAt: number } | null;
  /**
   * The ratchet the last resync replaced (encoded), kept to open what the
   * peer sealed under it before it switched: copies of those messages can
   * still arrive through other relays. Replaced at the next resync, and
   * forgotten PREVIOUS_RATCHET_MS after this one (receive.ts).
   */
  readonly previousRatchet?: Uint8Array | null;
  /** When the last resync replaced the ratchet. */
  readonly resyncedAt?: number;
  /** The hash the peer's last envelope named as received, found among this side's (so not looked up again). */
  readonly peerNamedHash?: Uint8Array;
  /** When envelopes began to be held past a gap that is still open (receive.ts waitForGap). */
  readonly gapSince?: number | null;
  /** When this side last offered a resync on no evidence (a message its ratchet could not open): at most one an hour. */
  readonly unprovenResyncAt?: number;
  /** The graph-chat version both sides speak (§2.2, §3). Absent in records made before version 3: 2. */
  readonly version?: number;
  /** This side's move of its receive queues under way (graph-chat §8.6), or null. */
  readonly move?: QueueMove | null;
  /** A move asked for (relays changed, rotation due or asked for), not yet started: when it was asked for. */
  readonly moveWanted?: number | null;
  /** Failed starts of the move asked for (a relay of the list made no queue), for backoff across runs; null once one begins. */
  readonly moveAttempt?: { readonly count: number; readonly at: number } | null;
  /** When the next scheduled rotation is due (absent: not yet planned). */
  readonly rotateAt?: number;
  /**
   * The AD of the handshake (§1.4), kept once a rekey replaced `associatedData`
   * with the AD of its agreement: it binds the signing keys, which a rekey
   * keeps, so proofs and resync signatures go on using it.
   */
  readonly handshakeAD?: Uint8Array;
  /** The AD `previousRatchet` runs under, when a rekey changed it. */
  readonly previousAssociatedData?: Uint8Array | null;
  /**
   * The contact this connection is a pair connection of, by the id all of
   * this person's devices use for it (devices.md §3); absent: its own id.
   */
  readonly contact?: string;
  /** A device channel (devices.md §3): a connection with another device of this person, for device messages only. */
  readonly device?: DeviceChannel | null;
  /** The highest Lamport counter of a text on this connection (devices.md §7). */
  readonly lamport?: number;
  /**
   * A pair made by an introduction (devices.md §5): the pair id (hex) of the
   * pair of my other device it was introduced over, and the contact device's
   * clock when it joined (what it wrote before went to the other pairs only).
   */
  readonly introducedVia?: string;
  readonly since?: number;
  /** A request that came in a device-add (devices.md §5): joined without asking, as the contact's device introduced it. */
  readonly introduced?: boolean;
  /** This side sent its version offer (graph-chat §8.9), and the highest version the peer's offered. */
  readonly versionOffered?: boolean;
  readonly peerVersion?: number;
}

/** What makes a connection a device channel (devices.md §3, §4). */
export interface DeviceChannel {
  /** The other device's id (hex), once its device-list told it; null before. */
  readonly peer: string | null;
  /** This side made the link (D1): what it shares once the channel is connected, and when the link expires. */
  readonly link?: { readonly history: boolean; readonly expires: number } | null;
  /** A channel this side offered to another device of the profile (devices.md §4): when the offer expires. */
  readonly expires?: number;
}

/** This side's move of its receive queues (graph-chat §8.6). */
export interface QueueMove {
  /** `added`: queues-add sent; `keyed`: the peer's sender keys arrived, KEY under way; `using`: queues-use sent, waiting for queues-test. */
  readonly step: 'added' | 'keyed' | 'using';
  readonly startedAt: number;
  /** Hash of this move's queues-add envelope: the peer's queues-keys must name it. */
  readonly addHash: Uint8Array;
  /** The queues-add went unsigned (off the record): once the connection signs again, no signed answer may name it, and the move starts over. */
  readonly addUnsigned?: boolean;
}

export interface ResyncOffer {
  readonly hash: Uint8Array;
  /** The offer's queue body, to send again if its answer was lost (offerAgain). */
  readonly body: Uint8Array;
  /** When it was last queued. */
  readonly sentAt: number;
  readonly timestamp: number;
  readonly secrets: AgreementSecrets;
  /** A rekey the user asked for (§8.6), not a recovery. */
  readonly rekey?: boolean;
}

/** Before the agreement (graph-chat §1): no ratchet, associated data or peer signing key yet. */
interface BeforeAgreement {
  readonly associatedData: null;
  readonly ratchet: null;
  readonly peerSigningKey: null;
  readonly failure: null;
}

/** After the agreement (graph-chat §1.4): the ratchet, its associated data and the peer's signing key; the agreement secrets are gone. */
interface Agreed {
  readonly agreementSecrets: null;
  /** AD of the agreement: the associated data of every ratchet message. */
  readonly associatedData: Uint8Array;
  /** Encoded Double Ratchet state (encodeRatchetState). */
  readonly ratchet: Uint8Array;
  /** The peer's per-connection Ed25519 key that signs its envelopes. */
  readonly peerSigningKey: EnvelopeSigningKey;
  readonly failure: null;
  /** From the agreement's SK (connectionResyncKey): a resync's new root needs it (graph-chat §8.7). Absent in records made before resyncs: 32 zero bytes. */
  readonly resyncKey?: Uint8Array;
}

/** Invitation made, no confirmation yet (inviter); the link is kept until a confirmation is accepted. */
export interface InvitedConnection extends ConnectionBase, BeforeAgreement {
  readonly status: 'invited';
  readonly role: 'inviter';
  readonly invitationLink: string;
  readonly agreementSecrets: AgreementSecrets;
}

/**
 * This side asked through someone's contact address and waits for them to
 * join its own invitation (`invitationLink`), like invited.
 */
export interface RequestedConnection extends ConnectionBase, BeforeAgreement {
  readonly status: 'requested';
  readonly role: 'inviter';
  readonly invitationLink: string;
  readonly agreementSecrets: AgreementSecrets;
}

/** A contact address this side owns: it keeps its agreement secrets for every request, and never carries messages. */
export interface AddressConnection extends ConnectionBase, BeforeAgreement {
  readonly status: 'address';
  readonly role: 'inviter';
  readonly invitationLink: string;
  readonly agreementSecrets: AgreementSecrets;
}

/**
 * A request that arrived at a contact address, waiting for the user to
 * accept or decline; `invitationLink` is the requester's one-time
 * invitation, joined on accepting. Its keys and queues are made then (the
 * signing keys are empty until then).
 */
export interface RequestConnection extends ConnectionBase, BeforeAgreement {
  readonly status: 'request';
  readonly invitationLink: string;
  readonly agreementSecrets: null;
}

/** Confirmation sent, waiting for the reply (joiner). */
export interface JoiningConnection extends ConnectionBase, Agreed {
  readonly status: 'joining';
  readonly role: 'joiner';
  readonly invitationLink: null;
}

/** Confirmation accepted and reply sent, waiting for the joiner's hello (inviter). */
export interface AcceptedConnection extends ConnectionBase, Agreed {
  readonly status: 'accepted';
  readonly role: 'inviter';
  readonly invitationLink: null;
}

/**
 * A pair connection of one of my other devices with a contact (devices.md
 * §6, device-pair): what proofs and history of it need (its handshake AD,
 * both signing keys, its messages), and no secret. It never sends or receives.
 */
export interface MirrorConnection extends ConnectionBase {
  readonly status: 'mirror';
  /** The device holding the pair (hex id). */
  readonly holder: string;
  /** The pair id (hex) of the pair this one was introduced over ('' if none), and when the contact's device joined it. */
  readonly via: string;
  /** The contact's device speaks version 4, so the holder can introduce another device over it. */
  readonly introducible: boolean;
  readonly closed: boolean;
  readonly associatedData: Uint8Array;
  readonly peerSigningKey: EnvelopeSigningKey;
  readonly invitationLink: null;
  readonly agreementSecrets: null;
  readonly ratchet: null;
  readonly failure: null;
}

/** Both directions secured; messages flow. */
export interface ConnectedConnection extends ConnectionBase, Agreed {
  readonly status: 'connected';
  readonly invitationLink: null;
}

/** The handshake failed or was declined; nothing more is sent. It keeps what it had when it failed. */
export interface FailedConnection extends ConnectionBase {
  readonly status: 'failed';
  /** Why it failed. */
  readonly failure: string;
  readonly invitationLink: string | null;
  readonly agreementSecrets: AgreementSecrets | null;
  readonly associatedData: Uint8Array | null;
  readonly ratchet: Uint8Array | null;
  readonly peerSigningKey: EnvelopeSigningKey | null;
}

/**
 * A connection, typed by its state (simplexmq's per-stage connection types):
 * the agreement secrets, the ratchet, its associated data and the peer's
 * signing key are there exactly in the states where they are valid.
 */
export type ConnectionRecord =
  | InvitedConnection
  | RequestedConnection
  | AddressConnection
  | RequestConnection
  | JoiningConnection
  | AcceptedConnection
  | ConnectedConnection
  | FailedConnection
  | MirrorConnection;

export type ConnectionStatus = ConnectionRecord['status'];

/** A connection with a ratchet: it can seal and open envelopes. */
export type AgreedConnection = JoiningConnection | AcceptedConnection | ConnectedConnection;

/** A connection that still holds its invitation's agreement secrets, waiting for a confirmation or a request. */
export type InvitingConnection = InvitedConnection | RequestedConnection | AddressConnection;

/** The graph-chat version of a connection: records made before version 3 have none, and speak 2. */
export function chatVersionOf(connection: ConnectionRecord): number {
  return connection.version ?? 2;
}

/**
 * The AD that resync signatures and proofs use: the handshake's, which binds
 * both signing keys. A rekey (§8.6) gives the ratchet and the security code
 * the AD of its own agreement, and keeps the signing keys.
 */
export function signingAD(connection: Pick<ConnectionBase, 'handshakeAD'> & { readonly associatedData: Uint8Array }): Uint8Array {
  return connection.handshakeAD ?? connection.associatedData;
}

export function isAgreed(connection: ConnectionRecord): connection is AgreedConnection {
  return connection.status === 'joining' || connection.status === 'accepted' || connection.status === 'connected';
}

export type MessageDirection = 'sent' | 'received';

/** queued: not yet accepted by any relay; sent: accepted by at least one relay; delivered: the peer's receipt arrived. */
export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'received';

/**
 * Envelope kinds kept in history; receipts, handshake and queue-move
 * (`queues`, §8.6) envelopes are kept for proofs but not shown.
 *
 * `notice`: a line from graphchat itself in the conversation (a restored
 * state, §8.7), with no envelope. `lost`: an envelope this side sent from a
 * state it later lost, known only by the hash the peer stated (§8.7), so
 * that the peer naming it is not taken for another restore.
 */
export type MessageKind = 'text' | 'receipt' | 'profile' | 'handshake' | 'mode' | 'notice' | 'lost' | 'queues' | 'device';

export interface MessageRecord {
  readonly id: string;
  readonly connectionId: string;
  readonly direction: MessageDirection;
  readonly kind: MessageKind;
  /** Envelope sequence number in its direction; 0 while a sent message is still queued unencrypted. */
  readonly seq: number;
  readonly text: string;
  /** Sender's timestamp (ms) from the envelope; for a queued message, when it was queued. */
  readonly timestamp: number;
  /** When this side stored it (ms). */
  readonly localTime: number;
  readonly status: MessageStatus;
  /** The signed envelope as sent or received (kept for proofs); null while queued unencrypted. */
  readonly envelope: Uint8Array | null;
  /** SHA-256 of `envelope`. */
  readonly hash: Uint8Array | null;
  /** A text's id that its copies on every pair share (hex of 16 bytes, devices.md §7); the record of the first copy stored has it as `id`. */
  readonly messageId?: string;
  /** A text's Lamport counter (devices.md §7): the order of a conversation across pairs. */
  readonly counter?: number;
}

/** One queue body waiting to be sent to one queue. Per queue, items go out in `id` order. */
export interface OutboxRecord {
  /** Assigned by the store, increasing. */
  readonly id: number;
  readonly connectionId: string;
  /** Relay address (for a receive-side command, with password as configured). */
  readonly relay: string;
  readonly senderId: Uint8Array;
  /** Null for the unsigned first message to a queue not yet secured. */
  readonly senderSecretKey: SenderSecret | null;
  readonly body: Uint8Array;
  /** The history message this body carries, if any (its status moves to 'sent' on the first relay OK). */
  readonly messageId: string | null;
  /** Sequence number and hash of the envelope the body carries: once the peer has it, the other copies can go. */
  readonly seq: number;
  readonly hash: Uint8Array;
}
