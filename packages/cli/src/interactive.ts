/**
 * `graphchat chat`: a line-oriented chat on top of a running agent. Incoming
 * messages and delivery ticks print as they arrive, above the input line.
 */
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import type { AgentEvent, ContactInfo } from '@graphchat/client';
import { contactNamer, editedProfile, profileIdOf } from './commands.js';
import { asExpectedError, oneLine } from './errors.js';
import { contactLine, displayName, eventLine, hideRelayPasswords, historyLine, printable, profileListLine } from './output.js';
import type { ChatAgent } from './session.js';

export interface ChatIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** Whether input and output are a terminal (prompt, line editing, redrawing the input line). */
  readonly terminal: boolean;
}

/** Messages shown when a conversation is opened. */
export const RECENT_MESSAGES = 20;

export const CHAT_HELP = [
  'commands:',
  '  /contacts         list contacts (✓ verified, unread counts)',
  '  /open NAME        open the conversation with NAME (name or id) and show recent messages',
  '  /history          the whole open conversation',
  '  /invite           make a one-time invitation (link and QR code)',
  '  /connect LINK     join through someone\'s invitation or contact address',
  '  /address          your long-term contact address (link and QR code)',
  '  /accept NAME      accept a request that came through your address',
  '  /decline NAME     decline it',
  '  /code             the security code of the open conversation, to compare with the contact',
  '  /verify CODE      mark the open contact verified if CODE matches theirs',
  '  /name NEW         change your display name (contacts see it)',
  '  /profiles         list your profiles (* active)',
  '  /use NAME         switch to another profile (its own contacts)',
  '  /help             this list',
  '  /quit             leave (also Ctrl-D)',
  'anything else is sent to the open conversation (start a message with // to send a leading /)',
];

const SNIPPET = 40;

function snippet(text: string): string {
  const line = oneLine(text);
  return JSON.stringify(line.length > SNIPPET ? line.slice(0, SNIPPET - 1) + '…' : line);
}

export class ChatUi {
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
    private readonly renderQr: (text: string) => Promise<string>,
  ) {
    this.nameOf = contactNamer(agent);
    this.rl = createInterface({ input: io.input, output: io.output, terminal: io.terminal, prompt: '> ' });
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
      this.listContacts();
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
    const rest = space < 0 ? '' : line.slice(space).trim();
    switch (name) {
      case '/help':
      case '/?':
        for (const help of CHAT_HELP) this.say(help);
        return;
      case '/contacts':
        this.listContacts();
        return;
      case '/open':
        if (rest === '') throw new Error('usage: /open NAME');
        this.openConversation(this.agent.findContact(rest));
        return;
      case '/history':
        this.showHistory(this.requireOpen(), Infinity);
        return;
      case '/invite': {
        const { link } = await this.agent.createInvitation();
        this.say('one-time invitation (send the link, or let them scan the code):');
        this.say(link);
        this.say((await this.renderQr(link)).replace(/\n$/, ''));
        return;
      }
      case '/address': {
        const { link } = await this.agent.contactAddress();
        this.say('your contact address (anyone may use it; you accept each request):');
        this.say(link);
        this.say((await this.renderQr(link)).replace(/\n$/, ''));
        return;
      }
      case '/accept': {
        if (rest === '') throw new Error('usage: /accept NAME');
        const contact = this.agent.findContact(rest);
        await this.agent.acceptRequest(contact.id);
        this.say(`accepted ${displayName(contact)}; you will see when the connection is done`);
        return;
      }
      case '/decline': {
        if (rest === '') throw new Error('usage: /decline NAME');
        const contact = this.agent.findContact(rest);
        this.agent.declineRequest(contact.id);
        this.say(`declined ${displayName(contact)}`);
        return;
      }
      case '/profiles': {
        const active = this.agent.activeProfile().id;
        for (const profile of this.agent.listProfiles()) this.say(profileListLine(profile, profile.id === active));
        return;
      }
      case '/use': {
        if (rest === '') throw new Error('usage: /use NAME');
        this.agent.setActiveProfile(profileIdOf(this.agent, rest));
        this.openId = null;
        this.say(`now ${printable(this.agent.activeProfile().profile.displayName)}`);
        this.listContacts();
        return;
      }
      case '/connect': {
        if (rest === '') throw new Error('usage: /connect LINK');
        const { contactId } = await this.agent.connect(rest, { channel: 'link' });
        this.say(`connecting (contact ${contactId}); you will see when it is done`);
        return;
      }
      case '/code': {
        const contact = this.requireOpen();
        this.say(`security code with ${displayName(contact)}: ${this.agent.securityCode(contact.id)}`);
        this.say('compare it with theirs (in person or by a call), then /verify CODE');
        return;
      }
      case '/verify': {
        const contact = this.requireOpen();
        if (rest === '') throw new Error('usage: /verify CODE');
        if (this.agent.verifyCode(contact.id, rest)) this.say(`✓ ${displayName(contact)} verified`);
        else this.say(`the code does not match ${displayName(contact)}'s: the connection may be intercepted`);
        return;
      }
      case '/name': {
        if (rest === '') throw new Error('usage: /name NEW');
        const profile = this.agent.activeProfile();
        this.agent.updateProfile(profile.id, editedProfile(profile.profile, { displayName: rest, fullName: null, status: null }));
        this.say(`you are now ${rest}`);
        return;
      }
      case '/quit':
      case '/exit':
        this.closed = true;
        this.rl.close();
        return;
      default:
        throw new Error(`unknown command ${name}: /help lists them`);
    }
  }

  private requireOpen(): ContactInfo {
    if (this.openId === null) throw new Error('no conversation open: /open NAME');
    const id = this.openId;
    const contact = this.agent.contacts().find((c) => c.id === id);
    if (contact === undefined) throw new Error('the open contact no longer exists');
    return contact;
  }

  private sendText(text: string): void {
    const contact = this.requireOpen();
    const { messageId } = this.agent.send(contact.id, text);
    this.sentTexts.set(messageId, text);
  }

  private listContacts(): void {
    const contacts = this.agent.contacts();
    if (contacts.length === 0) {
      this.say('no contacts yet: /invite or /connect LINK');
      return;
    }
    for (const contact of contacts) {
      const mark = contact.id === this.openId ? '* ' : '  ';
      this.say(mark + contactLine(contact, this.unread.get(contact.id) ?? 0));
    }
  }

  private openConversation(contact: ContactInfo): void {
    this.openId = contact.id;
    this.unread.delete(contact.id);
    this.say(`— ${displayName(contact)} (${contact.status}${contact.verified ? ', ✓ verified' : ''}) —`);
    this.showHistory(contact, RECENT_MESSAGES);
  }

  private showHistory(contact: ContactInfo, count: number): void {
    const items = this.agent.history(contact.id);
    const shown = count === Infinity ? items : items.slice(-count);
    if (shown.length < items.length) this.say(`(${items.length - shown.length} earlier: /history)`);
    for (const item of shown) this.say(historyLine(item, displayName(contact)));
    if (items.length === 0) this.say('no messages yet');
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
