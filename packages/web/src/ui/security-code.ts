/**
 * A connection's security code (graph-chat §6): compare it with the
 * contact's screen, type theirs, or scan the QR code of it on their screen.
 */
import type { AgentEvent } from '@graphchat/client';
import { errorText, type AppContext, type Screen } from './context.js';
import { h, replace } from './dom.js';
import { qrCanvas } from './qr.js';
import { scanQr, type Scan } from './scanner.js';

export function securityCodeScreen(ctx: AppContext, contactId: string): Screen {
  const { agent } = ctx;
  const contact = agent.findContact(contactId);
  const result = h('p', { role: 'status' }, contact.verified ? 'Verified ✔' : 'Not verified yet.');
  const verify = (text: string): void => {
    try {
      result.textContent = agent.verifyCode(contactId, text) ? 'Verified ✔: the codes match.' : 'The codes differ: this connection may not be private. Check with your contact in person.';
    } catch (error) {
      result.textContent = errorText(error);
    }
  };
  const typed = h('input', { 'aria-label': "Contact's security code", inputmode: 'numeric', placeholder: '12345 67890 …' });
  const video = h('video', { class: 'camera', hidden: true, 'aria-label': 'Camera' });
  let scan: Scan | null = null;
  const startScan = (): void => {
    if (scan !== null) return; // one camera stream at a time
    video.hidden = false;
    scan = scanQr(video);
    scan.result.then(verify, (error: unknown) => (result.textContent = `Camera unavailable: ${errorText(error)}`));
  };
  const groups = h('p', { class: 'code', 'aria-label': 'Security code' });
  const qr = h('div', { class: 'qr small' });
  /** The code, again after a rekey (graph-chat §8.6) changed it. */
  const showCode = (): void => {
    const code = agent.securityCode(contactId);
    replace(groups, ...code.split(' ').map((group) => h('span', {}, group)));
    replace(qr, qrCanvas(code, 6, 'Security code QR code'));
  };
  showCode();
  const element = h(
    'section',
    { class: 'panel' },
    h('button', { class: 'back', 'aria-label': 'Back to the conversation', onclick: () => ctx.show({ name: 'chat', contact: contactId }) }, '‹'),
    h('h2', {}, `Security code with ${contact.name}`),
    h('p', {}, 'The same code shows on both sides only if nobody stands between you. Compare it in person or over a call, or scan the code on their screen.'),
    groups,
    qr,
    h('form', { class: 'row', onsubmit: (event: Event) => (event.preventDefault(), verify(typed.value)) }, typed, h('button', { type: 'submit' }, 'Compare')),
    h('button', { onclick: startScan }, 'Scan their code'),
    video,
    result,
  );
  return {
    element,
    update(event: AgentEvent) {
      if (event.event !== 'rekeyed' || event.contact !== contactId) return;
      showCode();
      result.textContent = 'New keys: the code changed. Not verified yet.';
    },
    close: () => scan?.stop(),
  };
}
