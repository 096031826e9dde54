/**
 * `profile routing [always|unknown|never]`: shows or sets when the active
 * profile's messages to contacts' relays go through its own relays, so those
 * relays never learn this computer's address (EMP §7.8).
 */
import { privateRoutingOf, type PrivateRouting, type ProfileRecord } from '@graphchat/client';
import { expectPositional, NO_FLAGS, usage } from './arguments.js';
import { defineCommand } from './entry.js';

export interface ProfileRoutingCommand {
  readonly name: 'profile-routing';
  /** Null shows the setting. */
  readonly setting: PrivateRouting | null;
}

/** The words a user types, and the setting each one means. */
const WORDS: Readonly<Record<string, PrivateRouting>> = { always: 'always', unknown: 'unknown-relays', 'unknown-relays': 'unknown-relays', never: 'never' };

/** What each setting does, in a sentence. */
const MEANING: Readonly<Record<PrivateRouting, string>> = {
  always: 'always through your own relays (to your own relays too, when you have two)',
  'unknown-relays': "through your own relays to relays that are not yours; your contacts' relays don't see your address",
  never: "directly: your contacts' relays see your address",
};

export function routingJson(profile: ProfileRecord): object {
  return { profile: profile.id, privateRouting: privateRoutingOf(profile) };
}

export function routingLine(profile: ProfileRecord): string {
  const setting = privateRoutingOf(profile);
  return `private routing: ${setting === 'unknown-relays' ? 'unknown' : setting} (messages go ${MEANING[setting]})`;
}

export const profileRouting = defineCommand({
  line: {
    words: ['profile', 'routing'],
    flags: NO_FLAGS,
    parse: (args): ProfileRoutingCommand => {
      if (args.positional.length === 0) return { name: 'profile-routing', setting: null };
      const [word] = expectPositional(args, ['always|unknown|never']);
      const setting = WORDS[word!];
      if (setting === undefined) throw usage(`profile routing: ${JSON.stringify(word)} is not always, unknown or never`);
      return { name: 'profile-routing', setting };
    },
    listing: [
      {
        form: 'profile routing [always|unknown|never]',
        description: ["show or set when messages to contacts' relays go through", 'your own relays (default unknown: to relays that are not yours)'],
      },
    ],
    synopsis: 'graphchat profile routing [always|unknown|never]',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<ProfileRecord> => {
    if (command.setting !== null) agent.setPrivateRouting(agent.activeProfile().id, command.setting);
    return agent.activeProfile();
  },
  print: (profile, printer) => printer.emit(routingJson(profile), routingLine(profile)),
});
