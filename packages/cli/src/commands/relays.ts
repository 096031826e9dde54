/**
 * `relays` lists the active profile's relays (is each reachable, how many
 * connections receive there), the relays it no longer lists that still hold
 * queues being moved away or deleted, and the moves under way;
 * `relays add ADDR` and `relays remove ADDR` change the list, and every
 * connection then moves its queues (graph-chat §8.6), step by step as
 * `graphchat sync` runs.
 *
 * JSON: one object per relay, {"relay","listed","reachable","connections",
 * "leaving"}, then one per move under way, {"move","contact","name","since"}.
 */
import type { ChatAgent } from '../session.js';
import type { ContactInfo, RelayInfo } from '@graphchat/client';
import { displayName, hideRelayPassword, printable } from '../output.js';
import type { Printer } from '../output.js';
import { expectPositional, noArguments, NO_FLAGS, nonEmpty, usage } from './arguments.js';
import { defineCommand } from './entry.js';

export interface RelaysCommand {
  readonly name: 'relays';
}

export interface RelaysAddCommand {
  readonly name: 'relays-add';
  readonly address: string;
}

export interface RelaysRemoveCommand {
  readonly name: 'relays-remove';
  readonly address: string;
}

/** How long a reachability probe may take before the relay counts as unreachable. */
export const PROBE_TIMEOUT_MS = 3000;

/** One relay as listed: the agent's RelayInfo and whether it answered a probe now. */
export interface RelayRow extends RelayInfo {
  readonly reachable: boolean;
}

/** A move of a contact's receive queues under way on this side. */
export interface MoveRow {
  readonly contact: ContactInfo;
  readonly step: NonNullable<ContactInfo['move']>['step'];
  readonly since: number;
}

export interface RelayListing {
  readonly relays: readonly RelayRow[];
  readonly moves: readonly MoveRow[];
  /** What `relays add` or `remove` changed, if anything. */
  readonly change: { readonly added: string } | { readonly removed: string } | null;
}

/** Whether the relay answers a PING within PROBE_TIMEOUT_MS. */
async function probe(agent: ChatAgent, address: string, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([agent.testRelay(address).then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The active profile's relays, each probed (concurrently), and its moves under way. */
export async function relayListing(agent: ChatAgent, change: RelayListing['change'] = null, timeoutMs = PROBE_TIMEOUT_MS): Promise<RelayListing> {
  const infos = agent.relays(agent.activeProfile().id);
  const reachable = await Promise.all(infos.map((info) => probe(agent, info.address, timeoutMs)));
  const relays = infos.map((info, i) => ({ ...info, reachable: reachable[i]! }));
  const moves = agent.contacts().flatMap((contact) => (contact.move === null ? [] : [{ contact, step: contact.move.step, since: contact.move.since }]));
  return { relays, moves, change };
}

export function relayJson(row: RelayRow): object {
  return { relay: row.address, listed: row.listed, reachable: row.reachable, connections: row.connections, leaving: row.leaving };
}

export function moveJson(move: MoveRow): object {
  return { move: move.step, contact: move.contact.id, name: move.contact.name, since: move.since };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function relayLine(row: RelayRow): string {
  const parts = [printable(hideRelayPassword(row.address)), row.reachable ? 'reachable' : 'unreachable', plural(row.connections, 'connection')];
  if (row.leaving > 0) parts.push(`${plural(row.leaving, 'queue')} leaving`);
  return parts.join('  ');
}

/** What each step of a move means, for people. */
const STEP_MEANING: Readonly<Record<MoveRow['step'], string>> = {
  wanted: 'to start: new queues are made on the next sync',
  added: 'new queues announced, waiting for the contact to send keys',
  keyed: "the contact's keys arrived, securing the new queues",
  using: 'the contact was told to switch, waiting for its test message',
};

export function moveLine(move: MoveRow): string {
  return `${displayName(move.contact)}: ${move.step} (${STEP_MEANING[move.step]}) since ${new Date(move.since).toISOString()}  ${move.contact.id}`;
}

function printListing({ relays, moves, change }: RelayListing, printer: Printer): void {
  if (change !== null) {
    const what = 'added' in change ? `added ${hideRelayPassword(change.added)}` : `removed ${hideRelayPassword(change.removed)}`;
    printer.note(`${printable(what)}: connections move on the next "graphchat sync"`);
  }
  const listed = relays.filter((row) => row.listed);
  const leaving = relays.filter((row) => !row.listed);
  for (const row of listed) printer.emit(relayJson(row), relayLine(row));
  if (leaving.length > 0) printer.note('no longer listed, still holding queues:');
  for (const row of leaving) printer.emit(relayJson(row), relayLine(row));
  if (moves.length > 0) printer.note('moves under way:');
  else printer.note('no moves under way');
  for (const move of moves) printer.emit(moveJson(move), moveLine(move));
}

function addressArgument(args: Parameters<typeof expectPositional>[0]): string {
  const [address] = expectPositional(args, ['ADDR']);
  return nonEmpty(args, 'ADDR', address!);
}

export const relays = defineCommand({
  line: {
    words: ['relays'],
    flags: NO_FLAGS,
    parse: (args): RelaysCommand => {
      if (args.positional.length > 0) throw usage(`relays: unknown subcommand ${JSON.stringify(args.positional[0])} (add or remove)`);
      noArguments(args);
      return { name: 'relays' };
    },
    listing: [
      {
        form: 'relays',
        description: [
          "the active profile's relays: reachable or not, connections",
          'receiving there; relays no longer listed still holding',
          'queues; moves under way (--json: {"relay",...} per relay,',
          'then {"move","contact",...} per move)',
        ],
      },
    ],
    synopsis: 'graphchat relays',
  },
  opens: 'database',
  networked: true,
  run: async (_command, { agent }) => relayListing(agent),
  print: printListing,
});

export const relaysAdd = defineCommand({
  line: {
    words: ['relays', 'add'],
    flags: NO_FLAGS,
    parse: (args): RelaysAddCommand => ({ name: 'relays-add', address: addressArgument(args) }),
    listing: [{ form: 'relays add ADDR', description: ['add a relay; every connection moves its queues to the', 'new list on the next syncs'] }],
    synopsis: 'graphchat relays add ADDR',
  },
  opens: 'database',
  networked: true,
  run: async (command, { agent }) => {
    agent.addRelay(agent.activeProfile().id, command.address);
    return relayListing(agent, { added: command.address });
  },
  print: printListing,
});

export const relaysRemove = defineCommand({
  line: {
    words: ['relays', 'remove'],
    flags: NO_FLAGS,
    parse: (args): RelaysRemoveCommand => ({ name: 'relays-remove', address: addressArgument(args) }),
    listing: [{ form: 'relays remove ADDR', description: ['remove a relay; connections move away from it, and', 'their queues there are deleted'] }],
    synopsis: 'graphchat relays remove ADDR',
  },
  opens: 'database',
  networked: true,
  run: async (command, { agent }) => {
    agent.removeRelay(agent.activeProfile().id, command.address);
    return relayListing(agent, { removed: command.address });
  },
  print: printListing,
});
