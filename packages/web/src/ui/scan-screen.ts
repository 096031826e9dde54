/** Scan: read a contact's invitation QR code with the camera, or paste their link. */
import { errorText, type AppContext, type Screen } from './context.js';
import { h } from './dom.js';
import { scanQr } from './scanner.js';

export function scanScreen(ctx: AppContext): Screen {
  const status = h('p', { role: 'status' }, 'Opening the camera…');
  const video = h('video', { class: 'camera', 'aria-label': 'Camera' });
  const link = h('input', { 'aria-label': 'Invitation link', placeholder: 'graphchat:/invite#…' });
  const join = async (text: string, channel: 'scanned' | 'link'): Promise<void> => {
    status.textContent = 'Connecting…';
    try {
      const { contactId } = await ctx.agent.connect(text.trim(), { channel });
      ctx.show({ name: 'chat', contact: contactId });
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  const scan = scanQr(video);
  scan.result.then(
    (text) => void join(text, 'scanned'),
    (error: unknown) => (status.textContent = `Camera unavailable (${errorText(error)}). Paste the link instead.`),
  );
  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Scan an invitation'),
    video,
    status,
    h('form', { class: 'row', onsubmit: (event: Event) => (event.preventDefault(), void join(link.value, 'link')) }, link, h('button', { type: 'submit' }, 'Connect')),
  );
  video.addEventListener('playing', () => (status.textContent = 'Point the camera at the invitation QR code.'));
  return { element, close: () => scan.stop() };
}
