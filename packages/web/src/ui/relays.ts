/**
 * Relay settings of the active profile: the relays its new connections
 * use, adding one by address (with the access password of a private
 * relay), a connection test, and the private routing setting.
 */
import { formatRelayAddress, parseRelayAddress } from '@graphchat/core';
import { errorText, type AppContext, type Screen } from './context.js';
import { h, replace } from './dom.js';
import { routingSettings } from './routing.js';

/** The address with `password` set (or left as it is when empty). */
function withPassword(address: string, password: string): string {
  return password === '' ? address.trim() : formatRelayAddress({ ...parseRelayAddress(address), password });
}

/** The address without its password, for display. */
function shown(address: string): string {
  try {
    const parsed = parseRelayAddress(address);
    return formatRelayAddress({ ...parsed, password: '' }) + (parsed.password ? ' (private)' : '');
  } catch {
    return address;
  }
}

export function relaysScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const list = h('ul', { class: 'relays', 'aria-label': 'Relays' });
  const status = h('p', { role: 'status' });
  const address = h('input', { 'aria-label': 'Relay address', placeholder: 'emp://…@host:port' });
  const password = h('input', { 'aria-label': 'Access password (private relays)', type: 'password', autocomplete: 'off' });

  const test = async (relay: string): Promise<void> => {
    status.textContent = `Testing ${shown(relay)}…`;
    try {
      await agent.testRelay(relay);
      status.textContent = `${shown(relay)} answers, and its identity matches the address.`;
    } catch (error) {
      status.textContent = `${shown(relay)}: ${errorText(error)}`;
    }
  };
  const save = (relays: string[]): void => {
    try {
      agent.updateRelays(agent.activeProfile().id, relays);
      render();
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  function render(): void {
    const relays = agent.activeProfile().relays;
    replace(
      list,
      ...relays.map((relay) =>
        h(
          'li',
          {},
          h('code', {}, shown(relay)),
          h('button', { onclick: () => void test(relay) }, 'Test'),
          h('button', { onclick: () => save(relays.filter((r) => r !== relay)), disabled: relays.length === 1 }, 'Remove'),
        ),
      ),
    );
  }
  const add = (event: Event): void => {
    event.preventDefault();
    try {
      const relay = withPassword(address.value, password.value);
      save([...agent.activeProfile().relays, relay]);
      address.value = password.value = '';
      void test(relay);
    } catch (error) {
      status.textContent = errorText(error);
    }
  };
  render();
  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Relays'),
    h('p', {}, 'New contacts get queues on these relays; messages reach you while any one of them works. Existing contacts keep the relays they were made with.'),
    list,
    h('form', { class: 'stack', onsubmit: add }, h('label', {}, 'Address', address), h('label', {}, 'Password (private relays only)', password), h('button', { type: 'submit' }, 'Add relay')),
    status,
    routingSettings(ctx),
  );
  return { element };
}
