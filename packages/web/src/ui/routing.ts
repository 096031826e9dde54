/**
 * The active profile's private routing setting (EMP §7.8): whether its
 * messages to contacts' relays go through its own relays, so that those
 * relays never learn this device's address.
 */
import { PRIVATE_ROUTING_SETTINGS, privateRoutingOf, type PrivateRouting } from '@graphchat/client';
import { errorText, type AppContext } from './context.js';
import { h } from './dom.js';

const LABELS: Readonly<Record<PrivateRouting, string>> = {
  always: 'Always through my relays',
  'unknown-relays': "Through my relays to relays that aren't mine (default)",
  never: 'Never: connect to contacts’ relays directly',
};

export function routingSettings(ctx: AppContext): HTMLElement {
  const { agent } = ctx;
  const status = h('p', { role: 'status' });
  const current = privateRoutingOf(agent.activeProfile());
  const select = h(
    'select',
    {
      'aria-label': 'Private routing',
      onchange: () => {
        try {
          agent.setPrivateRouting(agent.activeProfile().id, select.value as PrivateRouting);
          status.textContent = 'Saved. The next messages follow it.';
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    },
    ...PRIVATE_ROUTING_SETTINGS.map((setting) => h('option', { value: setting, selected: setting === current }, LABELS[setting])),
  );
  return h(
    'div',
    { class: 'stack' },
    h('h3', {}, 'Private routing'),
    h('p', {}, "Messages to a contact's relay can go through your own relays, so that relay never learns your address. Your own relays see it, as they do when you receive."),
    h('label', {}, 'Send through my relays', select),
    status,
  );
}
