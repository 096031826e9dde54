/** `profile`: shows the active profile or edits it (in the chat: /name). */
import { readFileSync } from 'node:fs';
import type { ProfileData, ProfileRecord } from '@graphchat/client';
import { MAX_IMAGE_BYTES } from '@graphchat/core';
import { CliError } from '../errors.js';
import { hideRelayPassword, printable } from '../output.js';
import { nonEmpty, single, usage } from './arguments.js';
import { defineCommand } from './entry.js';
import { routingLine } from './routing.js';

export interface ProfileCommand {
  readonly name: 'profile';
  readonly displayName: string | null;
  readonly fullName: string | null;
  readonly status: string | null;
  /** Path of an image file for the avatar; '' removes it. */
  readonly image: string | null;
}

export function profileJson(profile: ProfileRecord): object {
  const p = profile.profile;
  return {
    profile: profile.id,
    name: p.displayName,
    ...(p.fullName !== undefined ? { fullName: p.fullName } : {}),
    ...(p.status !== undefined ? { status: p.status } : {}),
    relays: [...profile.relays],
    ...(profile.sessionPerConnection ? { sessionPerConnection: true } : {}),
    ...((profile.queuesPerRelay ?? 1) > 1 ? { queuesPerRelay: profile.queuesPerRelay } : {}),
    ...(profile.privateRouting !== undefined ? { privateRouting: profile.privateRouting } : {}),
  };
}

export function profileLines(profile: ProfileRecord): string[] {
  const p = profile.profile;
  const lines = [`name: ${printable(p.displayName)}`];
  if (p.fullName !== undefined) lines.push(`full name: ${printable(p.fullName)}`);
  if (p.status !== undefined) lines.push(`status: ${printable(p.status)}`);
  if (p.image !== undefined) lines.push(`image: ${p.image.length} bytes`);
  lines.push(`relays: ${profile.relays.map((relay) => printable(hideRelayPassword(relay))).join(' ')}`);
  if (profile.sessionPerConnection) lines.push('one relay session per contact');
  if ((profile.queuesPerRelay ?? 1) > 1) lines.push(`${profile.queuesPerRelay} queues per relay for each contact`);
  if (profile.privateRouting !== undefined) lines.push(routingLine(profile));
  lines.push(`id: ${profile.id}`);
  return lines;
}

/**
 * The profile with the edits of `profile --name/--full-name/--status/--image`;
 * an empty value removes an optional field. `image` is the new image's bytes.
 */
function editedProfile(
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

interface Shown {
  readonly profile: ProfileRecord;
  readonly edited: boolean;
}

export const profile = defineCommand({
  line: {
    words: ['profile'],
    flags: { valueFlags: ['--name', '--full-name', '--status', '--image'], booleanFlags: [] },
    parse: (args): ProfileCommand => {
      if (args.positional.length > 0) {
        throw usage(`profile: unknown subcommand ${JSON.stringify(args.positional[0])} (new, use, or flags to edit)`);
      }
      const displayName = single(args, '--name');
      if (displayName !== null) nonEmpty(args, '--name', displayName);
      return { name: 'profile', displayName, fullName: single(args, '--full-name'), status: single(args, '--status'), image: single(args, '--image') };
    },
    listing: [{ form: 'profile [--name N] [--full-name F] [--status S] [--image FILE]', description: ['show or edit the active profile'] }],
    synopsis: 'graphchat profile [--name NAME] [--full-name FULL] [--status STATUS] [--image FILE]',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<Shown> => {
    const current = agent.activeProfile();
    const edited = command.displayName !== null || command.fullName !== null || command.status !== null || command.image !== null;
    const image = command.image === null ? null : readImage(command.image);
    if (edited) agent.updateProfile(current.id, editedProfile(current.profile, command, image));
    return { profile: edited ? agent.activeProfile() : current, edited };
  },
  print: ({ profile, edited }, printer) => {
    printer.emit(profileJson(profile), profileLines(profile));
    if (edited) printer.note('contacts see the change after the next "graphchat sync"');
  },
  slash: {
    name: '/name',
    argument: 'NEW',
    description: 'change your display name (contacts see it)',
    parse: (line): ProfileCommand => ({ name: 'profile', displayName: line.argument(), fullName: null, status: null, image: null }),
    show: ({ profile }, chat) => chat.say(`you are now ${profile.profile.displayName}`),
  },
});
