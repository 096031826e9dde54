/** What the agent tells its user interface: contacts and history as shown, the events it reports, and its typed errors. */
import { CodedError } from '@graphchat/core';
import type { InvitationChannel, MessageStatus, ProfileData } from './store/records.js';

/** A contact as an interface shows it. `pending` covers every handshake state. */
export interface ContactInfo {
  readonly id: string;
  readonly profileId: string;
  /** The peer's display name, or '' until the handshake has carried its profile. */
  readonly name: string;
  readonly profile: ProfileData | null;
  readonly status: 'pending' | 'connected' | 'failed';
  /**
   * True once the user compared the connection's security code with the
   * contact's (graph-chat §6) and it matched. Scanning an invitation in person
   * authenticates only the inviter's keys to the joiner, so it is recorded as
   * `channel`, not as verification.
   */
  readonly verified: boolean;
  /** How the invitation travelled: scanned from the other's screen, or a link sent through some channel. */
  readonly channel: InvitationChannel;
  /** The same as `verified`: the verification level has one step today, the code comparison. */
  readonly codeVerified: boolean;
  /** Why the connection failed, if it did. */
  readonly failure: string | null;
  /** A request that arrived at this profile's contact address, waiting to be accepted or declined. */
  readonly request: boolean;
  /** Off the record (graph-chat §8.5): this side's envelopes are unsigned, and nothing of it can be exported as proof. */
  readonly offTheRecord: boolean;
  /** The contact proposes this mode and waits for acceptMode. */
  readonly modeRequest: { readonly offTheRecord: boolean } | null;
  /** The graph-chat version the connection speaks (§2.2): 3 can move queues and rekey, 2 cannot. */
  readonly version: number;
  /** This side's receive queues: where the contact sends to (graph-chat §8.6 for `state`). */
  readonly queues: readonly QueueInfo[];
  /** The contact's queues this side sends to. */
  readonly peerQueues: readonly QueueInfo[];
  /** This side's move of its receive queues under way, or null (graph-chat §8.6). */
  readonly move: { readonly step: 'wanted' | 'added' | 'keyed' | 'using'; readonly since: number } | null;
  /** When the next scheduled rotation of its queues is due, if planned. */
  readonly rotateAt: number | null;
  /**
   * Several devices (devices.md): this device's pairs with the contact's
   * devices, the pairs my other devices hold with them, and whether this
   * device is still being connected to the contact (shown from another
   * device's pair until its own exists).
   */
  readonly pairs: number;
  readonly otherDevicePairs: number;
  readonly connecting: boolean;
}

/** One queue of a connection: its relay (address without password) and where it is in a move (absent: in use). */
export interface QueueInfo {
  readonly relay: string;
  readonly state?: 'new' | 'retiring' | 'deleting';
}

/** One relay of a profile's list, or one that still holds queues of its connections. */
export interface RelayInfo {
  /** The address as configured (with its password, if any). */
  readonly address: string;
  /** Whether it is on the profile's list (false: removed, still holding queues being moved away or deleted). */
  readonly listed: boolean;
  /** Connections whose receive queues in use are on this relay. */
  readonly connections: number;
  /** Queues of this profile's connections being moved away or deleted there. */
  readonly leaving: number;
  /** Whether the agent's session to it is up now (null: no session opened yet in this run). */
  readonly up: boolean | null;
}

/** A device of the active profile (devices.md). */
export interface DeviceInfo {
  /** Its id among the person's devices (16 hex digits). */
  readonly device: string;
  readonly name: string;
  /** When a message from it last arrived here (ms), or null. */
  readonly lastSeen: number | null;
  /** This device. */
  readonly this: boolean;
  readonly removed: boolean;
  /** Its device channel with this device is connected (always true for this device). */
  readonly connected: boolean;
}

export interface HistoryItem {
  readonly id: string;
  readonly direction: 'sent' | 'received';
  readonly text: string;
  readonly status: MessageStatus;
  /** Sender's timestamp (ms). */
  readonly timestamp: number;
  /** Envelope sequence number in its direction (0 while queued). */
  readonly seq: number;
  /** A line from graphchat itself, not from either person (a state restored from an older copy, graph-chat §8.7; a rekey, §8.6). */
  readonly notice?: true;
}

export type AgentEvent =
  /** The inviter took a joiner's confirmation and replied; 'connected' follows when the joiner's hello arrives. */
  | { readonly event: 'accepted'; readonly contact: string; readonly name: string }
  | { readonly event: 'connected'; readonly contact: string; readonly name: string }
  | { readonly event: 'message'; readonly contact: string; readonly message: string; readonly text: string; readonly timestamp: number }
  | { readonly event: 'sent'; readonly contact: string; readonly message: string }
  | { readonly event: 'receipt'; readonly contact: string; readonly message: string }
  | { readonly event: 'profile'; readonly contact: string; readonly name: string }
  /** The contact proposes to switch the conversation off (or back on) the record; answer with acceptMode. */
  | { readonly event: 'mode-request'; readonly contact: string; readonly offTheRecord: boolean }
  /** Both sides agreed: the conversation is now off (or back on) the record. */
  | { readonly event: 'mode'; readonly contact: string; readonly offTheRecord: boolean }
  | { readonly event: 'request'; readonly contact: string; readonly name: string }
  | { readonly event: 'relay-down'; readonly relay: string; readonly reason: string }
  | { readonly event: 'relay-up'; readonly relay: string }
  /**
   * A message waits: its relay asked to slow down (RATE), or it or the peer's
   * queue is full (FULL, QUOTA). It is retried with backoff, not failed;
   * reported once per message, at the first refusal.
   */
  | { readonly event: 'waiting'; readonly contact: string; readonly reason: string }
  | { readonly event: 'rejected'; readonly contact: string | null; readonly reason: string }
  /**
   * A state of this conversation was restored from an older copy (a backup,
   * a snapshot, a copied folder): on this device, or on the contact's. The
   * connection is re-keyed and what the restore lost is sent again
   * (graph-chat §8.7); `missing` counts this side's own envelopes that only
   * the contact still has.
   */
  | { readonly event: 'restored'; readonly contact: string; readonly device: 'this' | 'contact'; readonly missing: number }
  /**
   * One step of a move of a connection's queues (graph-chat §8.6). This side
   * moving its receive queues: `added` (new queues announced), `keyed` (the
   * contact's keys registered), `using` (contact told to switch), `done`
   * (the contact switched; the old queues are deleted). The contact moving
   * its queues: `peer-added` (keys sent), `peer-switched`. `deleted`: an old
   * queue is gone from its relay.
   */
  | { readonly event: 'move'; readonly contact: string; readonly step: MoveStep; readonly relays: readonly string[] }
  /** A rekey (graph-chat §8.6) put new keys in force, asked for on this device or by the contact: the security code changed. */
  | { readonly event: 'rekeyed'; readonly contact: string; readonly by: 'this' | 'contact' }
  | { readonly event: 'failed'; readonly contact: string; readonly reason: string }
  /** A device channel is connected: on the device that made the link, and on the new device (devices.md §4). */
  | { readonly event: 'device-linked'; readonly device: string; readonly name: string }
  /** A device of this profile was removed (`self`: this one: its connections are closed). */
  | { readonly event: 'device-removed'; readonly device: string; readonly name: string; readonly self: boolean }
  /** Another device shared the profile (its fields and relays), or changed it. */
  | { readonly event: 'device-profile'; readonly profile: string; readonly name: string }
  /** Another device shared a contact this device did not have: shown now, connected once it is introduced (devices.md §5). */
  | { readonly event: 'device-contact'; readonly contact: string; readonly name: string }
  /** A text another of my devices sent to the contact: shown here as sent by me. */
  | { readonly event: 'device-sent'; readonly contact: string; readonly message: string; readonly text: string; readonly timestamp: number }
  /** The contact removed one of its devices: this device's pair with it is closed. */
  | { readonly event: 'peer-device-removed'; readonly contact: string };

export type MoveStep = 'added' | 'keyed' | 'using' | 'done' | 'peer-added' | 'peer-switched' | 'deleted';

export type AgentErrorCode =
  | 'NO_PROFILE'
  | 'NO_CONTACT'
  | 'AMBIGUOUS_CONTACT'
  | 'BAD_INVITATION'
  | 'INVITATION_USED'
  | 'OWN_INVITATION'
  | 'NOT_CONNECTED'
  | 'NO_RELAYS'
  | 'BAD_RELAY_ADDRESS'
  | 'RELAY_UNREACHABLE'
  | 'RELAY_REFUSED'
  | 'TOO_LONG'
  | 'BAD_PROFILE'
  | 'BAD_CODE'
  | 'NOT_A_REQUEST'
  /** A proof range bound that is not an exportable message of the contact, or `from` after `to`. */
  | 'BAD_RANGE'
  /** A proof range that holds off-the-record envelopes: they are unsigned, so they prove nothing. */
  | 'OFF_THE_RECORD'
  /** acceptMode without a pending proposal from the contact. */
  | 'NO_MODE_REQUEST'
  /** The contact's client speaks an older graph-chat version, without this feature (moving queues, rekey). */
  | 'UNSUPPORTED_VERSION'
  /** A rekey or resync of this connection is already under way. */
  | 'BUSY'
  /** A device name that is empty, too long (64 bytes) or has control characters. */
  | 'BAD_NAME'
  /** A profile has 8 devices already (devices.md §2). */
  | 'TOO_MANY_DEVICES'
  /** A device link past its expiry. */
  | 'LINK_EXPIRED'
  /** No such device linked to the profile, or this device itself where another must act. */
  | 'NO_DEVICE'
  /** This device was removed from the profile: it can no longer link devices or write as the profile. */
  | 'DEVICE_REMOVED';

export class AgentError extends CodedError<AgentErrorCode> {
  override readonly name = 'AgentError';
}
