/** `profiles` lists the profiles; `profile use ID|NAME` makes one the active one (in the chat: /use). */
import type { ProfileRecord } from '@graphchat/client';
import { CliError } from '../errors.js';
import { printable } from '../output.js';
import type { ChatAgent } from '../session.js';
import { expectPositional, NO_FLAGS, noArguments, nonEmpty } from './arguments.js';
import { defineCommand } from './entry.js';

export interface ProfileUseCommand {
  readonly name: 'profile-use';
  readonly profile: string;
}

export interface ProfilesCommand {
  readonly name: 'profiles';
}

/** One line of `profiles`. */
export function profileListJson(profile: ProfileRecord, active: boolean): object {
  return { profile: profile.id, name: profile.profile.displayName, active };
}

/** One line of `profiles`: `*` marks the active profile. */
export function profileListLine(profile: ProfileRecord, active: boolean): string {
  return `${active ? '*' : ' '} ${printable(profile.profile.displayName)}  ${profile.id}`;
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

export const profileUse = defineCommand({
  line: {
    words: ['profile', 'use'],
    flags: NO_FLAGS,
    parse: (args): ProfileUseCommand => {
      const [profile] = expectPositional(args, ['ID|NAME']);
      return { name: 'profile-use', profile: nonEmpty(args, 'ID|NAME', profile!) };
    },
    listing: [{ form: 'profile use ID|NAME', description: ['make a profile the active one'] }],
    synopsis: 'graphchat profile use ID|NAME',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    agent.setActiveProfile(profileIdOf(agent, command.profile));
    return agent.activeProfile();
  },
  print: (profile, printer) => printer.emit(profileListJson(profile, true), `active profile: ${printable(profile.profile.displayName)} (${profile.id})`),
  slash: {
    name: '/use',
    argument: 'NAME',
    description: 'switch to another profile (its own contacts)',
    parse: (line): ProfileUseCommand => ({ name: 'profile-use', profile: line.argument() }),
    show: (profile, chat) => {
      chat.closeConversation();
      chat.say(`now ${printable(profile.profile.displayName)}`);
      chat.listContacts(chat.context.agent.contacts());
    },
  },
});

export const profiles = defineCommand({
  line: {
    words: ['profiles'],
    flags: NO_FLAGS,
    parse: (args): ProfilesCommand => {
      noArguments(args);
      return { name: 'profiles' };
    },
    listing: [{ form: 'profiles', description: ['list profiles (* marks the active one)'] }],
    synopsis: 'graphchat profiles',
  },
  opens: 'database',
  run: async (_command, { agent }) => ({ active: agent.activeProfile().id, all: agent.listProfiles() }),
  print: ({ active, all }, printer) => {
    for (const profile of all) printer.emit(profileListJson(profile, profile.id === active), profileListLine(profile, profile.id === active));
  },
  slash: {
    name: '/profiles',
    description: 'list your profiles (* active)',
    parse: (): ProfilesCommand => ({ name: 'profiles' }),
    show: ({ active, all }, chat) => {
      for (const profile of all) chat.say(profileListLine(profile, profile.id === active));
    },
  },
});
