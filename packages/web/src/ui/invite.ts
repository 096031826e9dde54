/**
 * Add contact: a one-time invitation as a large QR code for the other
 * person's camera, and as a link to send through another channel.
 */
import type { AgentEvent } from '@graphchat/client';
import { errorText, type AppContext, type Screen } from './context.js';
import { h, replace } from './dom.js';
import { qrCanvas } from './qr.js';

export function inviteScreen(ctx: AppContext): Screen {
  const body = h('div', { class: 'invite' }, h('p', {}, 'Making an invitation…'));
  const element = h('section', { class: 'panel' }, h('h2', {}, 'Add contact'), body);
  let contactId: string | null = null;
  ctx.agent.createInvitation().then(
    ({ link, contactId: id }) => {
      contactId = id;
      const copied = h('span', { role: 'status' });
      const field = h('input', { readonly: true, value: link, 'aria-label': 'Invitation link' });
      replace(
        body,
        h('p', {}, 'Let your contact scan this code with graphchat, or send them the link through a channel you trust. It works once.'),
        h('div', { class: 'qr' }, qrCanvas(link, 4, 'Invitation QR code')),
        h('div', { class: 'row' }, field, h('button', { onclick: () => void navigator.clipboard.writeText(link).then(() => (copied.textContent = 'Copied'), () => field.select()) }, 'Copy link'), copied),
        h('p', { class: 'hint' }, 'Waiting for your contact…'),
      );
    },
    (error: unknown) => replace(body, h('p', { class: 'error', role: 'alert' }, `No invitation: ${errorText(error)}`)),
  );
  return {
    element,
    update(event: AgentEvent) {
      if ((event.event === 'accepted' || event.event === 'connected') && event.contact === contactId) ctx.show({ name: 'chat', contact: event.contact });
    },
  };
}
