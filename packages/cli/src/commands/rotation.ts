/**
 * `profile rotation [DURATION|off]`: shows or sets how often each connection
 * of the active profile moves to new queues on its relays (graph-chat §8.6).
 *
 * The default is 7 days: a relay can follow a conversation's queue ids for
 * at most about that long, and each rotation costs four envelopes and a
 * NEW, KEY and DEL per relay per connection, once per period.
 */
import { DEFAULT_ROTATION_MS, type ProfileRecord } from '@graphchat/client';
import { expectPositional, NO_FLAGS, usage } from './arguments.js';
import { defineCommand } from './entry.js';

export interface ProfileRotationCommand {
  readonly name: 'profile-rotation';
  /** The new period in ms (0: off); null shows it. */
  readonly periodMs: number | null;
}

const UNITS: Readonly<Record<string, number>> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** `7d`, `12h`, `30m`, `2s`, `1.5h`, `500ms`, or `off` (0); null if it is none of these. */
export function parseDuration(text: string): number | null {
  if (text === 'off' || text === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)(w|d|h|m|s|ms)$/.exec(text.trim());
  if (match === null) return null;
  const ms = Math.round(Number(match[1]) * UNITS[match[2]!]!);
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/** A period in the largest unit that divides it: `7d`, `12h`, `90s`; `off` for 0. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return 'off';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  }
  return `${ms}ms`;
}

export function rotationOf(profile: ProfileRecord): number {
  return profile.rotationMs ?? DEFAULT_ROTATION_MS;
}

/** `{"profile","rotation":"7d"|"off","rotationMs"}`. */
export function rotationJson(profile: ProfileRecord): object {
  const ms = rotationOf(profile);
  return { profile: profile.id, rotation: formatDuration(ms), rotationMs: ms };
}

export function rotationLine(profile: ProfileRecord): string {
  const ms = rotationOf(profile);
  if (ms === 0) return 'queue rotation: off (each connection keeps its queues until you "graphchat rotate" it or change relays)';
  return `queue rotation: every ${formatDuration(ms)}${ms === DEFAULT_ROTATION_MS ? ' (the default)' : ''}: each connection moves to new queues about that often`;
}

export const profileRotation = defineCommand({
  line: {
    words: ['profile', 'rotation'],
    flags: NO_FLAGS,
    parse: (args): ProfileRotationCommand => {
      if (args.positional.length === 0) return { name: 'profile-rotation', periodMs: null };
      const [word] = expectPositional(args, ['DURATION|off']);
      const periodMs = parseDuration(word!);
      if (periodMs === null) throw usage(`profile rotation: ${JSON.stringify(word)} is not a duration such as 7d, 12h, 30m or 2s, or off`);
      return { name: 'profile-rotation', periodMs };
    },
    listing: [
      {
        form: 'profile rotation [DURATION|off]',
        description: [
          'show or set how often each connection moves to new queues',
          '(7d, 12h, 30m, 2s; default 7d: a relay can follow a',
          "conversation's queue ids for about that long at most, and",
          'each rotation costs four envelopes and a NEW, KEY and DEL',
          'per relay per connection)',
        ],
      },
    ],
    synopsis: 'graphchat profile rotation [DURATION|off]   (DURATION: 7d, 12h, 30m, 2s; default 7d)',
  },
  opens: 'database',
  run: async (command, { agent }): Promise<ProfileRecord> => {
    if (command.periodMs !== null) agent.setRotation(agent.activeProfile().id, command.periodMs);
    return agent.activeProfile();
  },
  print: (profile, printer) => printer.emit(rotationJson(profile), rotationLine(profile)),
});
