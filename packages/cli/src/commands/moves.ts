/**
 * `rotate CONTACT` moves the connection to new queues (new ids and keys) on
 * the profile's relays; `rekey CONTACT` runs a new hybrid agreement inside
 * it, so the security code changes and the contact is unverified again
 * (graph-chat §8.6). Both take effect on the next `graphchat sync`.
 */
import type { ContactInfo } from '@graphchat/client';
import { displayName } from '../output.js';
import { contactArgument } from './arguments.js';
import { NO_FLAGS } from './arguments.js';
import { defineCommand } from './entry.js';

export interface RotateCommand {
  readonly name: 'rotate';
  readonly contact: string;
}

export interface RekeyCommand {
  readonly name: 'rekey';
  readonly contact: string;
}

/** `{"contact","rotate":"wanted"}`: the move is asked for; sync carries it out. */
export function rotateJson(contact: ContactInfo): object {
  return { contact: contact.id, rotate: 'wanted' };
}

/** `{"contact","rekey":"offered"}`: the new agreement is offered; sync carries it to the contact. */
export function rekeyJson(contact: ContactInfo): object {
  return { contact: contact.id, rekey: 'offered' };
}

export const rotate = defineCommand({
  line: {
    words: ['rotate'],
    flags: NO_FLAGS,
    parse: (args): RotateCommand => ({ name: 'rotate', contact: contactArgument(args) }),
    listing: [{ form: 'rotate CONTACT', description: ['move the connection to new queues now (new ids and', 'keys, same relays); done by the next syncs'] }],
    synopsis: 'graphchat rotate CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const contact = agent.findContact(command.contact);
    agent.rotate(contact.id);
    return contact;
  },
  print: (contact, printer) =>
    printer.emit(rotateJson(contact), `the connection with ${displayName(contact)} moves to new queues: run "graphchat sync" (both of you)`),
});

export const rekey = defineCommand({
  line: {
    words: ['rekey'],
    flags: NO_FLAGS,
    parse: (args): RekeyCommand => ({ name: 'rekey', contact: contactArgument(args) }),
    listing: [
      {
        form: 'rekey CONTACT',
        description: ['run a new key agreement with CONTACT (on the next', 'syncs); the security code changes and CONTACT is', 'unverified until you compare codes again'],
      },
    ],
    synopsis: 'graphchat rekey CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const contact = agent.findContact(command.contact);
    agent.rekey(contact.id);
    return contact;
  },
  print: (contact, printer) =>
    printer.emit(
      rekeyJson(contact),
      `new keys offered to ${displayName(contact)}: after "graphchat sync" (both of you) the security code changes; compare it again ("graphchat code ${contact.id}")`,
    ),
});
