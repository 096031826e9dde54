/** The contacts of the active profile, with unread counts and verification badges. */
import type { ContactInfo } from '@graphchat/client';
import { avatar } from './avatar.js';
import type { AppContext } from './context.js';
import { h } from './dom.js';
import { unreadCount } from './unread.js';

function statusLine(contact: ContactInfo): string {
  if (contact.request) return 'asks to connect';
  if (contact.status === 'failed') return `failed: ${contact.failure ?? ''}`;
  if (contact.connecting) return 'connecting this device…';
  if (contact.status === 'pending') return contact.name === '' ? 'invitation not used yet' : 'connecting…';
  return contact.verified ? 'verified' : contact.channel === 'scanned' ? 'scanned in person' : 'not verified';
}

export function contactList(ctx: AppContext, selected: string | null): HTMLElement {
  const profileId = ctx.agent.activeProfile().id;
  const contacts = ctx.agent.contacts().filter((c) => c.profileId === profileId);
  if (contacts.length === 0) return h('p', { class: 'empty' }, 'No contacts yet. Add one with an invitation, or scan theirs.');
  return h(
    'ul',
    { class: 'contacts', 'aria-label': 'Contacts' },
    ...contacts.map((contact) => {
      const name = contact.name || 'New contact';
      const unread = contact.status === 'connected' ? unreadCount(ctx.agent, ctx.store, contact.id) : 0;
      return h(
        'li',
        {},
        h(
          'button',
          {
            class: 'contact',
            'aria-current': contact.id === selected ? 'true' : undefined,
            'data-contact': contact.id,
            onclick: () => ctx.show({ name: 'chat', contact: contact.id }),
          },
          avatar(contact.profile, name),
          h('span', { class: 'who' }, h('span', { class: 'name' }, name), h('span', { class: `state ${contact.verified ? 'verified' : ''}` }, statusLine(contact))),
          unread > 0 ? h('span', { class: 'unread', 'aria-label': `${unread} unread` }, String(unread)) : null,
        ),
      );
    }),
  );
}
