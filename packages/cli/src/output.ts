/**
 * How the commands print. With --json: one JSON object per line on stdout, in
 * the shapes the scriptable interface fixes (each command's file has its
 * own); without: lines for people, with anything a contact chose made safe
 * for the terminal.
 */
import type { ContactInfo } from '@graphchat/client';
import { oneLine } from './errors.js';

export interface Writable {
  write(text: string): unknown;
}

/** One JSON object on one line (JSON.stringify never emits a raw line break). */
export function jsonLine(value: object): string {
  return JSON.stringify(value) + '\n';
}

export function errorJson(code: string, message: string): object {
  return { error: code, message: oneLine(message) };
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

/** A text (a link, a security code) and, below it, its QR code if there is one. */
export function withQr(text: string, qr: string | null): string[] {
  return qr === null ? [text] : [text, qr.replace(/\n$/, '')];
}

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
