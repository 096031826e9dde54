/**
 * The interactive chat's commands, in the order /help lists them: the table's
 * entries the chat offers (those with a slash form) and the chat's own.
 */
import { accept, address, decline } from './commands/address.js';
import { contacts } from './commands/contacts.js';
import { history } from './commands/history.js';
import { invite } from './commands/invite.js';
import { connect } from './commands/connect.js';
import { profile } from './commands/profile.js';
import { profileUse, profiles } from './commands/profiles.js';
import { code, verify } from './commands/security-code.js';
import { slashHelpLine } from './commands/slash.js';
import type { SlashCommand } from './commands/slash.js';

const open: SlashCommand = {
  name: '/open',
  argument: 'NAME',
  description: 'open the conversation with NAME (name or id) and show recent messages',
  run: async (line, chat) => chat.openConversation(chat.context.agent.findContact(line.argument())),
};

const help: SlashCommand = {
  name: '/help',
  aliases: ['/?'],
  argument: '',
  description: 'this list',
  run: async (_line, chat) => chat.showHelp(),
};

const quit: SlashCommand = {
  name: '/quit',
  aliases: ['/exit'],
  argument: '',
  description: 'leave (also Ctrl-D)',
  run: async (_line, chat) => chat.quit(),
};

export const CHAT_COMMANDS: readonly SlashCommand[] = [
  contacts.slash,
  open,
  history.slash,
  invite.slash,
  connect.slash,
  address.slash,
  accept.slash,
  decline.slash,
  code.slash,
  verify.slash,
  profile.slash,
  profiles.slash,
  profileUse.slash,
  help,
  quit,
];

/** The command typed as `name` (any case), if there is one. */
export function chatCommand(name: string): SlashCommand | undefined {
  const typed = name.toLowerCase();
  return CHAT_COMMANDS.find((command) => command.name === typed || (command.aliases ?? []).includes(typed));
}

export const CHAT_HELP: readonly string[] = [
  'commands:',
  ...CHAT_COMMANDS.map(slashHelpLine),
  'anything else is sent to the open conversation (start a message with // to send a leading /)',
];
