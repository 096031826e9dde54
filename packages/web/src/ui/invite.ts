/**
 * Add contact: a one-time invitation as a large QR code for the other
 * person's camera, and as a link to send through another channel; on or
 * off the record (graph-chat §8.5).
 */
import type { AgentEvent } from '@graphchat/client';
import { errorText, type AppContext, type Screen } from './context.js';
import { h, replace } from './dom.js';
import { qrCanvas } from './qr.js';

export function inviteScreen(ctx: AppContext): Screen {
  const body = h('div', { class: 'invite' });
  const offTheRecord = h('input', { type: 'checkbox' });
  let contactId: string | null = null;

  /** Shows a new invitation; one made before for the other mode stays unused (and lists as such). */
  function invite(otr: boolean): void {
    replace(body, h('p', {}, 'Making an invitation…'));
    contactId = null;
    ctx.agent.createInvitation({ offTheRecord: otr }).then(
      ({ link, contactId: id }) => {
        contactId = id;
        const copied = h('span', { role: 'status' });
        const field = h('input', { readonly: true, value: link, 'aria-label': 'Invitation link' });
        const copy = (): void => void navigator.clipboard.writeText(link).then(() => (copied.textContent = 'Copied'), () => field.select());
        replace(
          body,
          h('p', {}, 'Let your contact scan this code with graphchat, or send them the link through a channel you trust. It works once.'),
          h('div', { class: 'qr' }, qrCanvas(link, 4, 'Invitation QR code')),
          h('div', { class: 'row' }, field, h('button', { onclick: copy }, 'Copy link'), copied),
          h('p', { class: 'hint' }, 'Waiting for your contact…'),
        );
      },
      (error: unknown) => replace(body, h('p', { class: 'error', role: 'alert' }, `No invitation: ${errorText(error)}`)),
    );
  }
  offTheRecord.addEventListener('change', () => invite(offTheRecord.checked));
  invite(false);

  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Add contact'),
    h('label', { class: 'check' }, offTheRecord, 'Off the record: nothing in this conversation is signed, so neither of you can prove what the other wrote'),
    body,
  );
  return {
    element,
    update(event: AgentEvent) {
      if ((event.event === 'accepted' || event.event === 'connected') && event.contact === contactId) ctx.show({ name: 'chat', contact: event.contact });
    },
  };
}
