/** `chat`: the interactive chat, the default on a terminal. */
import { runChat } from '../interactive.js';
import { NO_FLAGS, noArguments } from './arguments.js';
import { defineCommand } from './entry.js';

export interface ChatCommand {
  readonly name: 'chat';
}

export const chat = defineCommand({
  line: {
    words: ['chat'],
    flags: NO_FLAGS,
    parse: (args): ChatCommand => {
      noArguments(args);
      return { name: 'chat' };
    },
    listing: [{ form: 'chat', description: ['interactive chat (the default on a terminal)'] }],
    synopsis: 'graphchat chat',
  },
  opens: 'database',
  networked: true,
  needsTerminal: true,
  run: async (_command, { agent, terminal, renderQr }) => {
    if (terminal === null) throw new TypeError('the chat runs only on a terminal (needsTerminal)');
    await runChat(agent, terminal, renderQr);
  },
});
