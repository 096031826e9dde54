/**
 * `graphchat chat`: a line-oriented chat on top of a running agent. Incoming
 * messages and delivery ticks print as they arrive, above the input line.
 * Its commands are the table's (chat-commands.ts); any other line is a
 * message to the open conversation.
 */
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import type { AgentEvent, ContactInfo } from '@graphchat/client';
import { CHAT_HELP, chatCommand } from './chat-commands.js';
import { contactLine } from './commands/contacts.js';
import type { SessionContext } from './commands/context.js';
import { conversationLines } from './commands/history.js';
import { slashLine } from './commands/slash.js';
import type { ChatView } from './commands/slash.js';
import { contactNamer, eventLine } from './commands/sync.js';
import { asExpectedError, CliError, oneLine } from './errors.js';
import { displayName, hideRelayPasswords, Printer, printable } from './output.js';
import type { ChatAgent, ChatIo } from './session.js';

/** Messages shown when a conversation is opened. */
export const RECENT_MESSAGES = 20;

const SNIPPET = 40;

function snippet(text: string): string {
  const line = oneLine(text);
  return JSON.stringify(line.length > SNIPPET ? line.slice(0, SNIPPET - 1) + '…' : line);
}

export class ChatUi implements ChatView {
  readonly context: SessionContext;
  private readonly rl: Interface;
  private readonly nameOf: (contactId: string) => string;
  private openId: string | null = null;
  private readonly unread = new Map<string, number>();
  /** Texts of the messages sent in this session, for the tick lines. */
  private readonly sentTexts = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly agent: ChatAgent,
    private readonly io: ChatIo,
    renderQr: (text: string) => Promise<string>,
  ) {
    this.nameOf = contactNamer(agent);
    this.rl = createInterface({ input: io.input, output: io.output, terminal: io.terminal, prompt: '> ' });
    // What a command prints as it runs shows as chat lines.
    const printer = new Printer({ write: (text: string) => this.say(text.replace(/\n$/, '')) }, false);
    this.context = { agent, renderQr, printer, terminal: io };
  }

  /** Runs until /quit, end of input or Ctrl-C; stops the agent before it returns. */
  run(): Promise<void> {
    this.agent.onEvent = (event) => this.onEvent(event);
    return new Promise<void>((resolve) => {
      let chain: Promise<void> = Promise.resolve();
      this.rl.on('line', (line) => {
        chain = chain.then(() => this.handle(line)).then(() => this.prompt());
      });
      this.rl.on('SIGINT', () => this.rl.close());
      this.rl.on('close', () => {
        this.closed = true;
        void chain
          .then(() => this.agent.stop())
          .catch((error: unknown) => this.io.output.write(`error: ${errorText(error)}\n`))
          .then(() => resolve());
      });
      const profile = this.agent.activeProfile();
      this.say(`graphchat: ${printable(profile.profile.displayName)}. /help lists the commands.`);
      this.listContacts(this.agent.contacts());
      this.agent.start().catch((error: unknown) => this.say(`error: ${errorText(error)}`));
      this.prompt();
    });
  }

  /** Prints a line above the input line (which is redrawn), or just prints it without a terminal. */
  say(text: string): void {
    if (this.io.terminal && !this.closed) {
      this.io.output.write('\r\x1b[2K' + text + '\n');
      this.rl.prompt(true);
    } else {
      this.io.output.write(text + '\n');
    }
  }

  private prompt(): void {
    if (!this.io.terminal || this.closed) return;
    this.rl.setPrompt(this.openId === null ? '> ' : `${this.nameOf(this.openId)}> `);
    this.rl.prompt(true);
  }

  onEvent(event: AgentEvent): void {
    switch (event.event) {
      case 'message': {
        const name = this.nameOf(event.contact);
        if (event.contact === this.openId) {
          this.say(`${name}: ${printable(event.text)}`);
        } else {
          this.unread.set(event.contact, (this.unread.get(event.contact) ?? 0) + 1);
          this.say(`[${name}] ${printable(event.text)}`);
        }
        return;
      }
      case 'sent':
      case 'receipt': {
        const text = this.sentTexts.get(event.message);
        const tick = event.event === 'sent' ? '✓ sent' : '✓✓ delivered';
        this.say(`  ${tick} to ${this.nameOf(event.contact)}${text === undefined ? '' : ': ' + snippet(text)}`);
        if (event.event === 'receipt') this.sentTexts.delete(event.message);
        return;
      }
      case 'connected': {
        const name = event.name !== '' ? printable(event.name) : this.nameOf(event.contact);
        this.say(`${name} connected${event.contact === this.openId ? '' : `: /open ${name} to chat`}`);
        this.prompt();
        return;
      }
      case 'request': {
        const name = event.name !== '' ? printable(event.name) : event.contact;
        this.say(`${name} asks to connect through your address: /accept ${name} or /decline ${name}`);
        this.prompt();
        return;
      }
      default:
        this.say(eventLine(event, this.nameOf));
        this.prompt();
    }
  }

  /** Handles one input line; errors are printed, never thrown. */
  async handle(line: string): Promise<void> {
    if (this.closed) return; // lines typed (or piped) after /quit
    try {
      await this.command(line.trim());
    } catch (error) {
      this.say(`error: ${errorText(error)}`);
    }
  }

  private async command(line: string): Promise<void> {
    if (line === '') return;
    if (!line.startsWith('/') || line.startsWith('//')) {
      this.sendText(line.startsWith('//') ? line.slice(1) : line);
      return;
    }
    const space = line.search(/\s/);
    const name = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const command = chatCommand(name);
    if (command === undefined) throw new CliError('USAGE', `unknown command ${name}: /help lists them`);
    await command.run(slashLine(command, space < 0 ? '' : line.slice(space).trim()), this);
  }

  openContact(): ContactInfo {
    if (this.openId === null) throw new CliError('USAGE', 'no conversation open: /open NAME');
    const id = this.openId;
    const contact = this.agent.contacts().find((c) => c.id === id);
    if (contact === undefined) throw new CliError('USAGE', 'the open contact no longer exists');
    return contact;
  }

  openConversation(contact: ContactInfo): void {
    this.openId = contact.id;
    this.unread.delete(contact.id);
    this.say(`— ${displayName(contact)} (${contact.status}${contact.verified ? ', ✓ verified' : ''}) —`);
    for (const line of conversationLines(contact, this.agent.history(contact.id), RECENT_MESSAGES)) this.say(line);
  }

  closeConversation(): void {
    this.openId = null;
  }

  listContacts(contacts: readonly ContactInfo[]): void {
    if (contacts.length === 0) {
      this.say('no contacts yet: /invite or /connect LINK');
      return;
    }
    for (const contact of contacts) {
      const mark = contact.id === this.openId ? '* ' : '  ';
      this.say(mark + contactLine(contact, this.unread.get(contact.id) ?? 0));
    }
  }

  showHelp(): void {
    for (const line of CHAT_HELP) this.say(line);
  }

  quit(): void {
    this.closed = true;
    this.rl.close();
  }

  private sendText(text: string): void {
    const contact = this.openContact();
    const { messageId } = this.agent.send(contact.id, text);
    this.sentTexts.set(messageId, text);
  }
}

function errorText(error: unknown): string {
  const expected = asExpectedError(error);
  const message = expected !== null ? expected.message : error instanceof Error ? error.message : String(error);
  return hideRelayPasswords(oneLine(message));
}

/** Runs the interactive chat until the user leaves. */
export function runChat(agent: ChatAgent, io: ChatIo, renderQr: (text: string) => Promise<string>): Promise<void> {
  return new ChatUi(agent, io, renderQr).run();
}
