/**
 * Where a device link made on another of my devices goes in: pasted, or
 * read from its QR code with the camera (the camera opens only when asked:
 * the first screen should not ask for it unprompted).
 */
import { errorText } from './context.js';
import { h } from './dom.js';
import { scanQr, type Scan } from './scanner.js';

export interface DeviceLinkField {
  readonly element: HTMLElement;
  readonly input: HTMLInputElement;
  /** How the link came: scanned from the other device's screen, or pasted. */
  channel(): 'scanned' | 'link';
  close(): void;
}

export function deviceLinkField(): DeviceLinkField {
  const input = h('input', { required: true, placeholder: 'graphchat:/device#…', autocomplete: 'off' });
  const status = h('p', { class: 'hint', role: 'status' });
  const video = h('video', { class: 'camera', hidden: true, 'aria-label': 'Camera' });
  let scan: Scan | null = null;
  let scanned = '';
  const startScan = (): void => {
    if (scan !== null) return; // one camera stream at a time
    video.hidden = false;
    status.textContent = 'Opening the camera…';
    scan = scanQr(video);
    scan.result.then(
      (text) => {
        scan = null;
        input.value = scanned = text;
        video.hidden = true;
        status.textContent = 'Device link scanned.';
      },
      (error: unknown) => {
        scan = null;
        video.hidden = true;
        status.textContent = `Camera unavailable (${errorText(error)}). Paste the link instead.`;
      },
    );
  };
  video.addEventListener('playing', () => (status.textContent = 'Point the camera at the QR code on your other device.'));
  const element = h(
    'div',
    { class: 'stack' },
    h('label', {}, 'Device link (from your other device: Devices, Link a device)', input),
    h('button', { type: 'button', onclick: startScan }, 'Scan its QR code'),
    video,
    status,
  );
  return {
    element,
    input,
    channel: () => (scanned !== '' && input.value === scanned ? 'scanned' : 'link'),
    close: () => scan?.stop(),
  };
}
