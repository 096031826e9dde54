/** `contacts` lists the active profile's contacts; `contact CONTACT` shows one in full. */
import type { ContactInfo, QueueInfo } from '@graphchat/client';
import { oneLine } from '../errors.js';
import { displayName, hideRelayPassword, hideRelayPasswords, printable } from '../output.js';
import { contactArgument, NO_FLAGS, noArguments } from './arguments.js';
import { defineCommand } from './entry.js';

/** `--all` also lists failed contacts. */
export interface ContactsCommand {
  readonly name: 'contacts';
  readonly all: boolean;
}

export interface ContactCommand {
  readonly name: 'contact';
  readonly contact: string;
}

/** Whether the contact is a request through the contact address that waits for accept or decline. */
function isOpenRequest(contact: Pick<ContactInfo, 'request' | 'status'>): boolean {
  return contact.request && contact.status === 'pending';
}

/**
 * The four keys of the scriptable interface, how the invitation travelled
 * ("channel": "link" or "scanned"), `"request": true` only for a request
 * waiting to be accepted, and "failure" only for a failed contact (which
 * `contacts` lists only with --all: the interface allows pending|connected).
 */
export function contactJson(contact: ContactInfo): object {
  return {
    contact: contact.id,
    name: contact.name,
    status: contact.status,
    verified: contact.verified,
    channel: contact.channel,
    ...(contact.offTheRecord ? { offTheRecord: true } : {}),
    ...(contact.modeRequest !== null ? { modeRequest: contact.modeRequest.offTheRecord ? 'off the record' : 'on the record' } : {}),
    ...(isOpenRequest(contact) ? { request: true } : {}),
    ...(contact.connecting ? { connecting: true } : {}),
    ...(contact.status === 'failed' ? { failure: hideRelayPasswords(oneLine(contact.failure ?? 'unknown')) } : {}),
  };
}

export function contactLine(contact: ContactInfo, unread = 0): string {
  const parts = [displayName(contact), contact.status];
  if (isOpenRequest(contact)) parts.push('asks to connect (accept or decline)');
  if (contact.connecting) parts.push('connecting this device (shared by another of your devices)');
  if (contact.verified) parts.push('✓ verified');
  if (contact.offTheRecord) parts.push('off the record');
  if (contact.modeRequest !== null) parts.push(`asks to go ${contact.modeRequest.offTheRecord ? 'off' : 'back on'} the record (graphchat otr accept)`);
  if (contact.status === 'failed' && contact.failure !== null) parts.push(`(${hideRelayPasswords(oneLine(contact.failure))})`);
  if (unread > 0) parts.push(`[${unread} unread]`);
  parts.push(contact.channel === 'scanned' ? 'scanned in person' : 'by link', contact.id);
  return parts.join('  ');
}

const queueJson = (queue: QueueInfo): object => (queue.state === undefined ? { relay: queue.relay } : { relay: queue.relay, state: queue.state });

/**
 * One contact in full: `contactJson`, the profile the contact sent (the
 * image as its size in bytes), and the connection's relays (graph-chat
 * §8.6): "version" (3 can move queues and rekey), "queues" (where the
 * contact sends to this side) and "peerQueues" (where this side sends),
 * each [{"relay", "state"?}] with "state" ("new", "retiring", "deleting")
 * only while moving, "move" ({"step","since"} or null) and "rotateAt" (ms
 * or null), and the pairs with the contact's devices (devices.md): "pairs"
 * this device holds, "otherDevicePairs" my other devices hold.
 */
export function contactDetailsJson(contact: ContactInfo): object {
  const p = contact.profile;
  return {
    ...contactJson(contact),
    ...(p?.fullName !== undefined ? { fullName: p.fullName } : {}),
    ...(p?.status !== undefined ? { profileStatus: p.status } : {}),
    ...(p?.image !== undefined ? { imageBytes: p.image.length } : {}),
    version: contact.version,
    queues: contact.queues.map(queueJson),
    peerQueues: contact.peerQueues.map(queueJson),
    move: contact.move === null ? null : { step: contact.move.step, since: contact.move.since },
    rotateAt: contact.rotateAt,
    pairs: contact.pairs,
    otherDevicePairs: contact.otherDevicePairs,
  };
}

/** Queues as `relay, relay (new)`. */
function queueList(queues: readonly QueueInfo[]): string {
  if (queues.length === 0) return 'none';
  return queues.map((q) => printable(hideRelayPassword(q.relay)) + (q.state === undefined ? '' : ` (${q.state})`)).join(', ');
}

export function contactDetailsLines(contact: ContactInfo): string[] {
  const p = contact.profile;
  const lines = [contactLine(contact)];
  if (p?.fullName !== undefined) lines.push(`full name: ${printable(p.fullName)}`);
  if (p?.status !== undefined) lines.push(`status: ${printable(p.status)}`);
  if (p?.image !== undefined) lines.push(`image: ${p.image.length} bytes`);
  if (contact.status === 'failed') return lines;
  lines.push(`receives at: ${queueList(contact.queues)}`);
  lines.push(`sends to: ${queueList(contact.peerQueues)}`);
  if (contact.status === 'connected') {
    if (contact.version < 3) lines.push(`graph-chat version ${contact.version} (one side's graphchat was older when you connected): this connection cannot move relays or rekey`);
    else lines.push(`graph-chat version ${contact.version}`);
  }
  if (contact.move !== null) lines.push(`moving its queues: ${contact.move.step} since ${new Date(contact.move.since).toISOString()}`);
  if (contact.rotateAt !== null) lines.push(`next rotation: ${new Date(contact.rotateAt).toISOString()}`);
  if (contact.otherDevicePairs > 0) lines.push(`device pairs: ${contact.pairs} from this device, ${contact.otherDevicePairs} from your other devices`);
  return lines;
}

interface Listed {
  readonly all: readonly ContactInfo[];
  readonly shown: readonly ContactInfo[];
}

export const contacts = defineCommand({
  line: {
    words: ['contacts'],
    flags: { valueFlags: [], booleanFlags: ['--all'] },
    parse: (args): ContactsCommand => {
      noArguments(args);
      return { name: 'contacts', all: args.booleans.has('--all') };
    },
    listing: [
      {
        form: 'contacts [--all]',
        description: ['list contacts of the active profile: pending or', 'connected, with how the invitation came (by link or', 'scanned in person); --all also failed ones'],
      },
    ],
    synopsis: 'graphchat contacts [--all]',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<Listed> => {
    const all = agent.contacts();
    return { all, shown: command.all ? all : all.filter((c) => c.status !== 'failed') };
  },
  print: ({ all, shown }, printer) => {
    for (const contact of shown) printer.emit(contactJson(contact), contactLine(contact));
    if (all.length === 0) printer.note('no contacts yet: "graphchat invite" or "graphchat connect LINK"');
    if (shown.length < all.length) printer.note(`${all.length - shown.length} failed, not shown: "graphchat contacts --all" lists them`);
  },
  slash: {
    name: '/contacts',
    description: 'list contacts (✓ verified, unread counts)',
    parse: (): ContactsCommand => ({ name: 'contacts', all: true }),
    show: ({ all }, chat) => chat.listContacts(all),
  },
});

export const contact = defineCommand({
  line: {
    words: ['contact'],
    flags: NO_FLAGS,
    parse: (args): ContactCommand => ({ name: 'contact', contact: contactArgument(args) }),
    listing: [{ form: 'contact CONTACT', description: ["CONTACT's profile (full name, status, image), state, and", 'the relays of the connection (and any move under way)'] }],
    synopsis: 'graphchat contact CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }) => agent.findContact(command.contact),
  print: (found, printer) => printer.emit(contactDetailsJson(found), contactDetailsLines(found)),
});
