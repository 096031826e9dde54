/**
 * Link a device (devices.md §4): a one-time device link for the active
 * profile, as a QR code for the new device's camera and as a link, valid
 * for ten minutes. Once the new device joins, both show the same security
 * code; this device then shares the profile, its contacts and (if asked)
 * their history, while the app runs.
 */
import { LINK_GRACE_MS, type AgentEvent } from '@graphchat/client';
import { errorText, type AppContext, type Screen } from './context.js';
import { codeGroups } from './devices.js';
import { formatTime, h, replace } from './dom.js';
import { qrCanvas } from './qr.js';

export function linkDeviceScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const history = h('input', { type: 'checkbox' });
  const name = h('input', { required: true, maxlength: 64, value: agent.devices()[0]?.name ?? '', placeholder: 'Laptop browser' });
  const body = h('div', { class: 'invite' });
  /** Devices listed before the link was made: a `device-linked` for one of them is not the new device. */
  let known: Set<string> | null = null;
  let isLinked = false;
  let expiryTimer: ReturnType<typeof setTimeout> | null = null;

  const make = (event: Event): void => {
    event.preventDefault();
    replace(body, h('p', {}, 'Making a device link…'));
    known = new Set(agent.devices().map((d) => d.device));
    agent.linkDevice({ history: history.checked, name: name.value.trim() }).then(
      ({ link, expires }) => {
        const copied = h('span', { role: 'status' });
        const field = h('input', { readonly: true, value: link, 'aria-label': 'Device link' });
        const copy = (): void => void navigator.clipboard.writeText(link).then(() => (copied.textContent = 'Copied'), () => field.select());
        replace(
          body,
          h('p', {}, 'On the new device, choose "Link to a device you already use" and scan this code, or move the link there yourself. It works once.'),
          h('div', { class: 'qr' }, qrCanvas(link, 4, 'Device link QR code')),
          h('div', { class: 'row' }, field, h('button', { onclick: copy }, 'Copy link'), copied),
          h('p', { class: 'hint' }, `Expires at ${formatTime(expires)}. Waiting for the new device…`),
        );
        // Past its expiry (and the grace a new device's clock gets) the link is closed: the screen says so.
        expiryTimer = setTimeout(() => {
          if (!isLinked) replace(body, h('p', { role: 'status' }, 'This device link has expired without a device joining it: make a new one.'));
        }, Math.max(0, expires + LINK_GRACE_MS - Date.now()));
      },
      (error: unknown) => replace(body, h('p', { class: 'error', role: 'alert' }, `No device link: ${errorText(error)}`)),
    );
  };

  function linked(device: string, deviceName: string): void {
    isLinked = true;
    if (expiryTimer !== null) clearTimeout(expiryTimer);
    let code: HTMLElement;
    try {
      code = codeGroups(agent.deviceCode(device), 'Security code');
    } catch (error) {
      code = h('p', { class: 'hint' }, errorText(error));
    }
    replace(
      body,
      h('p', { role: 'status', class: 'linked' }, `Linked: ${deviceName}`),
      h('p', {}, `Compare this code with the one ${deviceName} shows: the same code on both means nobody stands between your devices. If they differ, remove ${deviceName} under Devices.`),
      code,
      h('p', { class: 'hint' }, 'Your profile and contacts are being shared with it while graphchat stays open here.'),
    );
  }

  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Link a device'),
    h('p', {}, 'Another device of yours (a phone, a laptop, the terminal client) gets this profile and its contacts, and writes and reads as you.'),
    h(
      'form',
      { class: 'stack', onsubmit: make },
      h('label', {}, 'A name for this device (your other devices show it)', name),
      h('label', { class: 'check' }, history, "Bring contacts' history: the conversations so far go to the new device too"),
      h('button', { type: 'submit' }, 'Make a device link'),
    ),
    body,
  );
  return {
    element,
    update(event: AgentEvent) {
      if (event.event === 'device-linked' && known !== null && !known.has(event.device)) linked(event.device, event.name);
    },
  };
}
