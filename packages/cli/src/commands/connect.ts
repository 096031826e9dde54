/** `connect LINK`: joins through an invitation, or sends a request to a contact address. */
import { nonEmpty, expectPositional } from './arguments.js';
import { defineCommand } from './entry.js';

/** `--scanned`: the link was seen in person (a QR code), not passed on. */
export interface ConnectCommand {
  readonly name: 'connect';
  readonly link: string;
  readonly scanned: boolean;
}

export function contactIdJson(contactId: string): object {
  return { contact: contactId };
}

export const connect = defineCommand({
  line: {
    words: ['connect'],
    flags: { valueFlags: [], booleanFlags: ['--scanned'] },
    parse: (args): ConnectCommand => {
      const [link] = expectPositional(args, ['LINK']);
      return { name: 'connect', link: nonEmpty(args, 'LINK', link!), scanned: args.booleans.has('--scanned') };
    },
    listing: [
      {
        form: 'connect LINK [--scanned]',
        description: ['join through an invitation or send a request to an', 'address (--scanned: seen in person)'],
      },
    ],
    synopsis: 'graphchat connect LINK [--scanned]',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const { contactId } = await agent.connect(command.link, { channel: command.scanned ? 'scanned' : 'link' });
    return { contactId, offTheRecord: agent.findContact(contactId).offTheRecord };
  },
  print: ({ contactId, offTheRecord }, printer) => {
    printer.emit(contactIdJson(contactId), `contact ${contactId} pending: run "graphchat sync" to complete the connection`);
    if (offTheRecord) printer.note('this invitation is off the record: nothing in this conversation will be signed');
  },
  slash: {
    name: '/connect',
    argument: 'LINK',
    description: "join through someone's invitation or contact address",
    parse: (line): ConnectCommand => ({ name: 'connect', link: line.argument(), scanned: false }),
    show: ({ contactId }, chat) => chat.say(`connecting (contact ${contactId}); you will see when it is done`),
  },
});
