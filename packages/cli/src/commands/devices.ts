/**
 * `devices` lists the active profile's devices (devices.md); `device remove
 * DEVICE` removes another one; `device code DEVICE` shows the security code
 * of the channel with it, the same on both devices.
 */
import { AgentError, type DeviceInfo } from '@graphchat/client';
import { CliError } from '../errors.js';
import { printable } from '../output.js';
import type { ChatAgent } from '../session.js';
import { expectPositional, NO_FLAGS, noArguments, nonEmpty } from './arguments.js';
import type { CommandArgs } from './arguments.js';
import { defineCommand } from './entry.js';

export interface DevicesCommand {
  readonly name: 'devices';
}

/** DEVICE: an id or the name of one device. */
export interface DeviceRemoveCommand {
  readonly name: 'device-remove';
  readonly device: string;
}

export interface DeviceCodeCommand {
  readonly name: 'device-code';
  readonly device: string;
}

/** `"this": true` only on the device it runs on, as `request` on contacts. */
export function deviceJson(device: DeviceInfo): object {
  return {
    device: device.device,
    name: device.name,
    lastSeen: device.lastSeen,
    ...(device.this ? { this: true } : {}),
    removed: device.removed,
    connected: device.connected,
  };
}

function deviceState(device: DeviceInfo, thisRemoved: boolean): string {
  if (device.this) return device.removed ? 'this device, removed (it can no longer write as the profile)' : 'this device';
  if (device.removed) return 'removed';
  if (thisRemoved) return '-';
  return device.connected ? 'linked' : 'linking (finishes when both sync)';
}

export function deviceLines(list: readonly DeviceInfo[]): string[] {
  const thisRemoved = list.some((d) => d.this && d.removed);
  const rows = list.map((d) => [d.device, printable(d.name), deviceState(d, thisRemoved), d.lastSeen === null ? '-' : new Date(d.lastSeen).toISOString()]);
  const all = [['DEVICE', 'NAME', 'STATE', 'LAST SEEN'], ...rows];
  const widths = all[0]!.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  return all.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/**
 * Another device of the active profile by id, or by a name only one of the
 * devices still linked has (a removed device keeps its name).
 */
export function findDevice(agent: ChatAgent, idOrName: string): DeviceInfo {
  const list = agent.devices();
  const byId = list.find((d) => d.device === idOrName);
  if (byId !== undefined) return byId;
  const byName = list.filter((d) => d.name === idOrName && !d.removed);
  if (byName.length > 1) throw new CliError('AMBIGUOUS_DEVICE', `${byName.length} devices are named ${JSON.stringify(idOrName)}: give the id ("graphchat devices")`);
  if (byName.length === 1) return byName[0]!;
  // A removed device keeps its name: found by it only when no linked one has it.
  const removed = list.filter((d) => d.name === idOrName);
  if (removed.length === 1) return removed[0]!;
  throw new AgentError('NO_DEVICE', `no device ${JSON.stringify(idOrName)} ("graphchat devices" lists them)`);
}

function deviceArgument(args: CommandArgs): string {
  const [device] = expectPositional(args, ['DEVICE']);
  return nonEmpty(args, 'DEVICE', device!);
}

export const devices = defineCommand({
  line: {
    words: ['devices'],
    flags: NO_FLAGS,
    parse: (args): DevicesCommand => {
      noArguments(args);
      return { name: 'devices' };
    },
    listing: [{ form: 'devices', description: ["the active profile's devices, this one first"] }],
    synopsis: 'graphchat devices',
  },
  opens: 'database',
  run: async (_command, { agent }) => agent.devices(),
  print: (list, printer) => {
    // One object a device in JSON; for people, one table.
    for (const device of list) printer.emit(deviceJson(device), []);
    for (const line of deviceLines(list)) printer.note(line);
  },
});

export const deviceRemove = defineCommand({
  line: {
    words: ['device', 'remove'],
    flags: NO_FLAGS,
    parse: (args): DeviceRemoveCommand => ({ name: 'device-remove', device: deviceArgument(args) }),
    listing: [{ form: 'device remove DEVICE', description: ['remove another device (id or name): it gets nothing new', 'and can no longer write as you; the others learn it on sync'] }],
    synopsis: 'graphchat device remove DEVICE',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const device = findDevice(agent, command.device);
    agent.removeDevice(device.device);
    return findDevice(agent, device.device);
  },
  print: (device, printer) => {
    printer.emit(deviceJson(device), `removed device ${printable(device.name)} (${device.device})`);
    printer.note('"graphchat sync" tells your other devices and your contacts');
  },
});

export const deviceCode = defineCommand({
  line: {
    words: ['device', 'code'],
    flags: NO_FLAGS,
    parse: (args): DeviceCodeCommand => ({ name: 'device-code', device: deviceArgument(args) }),
    listing: [{ form: 'device code DEVICE', description: ['the security code of the channel with another device,', 'to compare on both screens'] }],
    synopsis: 'graphchat device code DEVICE',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const device = findDevice(agent, command.device);
    return { device, code: agent.deviceCode(device.device) };
  },
  print: ({ device, code }, printer) => printer.emit({ device: device.device, code }, code),
});
