/**
 * Devices (devices.md): the active profile's devices with when each was
 * last heard from, the security code of this device's channel with each,
 * and removing one (it gets nothing new and can no longer write as me).
 */
import type { AgentEvent, DeviceInfo } from '@graphchat/client';
import { errorText, type AppContext, type Screen } from './context.js';
import { formatTime, h, replace } from './dom.js';

function stateText(device: DeviceInfo, selfRemoved: boolean): string {
  if (device.this) return device.removed ? 'this device, removed' : 'this device';
  if (device.removed) return 'removed';
  const seen = device.lastSeen === null ? 'not heard from yet' : `last seen ${formatTime(device.lastSeen)}`;
  return device.connected || selfRemoved ? seen : `connecting… (${seen})`;
}

/** A security code as the groups the security code screen shows. */
export function codeGroups(code: string, label: string): HTMLElement {
  return h('p', { class: 'code', 'aria-label': label }, ...code.split(' ').map((group) => h('span', {}, group)));
}

export function devicesScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const list = h('ul', { class: 'devices', 'aria-label': 'Devices' });
  const message = h('p', { role: 'status' });
  /** The device whose removal waits for a second click, and those whose code is open; kept across renders. */
  let removing: string | null = null;
  const codesShown = new Set<string>();

  const remove = (device: DeviceInfo): void => {
    try {
      agent.removeDevice(device.device);
      message.textContent = `${device.name} is removed: it gets nothing new, and your contacts stop taking messages from it.`;
    } catch (error) {
      message.textContent = errorText(error);
    }
    removing = null;
    render();
  };
  const toggle = (set: Set<string>, id: string): void => void (set.has(id) ? set.delete(id) : set.add(id));

  function item(device: DeviceInfo, selfRemoved: boolean): HTMLElement {
    const name = device.name || 'Unnamed device';
    const code = codesShown.has(device.device) ? codeOf(device) : null;
    const actions =
      // A removed device can neither remove another nor reach it.
      device.this || device.removed || selfRemoved
        ? null
        : removing === device.device
          ? h(
              'div',
              { class: 'row' },
              `Remove ${name}? It can no longer read or write as you.`,
              h('button', { onclick: () => remove(device) }, `Yes, remove ${name}`),
              h('button', { onclick: () => ((removing = null), render()) }, 'Cancel'),
            )
          : h(
              'div',
              { class: 'row' },
              h('button', { onclick: () => (toggle(codesShown, device.device), render()) }, code === null ? 'Security code' : 'Hide code'),
              h('button', { onclick: () => ((removing = device.device), render()) }, 'Remove'),
            );
    return h('li', { 'data-device': device.device }, h('span', { class: 'name' }, name), ' · ', h('span', { class: 'state' }, stateText(device, selfRemoved)), code, actions);
  }
  function codeOf(device: DeviceInfo): HTMLElement {
    try {
      return h('div', {}, h('p', {}, `The same code shows on ${device.name} if nobody stands between your devices:`), codeGroups(agent.deviceCode(device.device), `Security code with ${device.name}`));
    } catch (error) {
      return h('p', { class: 'hint' }, errorText(error));
    }
  }
  function render(): void {
    const devices = agent.devices();
    const selfRemoved = devices.some((d) => d.this && d.removed);
    replace(list, ...devices.map((device) => item(device, selfRemoved)));
  }
  render();

  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Devices'),
    h('p', {}, 'Your devices share this profile: its contacts, and what you write from any of them. Your contacts see one person.'),
    list,
    message,
    h(
      'div',
      { class: 'row' },
      // A removed device can't link another to the profile (DEVICE_REMOVED): not offered.
      agent.devices().some((d) => d.this && d.removed) ? null : h('button', { onclick: () => ctx.show({ name: 'link-device' }) }, 'Link a device'),
      h('button', { onclick: () => ctx.show({ name: 'join-device' }) }, 'Add a profile from another device'),
    ),
  );
  return {
    element,
    update(event: AgentEvent) {
      if (event.event === 'device-removed' && event.self) message.textContent = 'This device was removed from the profile by another of your devices: it gets nothing new.';
      // Only on device news: a render replaces the buttons, and one between a press and its release loses the click.
      if (event.event === 'device-linked' || event.event === 'device-removed' || event.event === 'device-profile') render();
    },
  };
}
