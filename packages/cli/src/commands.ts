/** The one-shot commands: each runs against an open session and prints its results. */
import { readFileSync } from 'node:fs';
import type { ProfileData, ProfileRecord } from '@graphchat/client';
import { MAX_IMAGE_BYTES } from '@graphchat/core';
import type { Command } from './args.js';
import { CliError } from './errors.js';
import {
  acceptedJson,
  addressJson,
  codeJson,
  contactDetailsJson,
  contactDetailsLines,
  contactIdJson,
  contactJson,
  contactLine,
  declinedJson,
  displayName,
  eventJson,
  eventLine,
  historyJson,
  historyLine,
  linkJson,
  messageIdJson,
  printable,
  profileJson,
  profileLines,
  profileListJson,
  profileListLine,
  verifiedJson,
} from './output.js';
import type { Printer } from './output.js';
import { exportProofFile } from './proof.js';
import type { ChatAgent } from './session.js';

export interface CommandContext {
  readonly agent: ChatAgent;
  readonly printer: Printer;
  /** Renders a QR code for the terminal (qr.ts; tests pass a stub). */
  readonly renderQr: (text: string) => Promise<string>;
}

/** Commands that run against an existing database and return (everything but init, chat, help and proof verify). */
export type OneShotCommand = Exclude<Command, { name: 'init' | 'chat' | 'help' | 'proof-verify' }>;
export type InitCommand = Extract<Command, { name: 'init' }>;
type NewProfileCommand = Extract<Command, { name: 'init' | 'profile-new' }>;

/** A contact's name by id, for human-readable event lines. */
export function contactNamer(agent: ChatAgent): (contactId: string) => string {
  return (contactId) => {
    const contact = agent.contacts().find((c) => c.id === contactId);
    return contact === undefined ? contactId : displayName(contact);
  };
}

/** Creates a profile from `init` or `profile new`, on the given relays, and prints it. */
function createProfile(command: NewProfileCommand, relays: readonly string[], context: Omit<CommandContext, 'renderQr'>): ProfileRecord {
  const profile = context.agent.createProfile({
    displayName: command.displayName,
    ...(command.fullName !== null && command.fullName !== '' ? { fullName: command.fullName } : {}),
    relays: [...relays],
    sessionPerConnection: command.sessionPerConnection,
    queuesPerRelay: command.queuesPerRelay,
  });
  context.printer.emit(profileJson(profile), [`created profile ${printable(profile.profile.displayName)}`, ...profileLines(profile).slice(1)]);
  return profile;
}

/** Creates the first profile in a freshly created database. */
export function runInit(command: InitCommand, context: Omit<CommandContext, 'renderQr'>): void {
  createProfile(command, command.servers, context);
}

/**
 * The id of the profile given by id or display name. A name no profile has is
 * returned as it is, for the agent to refuse (NO_PROFILE); a name several
 * profiles have is refused here.
 */
export function profileIdOf(agent: ChatAgent, idOrName: string): string {
  const profiles = agent.listProfiles();
  if (profiles.some((p) => p.id === idOrName)) return idOrName;
  const named = profiles.filter((p) => p.profile.displayName === idOrName);
  if (named.length > 1) throw new CliError('USAGE', `${named.length} profiles are named "${idOrName}": use the profile id (see graphchat profiles)`);
  return named[0]?.id ?? idOrName;
}

/**
 * The profile with the edits of `profile --name/--full-name/--status/--image`;
 * an empty value removes an optional field. `image` is the new image's bytes.
 */
export function editedProfile(
  current: ProfileData,
  edit: { readonly displayName: string | null; readonly fullName: string | null; readonly status: string | null },
  image: Uint8Array | null = null,
): ProfileData {
  const fullName = edit.fullName ?? current.fullName;
  const status = edit.status ?? current.status;
  const newImage = image ?? current.image;
  return {
    displayName: edit.displayName ?? current.displayName,
    ...(fullName !== undefined && fullName !== '' ? { fullName } : {}),
    ...(newImage !== undefined && newImage.length > 0 ? { image: newImage } : {}),
    ...(status !== undefined && status !== '' ? { status } : {}),
  };
}

/** The avatar file's bytes ('' gives an empty array: remove the image). */
function readImage(path: string): Uint8Array {
  if (path === '') return new Uint8Array(0);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new CliError('IO', `cannot read ${path}: ${(error as Error).message}`);
  }
  if (bytes.length > MAX_IMAGE_BYTES) throw new CliError('USAGE', `${path} is ${bytes.length} bytes; a profile image has at most ${MAX_IMAGE_BYTES} (a small JPEG, PNG or WebP)`);
  return bytes;
}

export async function runCommand(command: OneShotCommand, context: CommandContext): Promise<void> {
  const { agent, printer } = context;
  switch (command.name) {
    case 'invite': {
      const { link, contactId } = await agent.createInvitation({ offTheRecord: command.offTheRecord });
      const qr = command.qr ? await context.renderQr(link) : null;
      const human = [link];
      if (qr !== null) human.push(qr.replace(/\n$/, ''));
      printer.emit(linkJson(link, qr), human);
      const kind = command.offTheRecord ? 'one-time off-the-record invitation' : 'one-time invitation';
      printer.note(`${kind} for contact ${contactId}: pass it on, then run "graphchat sync"`);
      return;
    }
    case 'otr': {
      const contact = agent.findContact(command.contact);
      if (command.action === 'accept') {
        const wanted = contact.modeRequest?.offTheRecord;
        agent.acceptMode(contact.id);
        printer.emit({ contact: contact.id, offTheRecord: wanted }, `agreed: the conversation with ${displayName(contact)} goes ${wanted === true ? 'off' : 'back on'} the record`);
      } else {
        agent.proposeMode(contact.id, command.action === 'on');
        printer.emit({ contact: contact.id, proposed: command.action }, `asked ${displayName(contact)} to go ${command.action === 'on' ? 'off' : 'back on'} the record: it switches once they agree ("graphchat sync" sends the request)`);
      }
      return;
    }
    case 'address': {
      const { link } = await agent.contactAddress();
      const qr = command.qr ? await context.renderQr(link) : null;
      const human = [link];
      if (qr !== null) human.push(qr.replace(/\n$/, ''));
      printer.emit(addressJson(link, qr), human);
      printer.note('your contact address: anyone may use it; accept each request with "graphchat accept CONTACT"');
      return;
    }
    case 'accept': {
      const contact = agent.findContact(command.contact);
      await agent.acceptRequest(contact.id);
      printer.emit(acceptedJson(contact.id), `accepted ${displayName(contact)}: run "graphchat sync" to complete the connection`);
      return;
    }
    case 'decline': {
      const contact = agent.findContact(command.contact);
      agent.declineRequest(contact.id);
      printer.emit(declinedJson(contact.id), `declined ${displayName(contact)}`);
      return;
    }
    case 'connect': {
      const { contactId } = await agent.connect(command.link, { channel: command.scanned ? 'scanned' : 'link' });
      printer.emit(contactIdJson(contactId), `contact ${contactId} pending: run "graphchat sync" to complete the connection`);
      if (agent.findContact(contactId).offTheRecord) printer.note('this invitation is off the record: nothing in this conversation will be signed');
      return;
    }
    case 'contacts': {
      const all = agent.contacts();
      const contacts = command.all ? all : all.filter((c) => c.status !== 'failed');
      for (const contact of contacts) printer.emit(contactJson(contact), contactLine(contact));
      if (all.length === 0) printer.note('no contacts yet: "graphchat invite" or "graphchat connect LINK"');
      if (contacts.length < all.length) printer.note(`${all.length - contacts.length} failed, not shown: "graphchat contacts --all" lists them`);
      return;
    }
    case 'send': {
      const contact = agent.findContact(command.contact);
      const { messageId } = agent.send(contact.id, command.text);
      printer.emit(messageIdJson(messageId), `queued for ${displayName(contact)} (${messageId}): "graphchat sync" sends it`);
      return;
    }
    case 'sync': {
      const nameOf = contactNamer(agent);
      agent.onEvent = (event) => printer.emit(eventJson(event), eventLine(event, nameOf));
      await agent.sync({ timeoutMs: Math.round(command.timeoutSeconds * 1000), idleMs: Math.round(command.idleSeconds * 1000) });
      return;
    }
    case 'history': {
      const contact = agent.findContact(command.contact);
      const items = agent.history(contact.id);
      const name = displayName(contact);
      for (const item of items) printer.emit(historyJson(item), historyLine(item, name));
      if (items.length === 0) printer.note(`no messages with ${name} yet`);
      return;
    }
    case 'contact': {
      const contact = agent.findContact(command.contact);
      printer.emit(contactDetailsJson(contact), contactDetailsLines(contact));
      return;
    }
    case 'code': {
      const contact = agent.findContact(command.contact);
      const code = agent.securityCode(contact.id);
      // The QR code carries the digits alone: scanning it off the contact's screen, then "verify", is comparing.
      const qr = command.qr ? await context.renderQr(code) : null;
      printer.emit(codeJson(contact.id, code, qr), qr === null ? code : [code, qr.replace(/\n$/, '')]);
      return;
    }
    case 'verify': {
      const contact = agent.findContact(command.contact);
      if (!agent.verifyCode(contact.id, command.code)) {
        throw new CliError('CODE_MISMATCH', `the security code does not match ${displayName(contact)}'s: the connection may be intercepted`);
      }
      printer.emit(verifiedJson(contact.id, true), `✓ ${displayName(contact)} verified`);
      return;
    }
    case 'profile': {
      const current = agent.activeProfile();
      const editing = command.displayName !== null || command.fullName !== null || command.status !== null || command.image !== null;
      const image = command.image === null ? null : readImage(command.image);
      if (editing) agent.updateProfile(current.id, editedProfile(current.profile, command, image));
      const profile = editing ? agent.activeProfile() : current;
      printer.emit(profileJson(profile), profileLines(profile));
      if (editing) printer.note('contacts see the change after the next "graphchat sync"');
      return;
    }
    case 'profile-new': {
      const relays = command.servers.length > 0 ? command.servers : agent.activeProfile().relays;
      const profile = createProfile(command, relays, { agent, printer });
      printer.note(`"graphchat profile use ${profile.id}" makes it the active profile`);
      return;
    }
    case 'profile-use': {
      agent.setActiveProfile(profileIdOf(agent, command.profile));
      const profile = agent.activeProfile();
      printer.emit(profileListJson(profile, true), `active profile: ${printable(profile.profile.displayName)} (${profile.id})`);
      return;
    }
    case 'proof-export':
      exportProofFile(command, agent, printer);
      return;
    case 'profiles': {
      const active = agent.activeProfile().id;
      for (const profile of agent.listProfiles()) {
        printer.emit(profileListJson(profile, profile.id === active), profileListLine(profile, profile.id === active));
      }
      return;
    }
  }
}
