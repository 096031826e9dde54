/**
 * The unlocked client: a top bar (profile switch, actions, relay state), the
 * contact list, and one screen in the main pane. On a phone the list and the
 * screen take turns (styles.css, by `data-view`).
 */
import type { AgentEvent } from '@graphchat/client';
import type { WebSession } from '../session.js';
import { contactList } from './contacts.js';
import type { AppContext, Screen, View } from './context.js';
import { conversationScreen } from './conversation.js';
import { devicesScreen } from './devices.js';
import { h, replace } from './dom.js';
import { inviteScreen } from './invite.js';
import { joinDeviceScreen } from './join-device.js';
import { linkDeviceScreen } from './link-device.js';
import { newProfileScreen, profileScreen } from './profile.js';
import { proofScreen } from './proof.js';
import { relaysScreen } from './relays.js';
import { scanScreen } from './scan-screen.js';
import { securityCodeScreen } from './security-code.js';

function homeScreen(): Screen {
  return {
    element: h(
      'section',
      { class: 'panel welcome' },
      h('h2', {}, 'Private conversations, no identifiers'),
      h('p', {}, 'To connect with someone, show them an invitation (Add contact) or scan theirs (Scan). Nobody needs a phone number or a user name, and the relays see neither who you are nor who you talk to.'),
    ),
  };
}

function makeScreen(ctx: AppContext, view: View): Screen {
  switch (view.name) {
    case 'home':
      return homeScreen();
    case 'chat':
      return conversationScreen(ctx, view.contact);
    case 'code':
      return securityCodeScreen(ctx, view.contact);
    case 'invite':
      return inviteScreen(ctx);
    case 'scan':
      return scanScreen(ctx);
    case 'relays':
      return relaysScreen(ctx);
    case 'proof':
      return proofScreen(ctx);
    case 'profile':
      return profileScreen(ctx);
    case 'new-profile':
      return newProfileScreen(ctx);
    case 'devices':
      return devicesScreen(ctx);
    case 'link-device':
      return linkDeviceScreen(ctx);
    case 'join-device':
      return joinDeviceScreen(ctx);
  }
}

export function startApp(root: HTMLElement, session: WebSession): void {
  const { agent } = session;
  const sidebar = h('nav', { class: 'sidebar', 'aria-label': 'Conversations' });
  const main = h('main', { class: 'main' });
  const profiles = h('select', { 'aria-label': 'Profile' });
  const online = h('span', { class: 'online', role: 'status' }, 'connecting…');
  /** Asked of the agent rather than counted from events: a session may have come up before the app (while a device link was joined). */
  const showOnline = (): void => {
    const up = agent.listProfiles().some((p) => agent.relays(p.id).some((relay) => relay.up === true));
    online.textContent = up ? 'online' : 'offline';
    online.classList.toggle('up', up);
  };
  let view: View = { name: 'home' };
  let screen: Screen = homeScreen();

  const ctx: AppContext = {
    agent,
    store: session.store,
    show(next) {
      screen.close?.();
      view = next;
      screen = makeScreen(ctx, next);
      replace(main, screen.element);
      root.dataset['view'] = next.name;
      renderSidebar();
      screen.element.querySelector<HTMLElement>('input, textarea')?.focus();
    },
  };

  function renderProfiles(): void {
    const active = agent.activeProfile().id;
    replace(
      profiles,
      ...agent.listProfiles().map((p) => h('option', { value: p.id, selected: p.id === active }, p.profile.displayName)),
      h('option', { value: '' }, 'New profile…'),
    );
  }
  profiles.addEventListener('change', () => {
    if (profiles.value === '') return ctx.show({ name: 'new-profile' });
    agent.setActiveProfile(profiles.value);
    ctx.show({ name: 'home' });
  });
  function renderSidebar(): void {
    renderProfiles();
    replace(sidebar, contactList(ctx, view.name === 'chat' ? view.contact : null));
  }

  agent.onEvent = (event: AgentEvent) => {
    if (event.event === 'relay-up' || event.event === 'relay-down') showOnline();
    // Another of my devices removed this one: its connections are closed, and the Devices screen says so.
    if (event.event === 'device-removed' && event.self) ctx.show({ name: 'devices' });
    // The screen first: an open conversation marks what arrived as read before the list counts unread messages.
    screen.update?.(event);
    renderSidebar();
  };

  const action = (label: string, next: View): HTMLElement => h('button', { onclick: () => ctx.show(next) }, label);
  root.className = 'app';
  replace(
    root,
    h(
      'header',
      { class: 'topbar' },
      h('h1', {}, 'graphchat'),
      profiles,
      h('div', { class: 'actions' }, action('Add contact', { name: 'invite' }), action('Scan', { name: 'scan' }), action('Profile', { name: 'profile' }), action('Devices', { name: 'devices' }), action('Relays', { name: 'relays' }), action('Verify proof', { name: 'proof' })),
      online,
    ),
    sidebar,
    main,
  );
  ctx.show({ name: 'home' });
  // "connecting…" until a session is tried; one tried already (while a device link was joined) shows as it is.
  if (agent.listProfiles().some((p) => agent.relays(p.id).some((relay) => relay.up !== null))) showOnline();
}
