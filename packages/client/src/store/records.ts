/**
 * What the agent keeps, and the storage interface it keeps it through.
 * Backends: SQLite encrypted with the user's passphrase (terminal client),
 * encrypted IndexedDB (web client), and MemoryStore (tests).
 *
 * Every state change the agent makes happens inside one `transaction`, so a
 * crash leaves either all of it or none of it: a ratchet step is never
 * stored without the message it decrypted, and an encrypted message is
 * never stored without the ratchet state that produced it.
 */

export interface ProfileData {
  readonly displayName: string;
  readonly fullName?: string;
  /** A small image (JPEG/PNG/WebP bytes), at most MAX_IMAGE_BYTES. */
  readonly image?: Uint8Array;
  readonly status?: string;
}

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
  readonly createdAt: number;
}

/** A queue this side receives from. */
export interface ReceiveQueueRecord {
  /** Relay address including its password, as configured. */
  readonly relay: string;
  readonly recipientId: Uint8Array;
  readonly senderId: Uint8Array;
  /** Ed25519 key pair (64-byte secret) that signs this queue's recipient commands. */
  readonly recipientPublicKey: Uint8Array;
  readonly recipientSecretKey: Uint8Array;
  /** Shared with the relay; opens delivered messages (EMP §8). */
  readonly secret: Uint8Array;
  /** The peer's Ed25519 sender public key for this queue, once the handshake carried it; KEY registers it on the relay. */
  readonly peerSenderKey: Uint8Array | null;
  /** Whether KEY has registered `peerSenderKey` on the relay. */
  readonly secured: boolean;
}

/** A queue this side sends to (one of the peer's receive queues). */
export interface SendQueueRecord {
  /** Relay address without password. */
  readonly relay: string;
  readonly senderId: Uint8Array;
  /** Ed25519 key pair this side signs SENDs with; the peer registers the public key with KEY. */
  readonly senderPublicKey: Uint8Array;
  readonly senderSecretKey: Uint8Array;
}

export interface KeyPairRecord {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export type ConnectionRole = 'inviter' | 'joiner';

/**
 * invited: invitation made, no confirmation yet (inviter).
 * joining: confirmation sent, waiting for the reply (joiner).
 * accepted: confirmation accepted and reply sent, waiting for the joiner's hello (inviter).
 * connected: both directions secured; messages flow.
 * failed: the handshake failed or was declined; nothing more is sent.
 * address: a contact address this side owns; it receives requests, never messages.
 * request: a request that arrived at a contact address, waiting for the user to accept or decline;
 *   `invitationLink` holds the requester's one-time invitation.
 * requested: this side asked through someone's contact address and waits for them to join its
 *   invitation (like invited).
 */
export type ConnectionStatus = 'invited' | 'joining' | 'accepted' | 'connected' | 'failed' | 'address' | 'request' | 'requested';

export type InvitationChannel = 'link' | 'scanned';

export interface ConnectionRecord {
  readonly id: string;
  readonly profileId: string;
  readonly role: ConnectionRole;
  readonly status: ConnectionStatus;
  /** The peer's profile as last received; null until the handshake carries it. */
  readonly peerProfile: ProfileData | null;
  /** How the invitation travelled. */
  readonly channel: InvitationChannel;
  /** Whether the user compared the security code (or scanned it) and it matched. */
  readonly codeVerified: boolean;
  /** The invitation link this side made (inviter, until used) — null otherwise. */
  readonly invitationLink: string | null;
  /** The inviter's agreement key pairs A_dh and A_kem (graph-chat §1.1), kept only until a confirmation is accepted. */
  readonly agreementSecrets: { readonly dh: KeyPairRecord; readonly kem: KeyPairRecord } | null;
  /** AD of the agreement (graph-chat §1.4): the associated data of every ratchet message; null before the agreement. */
  readonly associatedData: Uint8Array | null;
  /** Encoded Double Ratchet state (encodeRatchetState); null before the agreement. */
  readonly ratchet: Uint8Array | null;
  /** This side's per-connection Ed25519 signing key pair (64-byte secret). */
  readonly signingPublicKey: Uint8Array;
  readonly signingSecretKey: Uint8Array;
  /** The peer's per-connection Ed25519 signing public key; null before the agreement. */
  readonly peerSigningKey: Uint8Array | null;
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
  /** Why the connection failed, when status is 'failed'. */
  readonly failure: string | null;
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
}

export type MessageDirection = 'sent' | 'received';

/** queued: not yet accepted by any relay; sent: accepted by at least one relay; delivered: the peer's receipt arrived. */
export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'received';

/** Envelope kinds kept in history; receipts and handshake envelopes are kept for proofs but not shown. */
export type MessageKind = 'text' | 'receipt' | 'profile' | 'handshake' | 'mode';

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
  readonly senderSecretKey: Uint8Array | null;
  readonly body: Uint8Array;
  /** The history message this body carries, if any (its status moves to 'sent' on the first relay OK). */
  readonly messageId: string | null;
  /** Sequence number and hash of the envelope the body carries: once the peer has it, the other copies can go. */
  readonly seq: number;
  readonly hash: Uint8Array;
}

export interface AgentStore {
  /** Runs `fn` atomically: all its writes are kept or none. Not re-entrant. */
  transaction<T>(fn: () => T): T;

  getMeta(key: string): string | null;
  setMeta(key: string, value: string): void;

  listProfiles(): ProfileRecord[];
  getProfile(id: string): ProfileRecord | null;
  putProfile(profile: ProfileRecord): void;

  listConnections(profileId?: string): ConnectionRecord[];
  getConnection(id: string): ConnectionRecord | null;
  putConnection(connection: ConnectionRecord): void;

  putMessage(message: MessageRecord): void;
  getMessage(id: string): MessageRecord | null;
  /** A connection's messages of every kind, sent and received, in the order they were first stored. */
  listMessages(connectionId: string): MessageRecord[];
  /** Sent messages still waiting to be encrypted (status 'queued', seq 0), oldest first. */
  listUnencrypted(connectionId: string): MessageRecord[];
  /** The message with this envelope sequence number in this direction, if stored. */
  findMessageBySeq(connectionId: string, direction: MessageDirection, seq: number): MessageRecord | null;

  /** Adds an outbox item; returns it with its id. */
  addOutbox(item: Omit<OutboxRecord, 'id'>): OutboxRecord;
  updateOutbox(item: OutboxRecord): void;
  deleteOutbox(id: number): void;
  /** All outbox items, in id order. */
  listOutbox(): OutboxRecord[];

  /** Received envelopes held until the sequence gap before them fills, keyed by connection and seq. */
  putHeld(connectionId: string, seq: number, plaintext: Uint8Array): void;
  takeHeld(connectionId: string, seq: number): Uint8Array | null;
  countHeld(connectionId: string): number;

  /**
   * Resolves once every transaction committed before the call is durable.
   * For stores that commit in memory and write behind (IndexedDB, whose API
   * is asynchronous while `transaction` is not): the agent awaits it before
   * anything that tells a relay a transaction happened (a SEND of what it
   * sealed, an ACK of what it stored). Stores whose commit is durable
   * (SQLite) leave it out.
   */
  flush?(): Promise<void>;

  close(): void;
}
