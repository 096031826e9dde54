/**
 * `code CONTACT` shows the security code to compare with the contact's;
 * `verify CONTACT CODE` marks the contact verified if the codes match.
 */
import { CliError } from '../errors.js';
import { displayName, withQr } from '../output.js';
import { contactArgument, expectPositional, NO_FLAGS, nonEmpty } from './arguments.js';
import { defineCommand } from './entry.js';

export interface CodeCommand {
  readonly name: 'code';
  readonly contact: string;
  readonly qr: boolean;
}

export interface VerifyCommand {
  readonly name: 'verify';
  readonly contact: string;
  readonly code: string;
}

export function codeJson(contactId: string, code: string, qr: string | null = null): object {
  return qr === null ? { contact: contactId, code } : { contact: contactId, code, qr };
}

export function verifiedJson(contactId: string, verified: boolean): object {
  return { contact: contactId, verified };
}

export const code = defineCommand({
  line: {
    words: ['code'],
    flags: { valueFlags: [], booleanFlags: ['--qr'] },
    parse: (args): CodeCommand => ({ name: 'code', contact: contactArgument(args), qr: args.booleans.has('--qr') }),
    listing: [{ form: 'code CONTACT [--qr]', description: ['the security code to compare with CONTACT'] }],
    synopsis: 'graphchat code CONTACT [--qr]',
  },
  opens: 'database',
  run: async (command, { agent, renderQr }) => {
    const contact = agent.findContact(command.contact);
    const code = agent.securityCode(contact.id);
    // The QR code carries the digits alone: scanning it off the contact's screen, then "verify", is comparing.
    return { contact, code, qr: command.qr ? await renderQr(code) : null };
  },
  print: ({ contact, code, qr }, printer) => printer.emit(codeJson(contact.id, code, qr), withQr(code, qr)),
  slash: {
    name: '/code',
    description: 'the security code of the open conversation, to compare with the contact',
    parse: (_line, chat): CodeCommand => ({ name: 'code', contact: chat.openContact().id, qr: false }),
    show: ({ contact, code }, chat) => {
      chat.say(`security code with ${displayName(contact)}: ${code}`);
      chat.say('compare it with theirs (in person or by a call), then /verify CODE');
    },
  },
});

export const verify = defineCommand({
  line: {
    words: ['verify'],
    flags: NO_FLAGS,
    parse: (args): VerifyCommand => {
      // The code is groups of digits; it may come as one quoted argument or as several.
      const [contact, code] = expectPositional(args, ['CONTACT', 'CODE'], true);
      return { name: 'verify', contact: nonEmpty(args, 'CONTACT', contact!), code: nonEmpty(args, 'CODE', code!) };
    },
    listing: [{ form: 'verify CONTACT CODE', description: ['mark CONTACT verified if CODE matches'] }],
    synopsis: 'graphchat verify CONTACT CODE',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const contact = agent.findContact(command.contact);
    return { contact, verified: agent.verifyCode(contact.id, command.code) };
  },
  print: ({ contact, verified }, printer) => {
    // On the command line a mismatch is an error (exit 1); the chat says so and goes on.
    if (!verified) throw new CliError('CODE_MISMATCH', `the security code does not match ${displayName(contact)}'s: the connection may be intercepted`);
    printer.emit(verifiedJson(contact.id, true), `✓ ${displayName(contact)} verified`);
  },
  slash: {
    name: '/verify',
    argument: 'CODE',
    description: 'mark the open contact verified if CODE matches theirs',
    parse: (line, chat): VerifyCommand => ({ name: 'verify', contact: chat.openContact().id, code: line.argument() }),
    show: ({ contact, verified }, chat) =>
      chat.say(verified ? `✓ ${displayName(contact)} verified` : `the code does not match ${displayName(contact)}'s: the connection may be intercepted`),
  },
});
