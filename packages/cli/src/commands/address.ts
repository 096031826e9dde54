/**
 * The contact address: `address` shows it (made once), and each request that
 * comes through it waits for `accept` or `decline`.
 */
import type { ContactInfo } from '@graphchat/client';
import { displayName, withQr } from '../output.js';
import { contactArgument, NO_FLAGS, noArguments } from './arguments.js';
import { defineCommand } from './entry.js';

export interface AddressCommand {
  readonly name: 'address';
  readonly qr: boolean;
}

export interface AcceptCommand {
  readonly name: 'accept';
  readonly contact: string;
}

export interface DeclineCommand {
  readonly name: 'decline';
  readonly contact: string;
}

export function addressJson(address: string, qr: string | null): object {
  return qr === null ? { address } : { address, qr };
}

export function acceptedJson(contactId: string): object {
  return { contact: contactId, accepted: true };
}

export function declinedJson(contactId: string): object {
  return { contact: contactId, declined: true };
}

export const address = defineCommand({
  line: {
    words: ['address'],
    flags: { valueFlags: [], booleanFlags: ['--qr'] },
    parse: (args): AddressCommand => {
      noArguments(args);
      return { name: 'address', qr: args.booleans.has('--qr') };
    },
    listing: [
      {
        form: 'address [--qr]',
        description: ["the profile's long-term contact address (made once);", 'each request through it waits for accept or decline'],
      },
    ],
    synopsis: 'graphchat address [--qr]',
  },
  opens: 'database',
  run: async (command, { agent, renderQr }) => {
    const { link } = await agent.contactAddress();
    return { link, qr: command.qr ? await renderQr(link) : null };
  },
  print: ({ link, qr }, printer) => {
    printer.emit(addressJson(link, qr), withQr(link, qr));
    printer.note('your contact address: anyone may use it; accept each request with "graphchat accept CONTACT"');
  },
  slash: {
    name: '/address',
    description: 'your long-term contact address (link and QR code)',
    parse: (): AddressCommand => ({ name: 'address', qr: true }),
    show: ({ link, qr }, chat) => {
      chat.say('your contact address (anyone may use it; you accept each request):');
      for (const line of withQr(link, qr)) chat.say(line);
    },
  },
});

export const accept = defineCommand({
  line: {
    words: ['accept'],
    flags: NO_FLAGS,
    parse: (args): AcceptCommand => ({ name: 'accept', contact: contactArgument(args) }),
    listing: [{ form: 'accept CONTACT', description: ['accept a request that came through your address'] }],
    synopsis: 'graphchat accept CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<ContactInfo> => {
    const contact = agent.findContact(command.contact);
    await agent.acceptRequest(contact.id);
    return contact;
  },
  print: (contact, printer) => printer.emit(acceptedJson(contact.id), `accepted ${displayName(contact)}: run "graphchat sync" to complete the connection`),
  slash: {
    name: '/accept',
    argument: 'NAME',
    description: 'accept a request that came through your address',
    parse: (line): AcceptCommand => ({ name: 'accept', contact: line.argument() }),
    show: (contact, chat) => chat.say(`accepted ${displayName(contact)}; you will see when the connection is done`),
  },
});

export const decline = defineCommand({
  line: {
    words: ['decline'],
    flags: NO_FLAGS,
    parse: (args): DeclineCommand => ({ name: 'decline', contact: contactArgument(args) }),
    listing: [{ form: 'decline CONTACT', description: ['decline it (the requester is not told)'] }],
    synopsis: 'graphchat decline CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<ContactInfo> => {
    const contact = agent.findContact(command.contact);
    agent.declineRequest(contact.id);
    return contact;
  },
  print: (contact, printer) => printer.emit(declinedJson(contact.id), `declined ${displayName(contact)}`),
  slash: {
    name: '/decline',
    argument: 'NAME',
    description: 'decline it',
    parse: (line): DeclineCommand => ({ name: 'decline', contact: line.argument() }),
    show: (contact, chat) => chat.say(`declined ${displayName(contact)}`),
  },
});
