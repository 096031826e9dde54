/**
 * The table of commands: one entry each (its file says how it is typed, what
 * it does and how it prints), in the order `graphchat --help` lists them. The
 * command line, the help and the runner read it; the chat takes the entries
 * it offers (chat-commands.ts).
 */
import { accept, address, decline } from './address.js';
import type { AcceptCommand, AddressCommand, DeclineCommand } from './address.js';
import { chat } from './chat.js';
import type { ChatCommand } from './chat.js';
import { connect } from './connect.js';
import type { ConnectCommand } from './connect.js';
import { contact, contacts } from './contacts.js';
import type { ContactCommand, ContactsCommand } from './contacts.js';
import { deviceJoin, deviceLink } from './device-link.js';
import type { DeviceJoinCommand, DeviceLinkCommand } from './device-link.js';
import { deviceCode, deviceRemove, devices } from './devices.js';
import type { DeviceCodeCommand, DeviceRemoveCommand, DevicesCommand } from './devices.js';
import type { CommandEntry } from './entry.js';
import { history } from './history.js';
import type { HistoryCommand } from './history.js';
import { invite } from './invite.js';
import type { InviteCommand } from './invite.js';
import { init, profileNew } from './new-profile.js';
import type { InitCommand, ProfileNewCommand } from './new-profile.js';
import { otr } from './otr.js';
import type { OtrCommand } from './otr.js';
import { profile } from './profile.js';
import type { ProfileCommand } from './profile.js';
import { profileUse, profiles } from './profiles.js';
import type { ProfilesCommand, ProfileUseCommand } from './profiles.js';
import { proofExport, proofVerify } from './proof.js';
import type { ProofExportCommand, ProofVerifyCommand } from './proof.js';
import { profileRouting } from './routing.js';
import type { ProfileRoutingCommand } from './routing.js';
import { code, verify } from './security-code.js';
import type { CodeCommand, VerifyCommand } from './security-code.js';
import { rekey, rotate } from './moves.js';
import type { RekeyCommand, RotateCommand } from './moves.js';
import { relays, relaysAdd, relaysRemove } from './relays.js';
import type { RelaysAddCommand, RelaysCommand, RelaysRemoveCommand } from './relays.js';
import { profileRotation } from './rotation.js';
import type { ProfileRotationCommand } from './rotation.js';
import { send } from './send.js';
import type { SendCommand } from './send.js';
import { sync } from './sync.js';
import type { SyncCommand } from './sync.js';

/** Every command of the table by its name. */
export interface Commands {
  init: InitCommand;
  invite: InviteCommand;
  address: AddressCommand;
  connect: ConnectCommand;
  accept: AcceptCommand;
  decline: DeclineCommand;
  contacts: ContactsCommand;
  send: SendCommand;
  sync: SyncCommand;
  history: HistoryCommand;
  contact: ContactCommand;
  code: CodeCommand;
  verify: VerifyCommand;
  rotate: RotateCommand;
  rekey: RekeyCommand;
  profile: ProfileCommand;
  'profile-new': ProfileNewCommand;
  'profile-use': ProfileUseCommand;
  'profile-routing': ProfileRoutingCommand;
  'profile-rotation': ProfileRotationCommand;
  relays: RelaysCommand;
  'relays-add': RelaysAddCommand;
  'relays-remove': RelaysRemoveCommand;
  profiles: ProfilesCommand;
  'proof-export': ProofExportCommand;
  'proof-verify': ProofVerifyCommand;
  otr: OtrCommand;
  devices: DevicesCommand;
  'device-link': DeviceLinkCommand;
  'device-join': DeviceJoinCommand;
  'device-remove': DeviceRemoveCommand;
  'device-code': DeviceCodeCommand;
  chat: ChatCommand;
}

export type CommandName = keyof Commands;
export type TableCommand = Commands[CommandName];

export const TABLE: { readonly [N in CommandName]: CommandEntry<Commands[N]> } = {
  init,
  invite,
  address,
  connect,
  accept,
  decline,
  contacts,
  send,
  sync,
  history,
  contact,
  code,
  verify,
  rotate,
  rekey,
  profile,
  'profile-new': profileNew,
  'profile-use': profileUse,
  'profile-routing': profileRouting,
  'profile-rotation': profileRotation,
  relays,
  'relays-add': relaysAdd,
  'relays-remove': relaysRemove,
  profiles,
  'proof-export': proofExport,
  'proof-verify': proofVerify,
  otr,
  devices,
  'device-link': deviceLink,
  'device-join': deviceJoin,
  'device-remove': deviceRemove,
  'device-code': deviceCode,
  chat,
};

export const ENTRIES = Object.values(TABLE);

/** The words that start a command (`profile new` and `proof export` are subcommands): the help topics. */
export const COMMAND_WORDS: readonly string[] = [...new Set(ENTRIES.map((entry) => entry.line.words[0]))];

export function isCommandWord(word: string): boolean {
  return COMMAND_WORDS.includes(word);
}
