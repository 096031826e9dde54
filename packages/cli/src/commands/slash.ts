/**
 * Commands as the interactive chat takes them: `/NAME`, then the rest of the
 * line as the one argument. A table entry the chat offers has a slash form:
 * its own way to read the line and to show the result, around the entry's run.
 */
import type { ContactInfo } from '@graphchat/client';
import { CliError } from '../errors.js';
import type { SessionContext } from './context.js';

/** What a slash command can do in the chat. */
export interface ChatView {
  /** What the table's commands run with in the chat. */
  readonly context: SessionContext;
  /** Prints a line above the input line. */
  say(line: string): void;
  /** The contact of the open conversation; CliError 'USAGE' if none is open. */
  openContact(): ContactInfo;
  /** Opens the conversation with the contact and shows its recent messages. */
  openConversation(contact: ContactInfo): void;
  /** Forgets the open conversation (its profile is no longer the active one). */
  closeConversation(): void;
  /** Lists the contacts, marking the open one and counting unread messages. */
  listContacts(contacts: readonly ContactInfo[]): void;
  /** Shows the list of commands. */
  showHelp(): void;
  /** Leaves the chat. */
  quit(): void;
}

/** A slash command's line after its name. */
export interface SlashLine {
  /** The argument, the rest of the line; CliError 'USAGE' if there is none. */
  argument(): string;
}

export interface SlashCommand {
  /** `/accept`, typed in any case. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** What follows the name, for /help and the usage error: `NAME`, or '' for nothing. */
  readonly argument: string;
  readonly description: string;
  readonly run: (line: SlashLine, chat: ChatView) => Promise<void>;
}

/** An entry's command as the chat types it and shows its result. */
export interface SlashForm<C, R> {
  readonly name: string;
  readonly argument?: string;
  readonly description: string;
  /** The entry's command from the line (and from the open conversation). */
  readonly parse: (line: SlashLine, chat: ChatView) => C;
  readonly show: (result: R, chat: ChatView) => void;
}

/** The chat's command for an entry: its slash form around the entry's run. */
export function slashCommand<C, R>(form: SlashForm<C, R>, run: (command: C, context: SessionContext) => Promise<R>): SlashCommand {
  return {
    name: form.name,
    argument: form.argument ?? '',
    description: form.description,
    run: async (line, chat) => form.show(await run(form.parse(line, chat), chat.context), chat),
  };
}

/** The line after the command's name, as the command reads it. */
export function slashLine(command: SlashCommand, rest: string): SlashLine {
  return {
    argument: () => {
      if (rest === '') throw new CliError('USAGE', `usage: ${command.name} ${command.argument}`);
      return rest;
    },
  };
}

/** The command's line in the chat's /help: name and argument, then what it does. */
export function slashHelpLine(command: SlashCommand): string {
  const typed = command.argument === '' ? command.name : `${command.name} ${command.argument}`;
  return `  ${typed.padEnd(18)}${command.description}`;
}
