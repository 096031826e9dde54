/** `invite`: a one-time invitation link, on or off the record. */
import { withQr } from '../output.js';
import { noArguments } from './arguments.js';
import { defineCommand } from './entry.js';

/** `--otr`: an off-the-record connection (nothing signed). */
export interface InviteCommand {
  readonly name: 'invite';
  readonly qr: boolean;
  readonly offTheRecord: boolean;
}

export function linkJson(link: string, qr: string | null): object {
  return qr === null ? { link } : { link, qr };
}

interface Invitation {
  readonly link: string;
  readonly contactId: string;
  readonly offTheRecord: boolean;
  readonly qr: string | null;
}

export const invite = defineCommand({
  line: {
    words: ['invite'],
    flags: { valueFlags: [], booleanFlags: ['--qr', '--otr'] },
    parse: (args): InviteCommand => {
      noArguments(args);
      return { name: 'invite', qr: args.booleans.has('--qr'), offTheRecord: args.booleans.has('--otr') };
    },
    listing: [
      {
        form: 'invite [--qr] [--otr]',
        description: ['make a one-time invitation link (and show its QR code);', '--otr: off the record, nothing in it is ever signed'],
      },
    ],
    synopsis: 'graphchat invite [--qr] [--otr]',
  },
  opens: 'database',
  run: async (command, { agent, renderQr }): Promise<Invitation> => {
    const { link, contactId } = await agent.createInvitation({ offTheRecord: command.offTheRecord });
    return { link, contactId, offTheRecord: command.offTheRecord, qr: command.qr ? await renderQr(link) : null };
  },
  print: ({ link, contactId, offTheRecord, qr }, printer) => {
    printer.emit(linkJson(link, qr), withQr(link, qr));
    const kind = offTheRecord ? 'one-time off-the-record invitation' : 'one-time invitation';
    printer.note(`${kind} for contact ${contactId}: pass it on, then run "graphchat sync"`);
  },
  slash: {
    name: '/invite',
    description: 'make a one-time invitation (link and QR code)',
    parse: (): InviteCommand => ({ name: 'invite', qr: true, offTheRecord: false }),
    show: ({ link, qr }, chat) => {
      chat.say('one-time invitation (send the link, or let them scan the code):');
      for (const line of withQr(link, qr)) chat.say(line);
    },
  },
});
