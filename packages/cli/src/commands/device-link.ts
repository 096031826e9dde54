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
import { expectPositional, nonEmpty, single, usage } from './arguments.js';
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

export interface DeviceJoinCommand {
  readonly name: 'device-join';
  readonly link: string;
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

function seconds(args: CommandArgs, flag: string): number | null {
  const value = single(args, flag);
  if (value === null) return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw usage(`${args.command}: ${flag} needs a positive number of seconds, not ${JSON.stringify(value)}`);
  return n;
}

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
  printer.note(`on the new device: graphchat --dir DIR device join LINK; waiting for it (until ${new Date(Math.min(...links.map((l) => l.expires))).toISOString()})`);
  const expiry = Math.max(...links.map((l) => l.expires));
  const deadline = command.timeoutSeconds === null ? expiry : Math.min(expiry, Date.now() + command.timeoutSeconds * 1000);
  const joined = new Map<string, string>();
  await syncUntil(
    agent,
    printer,
    (event) => {
      if (event.event === 'device-linked') joined.set(event.device, event.name);
    },
    () => joined.size >= links.length,
    deadline,
  );
  return { links, linked: [...joined].map(([device, name]) => ({ device, name, code: codeOf(agent, device) })) };
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
        timeoutSeconds: seconds(args, '--timeout'),
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
    if (linked.length === 0) throw new CliError('NOT_LINKED', 'no device joined before the link expired: make a new link with "graphchat device link"');
    for (const device of linked) {
      printer.emit({ linked: device }, `linked device ${printable(device.name)} (${device.device})${device.code !== null ? `: security code ${device.code}` : ''}`);
    }
    if (linked.length < links.length) printer.note(`${links.length - linked.length} of the links were not used`);
  },
  failure: ({ links, linked }) => (linked.length < links.length ? `${links.length - linked.length} of ${links.length} links not used before they expired` : null),
});

interface JoinResult {
  readonly device: string;
  readonly profile: string;
  readonly linked: boolean;
}

async function runJoin(command: DeviceJoinCommand, { agent, printer }: SessionContext): Promise<JoinResult> {
  const { profileId } = await agent.joinDevice(command.link, { name: command.deviceName });
  let linked = false;
  let profileArrived = false;
  await syncUntil(
    agent,
    printer,
    (event) => {
      if (event.event === 'device-linked') linked = true;
      if (event.event === 'device-profile' && event.profile === profileId) profileArrived = true;
    },
    () => linked && profileArrived,
    Date.now() + command.timeoutSeconds * 1000,
  );
  // Not thrown: a database created for this join keeps what was joined, for "graphchat sync" to finish.
  return { device: agent.devices().find((d) => d.this)!.device, profile: profileId, linked: linked && profileArrived };
}

export const deviceJoin = defineCommand({
  line: {
    words: ['device', 'join'],
    flags: { valueFlags: ['--name', '--timeout'], booleanFlags: [] },
    parse: (args): DeviceJoinCommand => {
      const [link] = expectPositional(args, ['LINK']);
      return {
        name: 'device-join',
        link: nonEmpty(args, 'LINK', link!),
        deviceName: nameFlag(args) ?? hostname(),
        timeoutSeconds: seconds(args, '--timeout') ?? DEFAULT_JOIN_TIMEOUT_SECONDS,
      };
    },
    listing: [
      {
        form: 'device join LINK [--name THIS_DEVICE] [--timeout S]',
        description: [
          'on the new device (its database is created if missing):',
          'join a device link, wait (default 60 s) for the profile',
        ],
      },
    ],
    synopsis: 'graphchat device join LINK [--name THIS_DEVICE_NAME] [--timeout SECONDS]',
  },
  opens: 'database or new',
  networked: true,
  run: runJoin,
  print: (result, printer) => {
    if (!result.linked) return;
    printer.emit(result, `linked: this device (${result.device}) now has profile ${result.profile}`);
    printer.note('"graphchat contacts" and "graphchat history CONTACT" show what was shared; the contacts connect on later syncs');
  },
  failure: ({ linked }) => (linked ? null : 'joined, but the other device has not shared the profile yet: run "graphchat sync" on both to finish'),
});
