/** `otr on|off CONTACT` asks to go off the record or back on it; `otr accept CONTACT` agrees to the contact's request. */
import type { ContactInfo } from '@graphchat/client';
import { displayName } from '../output.js';
import { expectPositional, NO_FLAGS, nonEmpty, usage } from './arguments.js';
import { defineCommand } from './entry.js';

export interface OtrCommand {
  readonly name: 'otr';
  readonly action: 'on' | 'off' | 'accept';
  readonly contact: string;
}

type Outcome =
  /** `offTheRecord` is what the contact asked for (undefined if they asked nothing). */
  | { readonly agreed: true; readonly contact: ContactInfo; readonly offTheRecord: boolean | undefined }
  | { readonly agreed: false; readonly contact: ContactInfo; readonly proposed: 'on' | 'off' };

export const otr = defineCommand({
  line: {
    words: ['otr'],
    flags: NO_FLAGS,
    parse: (args): OtrCommand => {
      const [action, contact] = expectPositional(args, ['on|off|accept', 'CONTACT']);
      if (action !== 'on' && action !== 'off' && action !== 'accept') throw usage(`otr: on, off or accept, not ${JSON.stringify(action)}`);
      return { name: 'otr', action, contact: nonEmpty(args, 'CONTACT', contact!) };
    },
    listing: [
      { form: 'otr on|off CONTACT', description: ['ask CONTACT to go off the record (on) or back on it', '(off); it switches once they agree'] },
      { form: 'otr accept CONTACT', description: ["agree to CONTACT's request to switch"] },
    ],
    synopsis: 'graphchat otr on|off|accept CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<Outcome> => {
    const contact = agent.findContact(command.contact);
    if (command.action === 'accept') {
      const offTheRecord = contact.modeRequest?.offTheRecord;
      agent.acceptMode(contact.id);
      return { agreed: true, contact, offTheRecord };
    }
    agent.proposeMode(contact.id, command.action === 'on');
    return { agreed: false, contact, proposed: command.action };
  },
  print: (outcome, printer) => {
    const name = displayName(outcome.contact);
    if (outcome.agreed) {
      printer.emit({ contact: outcome.contact.id, offTheRecord: outcome.offTheRecord }, `agreed: the conversation with ${name} goes ${outcome.offTheRecord === true ? 'off' : 'back on'} the record`);
    } else {
      printer.emit(
        { contact: outcome.contact.id, proposed: outcome.proposed },
        `asked ${name} to go ${outcome.proposed === 'on' ? 'off' : 'back on'} the record: it switches once they agree ("graphchat sync" sends the request)`,
      );
    }
  },
});
