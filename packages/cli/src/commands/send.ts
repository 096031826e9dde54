/** `send CONTACT TEXT`: queues a message for the next sync (in the chat: any line that is not a command). */
import { displayName } from '../output.js';
import { expectPositional, NO_FLAGS, nonEmpty } from './arguments.js';
import { defineCommand } from './entry.js';

export interface SendCommand {
  readonly name: 'send';
  readonly contact: string;
  readonly text: string;
}

export function messageIdJson(messageId: string): object {
  return { message: messageId };
}

export const send = defineCommand({
  line: {
    words: ['send'],
    flags: NO_FLAGS,
    parse: (args): SendCommand => {
      const [contact, text] = expectPositional(args, ['CONTACT', 'TEXT'], true);
      return { name: 'send', contact: nonEmpty(args, 'CONTACT', contact!), text: nonEmpty(args, 'TEXT', text!) };
    },
    listing: [{ form: 'send CONTACT TEXT', description: ['queue a message (CONTACT: id or display name)'] }],
    synopsis: 'graphchat send CONTACT TEXT',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const contact = agent.findContact(command.contact);
    return { contact, messageId: agent.send(contact.id, command.text).messageId };
  },
  print: ({ contact, messageId }, printer) => printer.emit(messageIdJson(messageId), `queued for ${displayName(contact)} (${messageId}): "graphchat sync" sends it`),
});
