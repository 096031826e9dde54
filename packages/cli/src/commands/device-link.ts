/**
 * `device link` and `device join` (devices.md §4): one device makes a link
 * for a profile, the new one joins it; both then run the agent until the
 * device channel is connected and the profile (with its contacts and, if
 * asked, their messages) has been shared. Either may be interrupted: the
 * agent finishes the linking by itself on the next `graphchat sync`.
 */
import { hostname } from 'node:os';
import { AgentError, type AgentEvent } from '@graphchat/client';
import { CliError } from '../errors.js';
import { printable, withQr } from '../output.js';
import type { Printer } from '../output.js';
import type { ChatAgent } from '../session.js';
import { expectPositional, nonEmpty, positiveSeconds, single, usage } from './arguments.js';
import type { CommandArgs } from './arguments.js';
import type { SessionContext } from './context.js';
import { defineCommand } from './entry.js';
import { profileIdOf } from './profiles.js';
import { contactNamer, eventJson, eventLine } from './sync.js';

/** `profiles` empty: the active profile. `timeoutSeconds` null: until the links expire. */
export interface DeviceLinkCommand {
  readonly name: 'device-link';
  readonly profiles: readonly string[];
  readonly history: boolean;
  readonly qr: boolean;
  readonly deviceName: string | null;
  readonly timeoutSeconds: number | null;
}

/** Several links: one per profile, from one `device link --profile ... --profile ...`. */
export interface DeviceJoinCommand {
  readonly name: 'device-join';
  readonly links: readonly string[];
  /** This device's name for the others: the host name unless --name. */
  readonly deviceName: string;
  readonly timeoutSeconds: number;
}

const DEFAULT_JOIN_TIMEOUT_SECONDS = 60;
/**
 * Each sync round ends after this long with nothing to do, and the next
 * opens the relay sessions again: short, so that a round that sent the
 * share ends soon after, long enough not to reconnect all the time.
 */
const ROUND_IDLE_MS = 1000;

function nameFlag(args: CommandArgs): string | null {
  const name = single(args, '--name');
  return name === null ? null : nonEmpty(args, '--name', name);
}

/**
 * Runs the agent round after round, printing its events, until `done` or
 * `deadline` (ms). A round ends only when idle, so the round in which `done`
 * became true has also sent what followed from it (the share).
 */
async function syncUntil(agent: ChatAgent, printer: Printer, seen: (event: AgentEvent) => void, done: () => boolean, deadline: number): Promise<void> {
  const nameOf = contactNamer(agent);
  agent.onEvent = (event) => {
    seen(event);
    printer.emit(eventJson(event), eventLine(event, nameOf));
  };
  while (!done() && Date.now() < deadline) await agent.sync({ timeoutMs: deadline - Date.now(), idleMs: ROUND_IDLE_MS });
}

interface MadeLink {
  readonly link: string;
  readonly profile: string;
  readonly expires: number;
}

interface LinkedDevice {
  readonly device: string;
  readonly name: string;
  /** The channel's security code; null for a device of a profile that is not the active one (the agent shows the active profile's). */
  readonly code: string | null;
}

interface LinkResult {
  readonly links: readonly MadeLink[];
  /** Device channels connected: one per link used. */
  readonly channels: number;
  /** The devices that joined, each once. */
  readonly linked: readonly LinkedDevice[];
}

function codeOf(agent: ChatAgent, device: string): string | null {
  try {
    return agent.deviceCode(device);
  } catch (error) {
    if (error instanceof AgentError && error.code === 'NO_DEVICE') return null;
    throw error;
  }
}

async function runLink(command: DeviceLinkCommand, { agent, printer, renderQr }: SessionContext): Promise<LinkResult> {
  const profiles = command.profiles.length === 0 ? [agent.activeProfile().id] : [...new Set(command.profiles.map((p) => profileIdOf(agent, p)))];
  const links: MadeLink[] = [];
  for (const profile of profiles) {
    const { link, expires } = await agent.linkDevice({ profileId: profile, history: command.history, ...(command.deviceName !== null ? { name: command.deviceName } : {}) });
    links.push({ link, profile, expires });
    // Printed at once: the new device needs it while this one waits.
    const qr = command.qr ? await renderQr(link) : null;
    printer.emit({ link, profile, expires, ...(qr !== null ? { qr } : {}) }, withQr(link, qr));
  }
  const expiry = Math.max(...links.map((l) => l.expires));
  const deadline = command.timeoutSeconds === null ? expiry : Math.min(expiry, Date.now() + command.timeoutSeconds * 1000);
  printer.note(`on the new device: graphchat --dir DIR device join LINK; waiting for it until ${new Date(deadline).toISOString()}`);
  // One device-linked a channel, so one a link: a device that joins the links of several profiles is counted for each.
  const joined = new Map<string, string>();
  let channels = 0;
  await syncUntil(
    agent,
    printer,
    (event) => {
      if (event.event !== 'device-linked') return;
      channels++;
      joined.set(event.device, event.name);
    },
    () => channels >= links.length,
    deadline,
  );
  return { links, channels, linked: [...joined].map(([device, name]) => ({ device, name, code: codeOf(agent, device) })) };
}

export const deviceLink = defineCommand({
  line: {
    words: ['device', 'link'],
    flags: { valueFlags: ['--profile', '--name', '--timeout'], booleanFlags: ['--history', '--qr'], repeatable: ['--profile'] },
    parse: (args): DeviceLinkCommand => {
      expectPositional(args, []);
      return {
        name: 'device-link',
        profiles: (args.values.get('--profile') ?? []).map((p) => nonEmpty(args, '--profile', p)),
        history: args.booleans.has('--history'),
        qr: args.booleans.has('--qr'),
        deviceName: nameFlag(args),
        timeoutSeconds: positiveSeconds(args, '--timeout'),
      };
    },
    listing: [
      {
        form: 'device link [--profile ID|NAME ...] [--history] [--qr] [--name THIS_DEVICE]\n     [--timeout S]',
        description: [
          'link a new device: print a one-time link (10 min) per',
          'profile, then wait until the new device joined and got',
          'the profile, its contacts and (--history) their messages;',
          'if interrupted, "graphchat sync" finishes the linking',
        ],
      },
    ],
    synopsis: 'graphchat device link [--profile ID|NAME ...] [--history] [--qr] [--name THIS_DEVICE_NAME]\n         [--timeout SECONDS]',
  },
  opens: 'database',
  networked: true,
  run: runLink,
  print: ({ links, linked }, printer) => {
    if (linked.length === 0) {
      const expiry = Math.max(...links.map((l) => l.expires));
      // Past the timeout but not the expiry, the link still works: the agent finishes it on a later sync.
      const still = Date.now() < expiry ? `: the link works until ${new Date(expiry).toISOString()}, and a device that joins it by then is linked on "graphchat sync" here` : ': make a new link with "graphchat device link"';
      throw new CliError('NOT_LINKED', `no device joined the link yet${still}`);
    }
    for (const device of linked) {
      printer.emit({ linked: device }, `linked device ${printable(device.name)} (${device.device})${device.code !== null ? `: security code ${device.code}` : ''}`);
    }
  },
  failure: ({ links, channels }) => (channels < links.length ? `${links.length - channels} of ${links.length} links not used yet (a later "graphchat sync" finishes any joined before they expire)` : null),
});

interface JoinResult {
  readonly device: string;
  readonly profile: string;
  readonly linked: boolean;
  /** The security code of the channel with the device that made the link, to compare with the one it shows. */
  readonly code?: string;
}

async function runJoin(command: DeviceJoinCommand, { agent, printer }: SessionContext): Promise<JoinResult[]> {
  const profiles: string[] = [];
  for (const link of command.links) {
    const { profileId } = await agent.joinDevice(link, { name: command.deviceName });
    profiles.push(profileId);
    const device = agent.devices().find((d) => d.this)!.device;
    // Joined: the confirmation is on its way. Said before the wait, so that a script knows the ids at once.
    printer.emit({ device, profile: profileId, linked: false }, `joined the link as device ${device}: waiting for the other device to share the profile`);
  }
  let channels = 0;
  const arrived = new Set<string>();
  const linkers: string[] = [];
  await syncUntil(
    agent,
    printer,
    (event) => {
      if (event.event === 'device-linked') {
        channels++;
        linkers.push(event.device);
      }
      if (event.event === 'device-profile') arrived.add(event.profile);
    },
    () => channels >= profiles.length && profiles.every((p) => arrived.has(p)),
    Date.now() + command.timeoutSeconds * 1000,
  );
  const device = agent.devices().find((d) => d.this)!.device;
  // Not thrown: a database created for this join keeps what was joined, for "graphchat sync" to finish.
  const code = linkers.length > 0 ? codeOf(agent, linkers[0]!) : null;
  return profiles.map((profile) => ({ device, profile, linked: channels >= profiles.length && arrived.has(profile), ...(code !== null ? { code } : {}) }));
}

export const deviceJoin = defineCommand({
  line: {
    words: ['device', 'join'],
    flags: { valueFlags: ['--name', '--timeout'], booleanFlags: [] },
    parse: (args): DeviceJoinCommand => {
      if (args.positional.length === 0) throw usage(`${args.command}: missing LINK (usage: graphchat device join LINK [LINK ...])`);
      return {
        name: 'device-join',
        links: args.positional.map((link) => nonEmpty(args, 'LINK', link)),
        deviceName: nameFlag(args) ?? hostname(),
        timeoutSeconds: positiveSeconds(args, '--timeout') ?? DEFAULT_JOIN_TIMEOUT_SECONDS,
      };
    },
    listing: [
      {
        form: 'device join LINK [LINK ...] [--name THIS_DEVICE] [--timeout S]',
        description: [
          'on the new device (its database is created if missing):',
          'join device links (one per profile), wait (default 60 s)',
          'for the profiles',
        ],
      },
    ],
    synopsis: 'graphchat device join LINK [LINK ...] [--name THIS_DEVICE_NAME] [--timeout SECONDS]',
  },
  opens: 'database or new',
  networked: true,
  run: runJoin,
  print: (results, printer) => {
    if (!results.every((r) => r.linked)) return;
    for (const result of results) printer.emit(result, `linked: this device (${result.device}) now has profile ${result.profile}${result.code !== undefined ? `; security code ${result.code} (the other device shows the same)` : ''}`);
    printer.note('"graphchat contacts" and "graphchat history CONTACT" show what was shared; the contacts connect on later syncs');
  },
  failure: (results) => (results.every((r) => r.linked) ? null : 'joined, but the other device has not shared the profile yet: run "graphchat sync" on both to finish'),
});
