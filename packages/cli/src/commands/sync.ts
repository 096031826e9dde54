/** `sync`: talks to the relays until idle, printing each event as it comes. */
import { rekeyedNotice, restoredNotice, type AgentEvent, type MoveStep } from '@graphchat/client';
import { oneLine } from '../errors.js';
import { displayName, hideRelayPassword, hideRelayPasswords, printable } from '../output.js';
import type { ChatAgent } from '../session.js';
import { noArguments, single, usage } from './arguments.js';
import type { CommandArgs } from './arguments.js';
import { defineCommand } from './entry.js';

export interface SyncCommand {
  readonly name: 'sync';
  readonly timeoutSeconds: number;
  readonly idleSeconds: number;
}

const DEFAULT_SYNC_TIMEOUT_SECONDS = 30;
const DEFAULT_SYNC_IDLE_SECONDS = 1;

function seconds(args: CommandArgs, flag: string, fallback: number): number {
  const value = single(args, flag);
  if (value === null) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw usage(`${args.command}: ${flag} needs a positive number of seconds, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** An agent event goes out as it is: it already carries "event" and "contact". */
export function eventJson(event: AgentEvent): object {
  return event;
}

/** A contact's name by id, for human-readable event lines. */
export function contactNamer(agent: ChatAgent): (contactId: string) => string {
  return (contactId) => {
    const contact = agent.contacts().find((c) => c.id === contactId);
    return contact === undefined ? contactId : displayName(contact);
  };
}

/** The relays of a move event, for people. */
function relayList(relays: readonly string[]): string {
  return relays.length === 0 ? '(no relay)' : relays.map((relay) => printable(hideRelayPassword(relay))).join(', ');
}

/** One line for a step of a move of a connection's queues (graph-chat §8.6). */
export function moveLine(contact: string, step: MoveStep, relays: readonly string[]): string {
  const at = relayList(relays);
  switch (step) {
    case 'added':
      return `moving ${contact}'s connection to ${at}: new queues made and announced`;
    case 'keyed':
      return `moving ${contact}'s connection to ${at}: ${contact}'s keys arrived`;
    case 'using':
      return `moving ${contact}'s connection to ${at}: ${contact} told to switch`;
    case 'done':
      return `moved ${contact}'s connection: ${contact} now sends to ${at}`;
    case 'peer-added':
      return `${contact} is moving to ${at}: keys sent`;
    case 'peer-switched':
      return `${contact} moved: now sending to ${at}`;
    case 'deleted':
      return `old queue of ${contact}'s connection deleted on ${at}`;
  }
}

/** One line for an agent event; `nameOf` turns a contact id into a name. */
export function eventLine(event: AgentEvent, nameOf: (contactId: string) => string): string {
  switch (event.event) {
    case 'connected':
      return `connected to ${event.name !== '' ? printable(event.name) : nameOf(event.contact)}`;
    case 'request':
      return `${printable(event.name)} asks to connect: graphchat accept ${event.contact}`;
    case 'accepted':
      return `${printable(event.name)} joined through your invitation: connected once they sync`;
    case 'message':
      return `${nameOf(event.contact)}: ${printable(event.text)}`;
    case 'sent':
      return `✓ sent to ${nameOf(event.contact)} (${event.message})`;
    case 'receipt':
      return `✓✓ delivered to ${nameOf(event.contact)} (${event.message})`;
    case 'profile':
      return `${nameOf(event.contact)} is now called ${printable(event.name)}`;
    case 'mode-request':
      return `${nameOf(event.contact)} asks to go ${event.offTheRecord ? 'off' : 'back on'} the record: graphchat otr accept ${event.contact}`;
    case 'mode':
      return `the conversation with ${nameOf(event.contact)} is now ${event.offTheRecord ? 'off the record (nothing signed)' : 'on the record (signed)'}`;
    case 'relay-down':
      return `relay ${hideRelayPassword(event.relay)} unreachable: ${hideRelayPasswords(oneLine(event.reason))}`;
    case 'relay-up':
      return `relay ${hideRelayPassword(event.relay)} reachable`;
    case 'waiting':
      return `a message to ${nameOf(event.contact)} waits: ${oneLine(event.reason)}`;
    case 'rejected':
      return `rejected a message${event.contact !== null ? ` from ${nameOf(event.contact)}` : ''}: ${hideRelayPasswords(oneLine(event.reason))}`;
    case 'failed':
      return `connection with ${nameOf(event.contact)} failed: ${hideRelayPasswords(oneLine(event.reason))}`;
    case 'restored':
      return `! ${nameOf(event.contact)}: ${restoredNotice(event.device, event.missing)}`;
    case 'move':
      return moveLine(nameOf(event.contact), event.step, event.relays);
    case 'rekeyed':
      return `! ${nameOf(event.contact)}: ${rekeyedNotice(event.by)}`;
    case 'device-linked':
      return `device ${printable(event.name)} (${event.device}) linked`;
    case 'device-removed':
      return event.self ? `this device (${printable(event.name)}) was removed by another of your devices: it gets nothing new` : `device ${printable(event.name)} (${event.device}) removed`;
    case 'device-profile':
      return `profile ${printable(event.name)} (${event.profile}) arrived from your other device`;
    case 'device-contact':
      return `contact ${printable(event.name)} arrived from your other device: connected once they sync`;
    case 'device-sent':
      return `you (another device) to ${nameOf(event.contact)}: ${printable(event.text)}`;
    case 'peer-device-removed':
      return `${nameOf(event.contact)} removed one of their devices`;
  }
}

export const sync = defineCommand({
  line: {
    words: ['sync'],
    flags: { valueFlags: ['--timeout', '--idle'], booleanFlags: [] },
    parse: (args): SyncCommand => {
      noArguments(args);
      return {
        name: 'sync',
        timeoutSeconds: seconds(args, '--timeout', DEFAULT_SYNC_TIMEOUT_SECONDS),
        idleSeconds: seconds(args, '--idle', DEFAULT_SYNC_IDLE_SECONDS),
      };
    },
    listing: [
      {
        form: 'sync [--timeout S] [--idle S]',
        description: ['talk to the relays until idle for S (default 1) seconds', 'or at the timeout (default 30), printing each event'],
      },
    ],
    synopsis: 'graphchat sync [--timeout SECONDS] [--idle SECONDS]',
  },
  opens: 'database',
  networked: true,
  run: async (command, { agent, printer }) => {
    const nameOf = contactNamer(agent);
    agent.onEvent = (event) => printer.emit(eventJson(event), eventLine(event, nameOf));
    await agent.sync({ timeoutMs: Math.round(command.timeoutSeconds * 1000), idleMs: Math.round(command.idleSeconds * 1000) });
  },
});
