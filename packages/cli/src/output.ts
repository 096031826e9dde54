/**
 * What each command prints. With --json: one JSON object per line on stdout,
 * in the shapes the scriptable interface fixes; without: lines for people.
 */
import type { AgentEvent, ContactInfo, HistoryItem, ProfileRecord } from '@graphchat/client';
import type { ProofFailure, ProofReport, ProvenMessage } from '@graphchat/core';
import { oneLine } from './errors.js';

export interface Writable {
  write(text: string): unknown;
}

/** One JSON object on one line (JSON.stringify never emits a raw line break). */
export function jsonLine(value: object): string {
  return JSON.stringify(value) + '\n';
}

// ---- JSON shapes -------------------------------------------------------------

export function linkJson(link: string, qr: string | null): object {
  return qr === null ? { link } : { link, qr };
}

export function addressJson(address: string, qr: string | null): object {
  return qr === null ? { address } : { address, qr };
}

export function contactIdJson(contactId: string): object {
  return { contact: contactId };
}

/** Whether the contact is a request through the contact address that waits for accept or decline. */
export function isOpenRequest(contact: Pick<ContactInfo, 'request' | 'status'>): boolean {
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
    ...(contact.status === 'failed' ? { failure: hideRelayPasswords(oneLine(contact.failure ?? 'unknown')) } : {}),
  };
}

/** One contact in full: `contactJson` plus the profile the contact sent (the image as its size in bytes). */
export function contactDetailsJson(contact: ContactInfo): object {
  const p = contact.profile;
  return {
    ...contactJson(contact),
    ...(p?.fullName !== undefined ? { fullName: p.fullName } : {}),
    ...(p?.status !== undefined ? { profileStatus: p.status } : {}),
    ...(p?.image !== undefined ? { imageBytes: p.image.length } : {}),
  };
}

export function contactDetailsLines(contact: ContactInfo): string[] {
  const p = contact.profile;
  const lines = [contactLine(contact)];
  if (p?.fullName !== undefined) lines.push(`full name: ${printable(p.fullName)}`);
  if (p?.status !== undefined) lines.push(`status: ${printable(p.status)}`);
  if (p?.image !== undefined) lines.push(`image: ${p.image.length} bytes`);
  return lines;
}

export function acceptedJson(contactId: string): object {
  return { contact: contactId, accepted: true };
}

export function declinedJson(contactId: string): object {
  return { contact: contactId, declined: true };
}

export function messageIdJson(messageId: string): object {
  return { message: messageId };
}

export function historyJson(item: HistoryItem): object {
  return { message: item.id, direction: item.direction, text: item.text, status: item.status, timestamp: item.timestamp };
}

/** An agent event goes out as it is: it already carries "event" and "contact". */
export function eventJson(event: AgentEvent): object {
  return event;
}

export function profileJson(profile: ProfileRecord): object {
  const p = profile.profile;
  return {
    profile: profile.id,
    name: p.displayName,
    ...(p.fullName !== undefined ? { fullName: p.fullName } : {}),
    ...(p.status !== undefined ? { status: p.status } : {}),
    relays: [...profile.relays],
    ...(profile.sessionPerConnection ? { sessionPerConnection: true } : {}),
    ...((profile.queuesPerRelay ?? 1) > 1 ? { queuesPerRelay: profile.queuesPerRelay } : {}),
  };
}

/** One line of `profiles`. */
export function profileListJson(profile: ProfileRecord, active: boolean): object {
  return { profile: profile.id, name: profile.profile.displayName, active };
}

export function codeJson(contactId: string, code: string, qr: string | null = null): object {
  return qr === null ? { contact: contactId, code } : { contact: contactId, code, qr };
}

export function verifiedJson(contactId: string, verified: boolean): object {
  return { contact: contactId, verified };
}

export function proofExportJson(file: string, envelopes: number, receipts: number): object {
  return { proof: file, envelopes, receipts };
}

/** A message of a verified bundle as the verifier reports it. */
export function provenMessageJson(message: ProvenMessage): object {
  const { position, sender, signingKey, seq, timestamp, type, text, hash, receipt } = message;
  return { position, sender, signingKey, seq, timestamp, type, text, hash, receipt };
}

/** The verdict, after the messages: `valid` is true exactly when `failures` is empty. */
export function proofVerdictJson(report: ProofReport): object {
  return { valid: report.valid, securityCode: report.securityCode, signingKeys: report.signingKeys, failures: report.failures };
}

export function errorJson(code: string, message: string): object {
  return { error: code, message: oneLine(message) };
}

// ---- human-readable lines ------------------------------------------------------

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local time as `YYYY-MM-DD HH:MM`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/**
 * Text from a contact made safe to print on a terminal: control characters
 * (escape sequences could move the cursor or rewrite earlier lines) and
 * Unicode bidi controls (embeddings, overrides, isolates and the LRM/RLM
 * marks, which could make a name or text display as something else or
 * reorder the rest of the line) become U+FFFD; line breaks and tabs stay.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

/** A relay address without its access password. */
export function hideRelayPassword(address: string): string {
  return address.replace(/^(emp:\/\/[^:@/]+):[^@]*@/, '$1:***@');
}

/** Text (an error message) with the access passwords of any relay addresses in it hidden. */
export function hideRelayPasswords(text: string): string {
  return text.replace(/(emp:\/\/[^:@/\s]+):[^@\s]*@/g, '$1:***@');
}

/** A contact's name, or a stand-in while the handshake has not carried it yet. */
export function displayName(contact: Pick<ContactInfo, 'id' | 'name'>): string {
  return contact.name !== '' ? printable(contact.name) : `(unnamed ${contact.id.slice(0, 8)})`;
}

export function statusMark(status: HistoryItem['status']): string {
  switch (status) {
    case 'queued':
      return '…';
    case 'sent':
      return '✓';
    case 'delivered':
      return '✓✓';
    case 'received':
      return '';
  }
}

export function contactLine(contact: ContactInfo, unread = 0): string {
  const parts = [displayName(contact), contact.status];
  if (isOpenRequest(contact)) parts.push('asks to connect (accept or decline)');
  if (contact.verified) parts.push('✓ verified');
  if (contact.offTheRecord) parts.push('off the record');
  if (contact.modeRequest !== null) parts.push(`asks to go ${contact.modeRequest.offTheRecord ? 'off' : 'back on'} the record (graphchat otr accept)`);
  if (contact.status === 'failed' && contact.failure !== null) parts.push(`(${hideRelayPasswords(oneLine(contact.failure))})`);
  if (unread > 0) parts.push(`[${unread} unread]`);
  parts.push(contact.channel === 'scanned' ? 'scanned in person' : 'by link', contact.id);
  return parts.join('  ');
}

export function historyLine(item: HistoryItem, peerName: string): string {
  const who = item.direction === 'sent' ? 'me' : peerName;
  const mark = statusMark(item.status);
  return `[${formatTime(item.timestamp)}] ${who}: ${printable(item.text)}${mark === '' ? '' : '  ' + mark}`;
}

export function profileLines(profile: ProfileRecord): string[] {
  const p = profile.profile;
  const lines = [`name: ${printable(p.displayName)}`];
  if (p.fullName !== undefined) lines.push(`full name: ${printable(p.fullName)}`);
  if (p.status !== undefined) lines.push(`status: ${printable(p.status)}`);
  if (p.image !== undefined) lines.push(`image: ${p.image.length} bytes`);
  lines.push(`relays: ${profile.relays.map((relay) => printable(hideRelayPassword(relay))).join(' ')}`);
  if (profile.sessionPerConnection) lines.push('one relay session per contact');
  if ((profile.queuesPerRelay ?? 1) > 1) lines.push(`${profile.queuesPerRelay} queues per relay for each contact`);
  lines.push(`id: ${profile.id}`);
  return lines;
}

/** One line of `profiles`: `*` marks the active profile. */
export function profileListLine(profile: ProfileRecord, active: boolean): string {
  return `${active ? '*' : ' '} ${printable(profile.profile.displayName)}  ${profile.id}`;
}

/**
 * A time as ISO-8601 (UTC). Timestamps in a bundle are whatever their
 * signer chose, up to 2^53 ms, beyond what Date can show: those print as ms.
 */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}

/** The start of a signing key: enough to tell the two apart at a glance. */
const shortKey = (key: string): string => key.slice(0, 8);

/** The security code and both signing keys of a verified bundle (none if it could not be read). */
export function proofHeaderLines(report: ProofReport): string[] {
  if (report.securityCode === null || report.signingKeys === null) return [];
  return [`security code: ${report.securityCode}`, `inviter signing key: ${report.signingKeys.inviter}`, `joiner signing key: ${report.signingKeys.joiner}`];
}

/** One message of a verified bundle on one line (a text's line breaks shown as \n). */
export function provenMessageLine(message: ProvenMessage): string {
  const text = message.text === null ? '' : ` ${JSON.stringify(printable(message.text))}`;
  const receipt = message.receipt === null ? 'no receipt in the bundle' : `receipt: seq ${message.receipt.seq} at ${isoTime(message.receipt.timestamp)}`;
  return (
    `${message.position}. ${message.sender} (${shortKey(message.signingKey)}) seq ${message.seq}` +
    ` ${isoTime(message.timestamp)} (sender's clock) ${message.type}${text}; ${receipt}`
  );
}

/** `CODE where: message`, or `CODE: message` for a failure of the whole bundle. */
export function proofFailureLine(failure: ProofFailure): string {
  return `${failure.code}${failure.where === null ? '' : ` ${failure.where}`}: ${printable(oneLine(failure.message))}`;
}

/** One line for an agent event; `nameOf` turns a contact id into a name. */
export function eventLine(event: AgentEvent, nameOf: (contactId: string) => string): string {
  switch (event.event) {
    case 'connected':
      return `connected to ${event.name !== '' ? printable(event.name) : nameOf(event.contact)}`;
    case 'request':
      return `${printable(event.name)} asks to connect: graphchat accept ${event.contact}`;
    case 'accepted':
      return `${printable(event.name)} joined through your invitation: connected once they sync`;
    case 'message':
      return `${nameOf(event.contact)}: ${printable(event.text)}`;
    case 'sent':
      return `✓ sent to ${nameOf(event.contact)} (${event.message})`;
    case 'receipt':
      return `✓✓ delivered to ${nameOf(event.contact)} (${event.message})`;
    case 'profile':
      return `${nameOf(event.contact)} is now called ${printable(event.name)}`;
    case 'mode-request':
      return `${nameOf(event.contact)} asks to go ${event.offTheRecord ? 'off' : 'back on'} the record: graphchat otr accept ${event.contact}`;
    case 'mode':
      return `the conversation with ${nameOf(event.contact)} is now ${event.offTheRecord ? 'off the record (nothing signed)' : 'on the record (signed)'}`;
    case 'relay-down':
      return `relay ${hideRelayPassword(event.relay)} unreachable: ${hideRelayPasswords(oneLine(event.reason))}`;
    case 'relay-up':
      return `relay ${hideRelayPassword(event.relay)} reachable`;
    case 'rejected':
      return `rejected a message${event.contact !== null ? ` from ${nameOf(event.contact)}` : ''}: ${hideRelayPasswords(oneLine(event.reason))}`;
    case 'failed':
      return `connection with ${nameOf(event.contact)} failed: ${hideRelayPasswords(oneLine(event.reason))}`;
  }
}

// ---- the printer ----------------------------------------------------------------

/** Prints either the JSON object or the human lines of each result. */
export class Printer {
  constructor(
    readonly out: Writable,
    readonly json: boolean,
  ) {}

  emit(value: object, human: string | readonly string[]): void {
    if (this.json) {
      this.out.write(jsonLine(value));
    } else {
      const lines = typeof human === 'string' ? [human] : human;
      for (const line of lines) this.out.write(line + '\n');
    }
  }

  /** Human-only text (nothing in JSON mode). */
  note(line: string): void {
    if (!this.json) this.out.write(line + '\n');
  }
}
