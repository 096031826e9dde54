/**
 * `init` and `profile new`: a new profile on its relays. `init` makes the
 * first, in a new database.
 */
import type { NewProfile, ProfileRecord } from '@graphchat/client';
import { printable } from '../output.js';
import type { Printer } from '../output.js';
import type { ChatAgent } from '../session.js';
import { expectPositional, nonEmpty, single, usage } from './arguments.js';
import type { CommandArgs, Flags } from './arguments.js';
import { defineCommand } from './entry.js';
import { profileJson, profileLines } from './profile.js';

interface NewProfileOptions {
  readonly displayName: string;
  readonly servers: readonly string[];
  readonly fullName: string | null;
  readonly sessionPerConnection: boolean;
  /** Queues per relay for new connections: 1 unless --queues-per-relay. */
  readonly queuesPerRelay: number;
}

export interface InitCommand extends NewProfileOptions {
  readonly name: 'init';
}

/** Servers empty means the active profile's. */
export interface ProfileNewCommand extends NewProfileOptions {
  readonly name: 'profile-new';
}

const NEW_PROFILE_FLAGS: Flags = {
  valueFlags: ['--name', '--server', '--full-name', '--queues-per-relay'],
  booleanFlags: ['--session-per-connection'],
  repeatable: ['--server'],
};

/** What `graphchat --help` says of the flags of both, after the list of commands. */
export const NEW_PROFILE_NOTES = `--session-per-connection: one relay session per contact, so that a relay
cannot link the profile's contacts by the session they arrive on.
--queues-per-relay Q (1-4, default 1): receive queues per relay for each new
contact; messages alternate between them, for more messages per second.
`;

function queuesPerRelay(args: CommandArgs): number {
  const value = single(args, '--queues-per-relay');
  if (value === null) return 1;
  const n = Number(value);
  if (!/^[1-4]$/.test(value.trim()) || !Number.isInteger(n)) throw usage(`${args.command}: --queues-per-relay is 1 to 4, not ${JSON.stringify(value)}`);
  return n;
}

/** The flags shared by `init` and `profile new`; servers may be left out only by `profile new`. */
function newProfileOptions(args: CommandArgs, serversRequired: boolean): NewProfileOptions {
  expectPositional(args, []);
  const displayName = single(args, '--name');
  const servers = args.values.get('--server') ?? [];
  if (displayName === null) throw usage(`${args.command}: --name NAME is required`);
  if (serversRequired && servers.length === 0) throw usage(`${args.command}: at least one --server ADDR is required`);
  return {
    displayName: nonEmpty(args, '--name', displayName),
    servers: servers.map((s) => nonEmpty(args, '--server', s)),
    fullName: single(args, '--full-name'),
    sessionPerConnection: args.booleans.has('--session-per-connection'),
    queuesPerRelay: queuesPerRelay(args),
  };
}

function createProfile(agent: ChatAgent, command: NewProfileOptions, relays: readonly string[]): ProfileRecord {
  const profile: NewProfile = {
    displayName: command.displayName,
    ...(command.fullName !== null && command.fullName !== '' ? { fullName: command.fullName } : {}),
    relays: [...relays],
    sessionPerConnection: command.sessionPerConnection,
    queuesPerRelay: command.queuesPerRelay,
  };
  return agent.createProfile(profile);
}

function printCreated(profile: ProfileRecord, printer: Printer): void {
  printer.emit(profileJson(profile), [`created profile ${printable(profile.profile.displayName)}`, ...profileLines(profile).slice(1)]);
}

export const init = defineCommand({
  line: {
    words: ['init'],
    flags: NEW_PROFILE_FLAGS,
    parse: (args): InitCommand => ({ name: 'init', ...newProfileOptions(args, true) }),
    listing: [
      {
        form: 'init --name NAME --server ADDR [--server ADDR ...] [--full-name X]\n     [--session-per-connection] [--queues-per-relay Q]',
        description: ['create the database and the first profile'],
      },
    ],
    synopsis: 'graphchat init --name NAME --server ADDR [--server ADDR ...] [--full-name X]\n       [--session-per-connection] [--queues-per-relay Q]',
  },
  opens: 'new database',
  run: async (command, { agent }) => createProfile(agent, command, command.servers),
  print: printCreated,
});

export const profileNew = defineCommand({
  line: {
    words: ['profile', 'new'],
    flags: NEW_PROFILE_FLAGS,
    parse: (args): ProfileNewCommand => ({ name: 'profile-new', ...newProfileOptions(args, false) }),
    listing: [
      {
        form: 'profile new --name N [--server ADDR ...] [--full-name X]\n     [--session-per-connection] [--queues-per-relay Q]',
        description: ["add a profile (servers default to the active profile's)"],
      },
    ],
    synopsis: 'graphchat profile new --name NAME [--server ADDR ...] [--full-name X]\n         [--session-per-connection] [--queues-per-relay Q]',
  },
  opens: 'database',
  run: async (command, { agent }) => createProfile(agent, command, command.servers.length > 0 ? command.servers : agent.activeProfile().relays),
  print: (profile, printer) => {
    printCreated(profile, printer);
    printer.note(`"graphchat profile use ${profile.id}" makes it the active profile`);
  },
});
