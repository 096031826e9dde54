/**
 * Relay settings of the active profile: the relays its connections use,
 * whether each is reachable and how many conversations receive through it,
 * relays taken off the list that still hold queues being moved away, the
 * moves under way (graph-chat §8.6), adding one by address (with the access
 * password of a private relay), the rotation period, and the private
 * routing setting.
 */
import { DEFAULT_ROTATION_MS, type AgentEvent, type ContactInfo, type RelayInfo } from '@graphchat/client';
import { formatRelayAddress, parseRelayAddress } from '@graphchat/core';
import { errorText, type AppContext, type Screen } from './context.js';
import { h, replace } from './dom.js';
import { routingSettings } from './routing.js';

const DAY = 24 * 60 * 60 * 1000;

/** The rotation periods offered; another value (set elsewhere) shows as it is. */
const ROTATIONS: readonly { readonly ms: number; readonly label: string }[] = [
  { ms: 0, label: 'Off' },
  { ms: DAY, label: 'Every day' },
  { ms: DEFAULT_ROTATION_MS, label: 'Every 7 days (default)' },
  { ms: 30 * DAY, label: 'Every 30 days' },
];

/** The address with `password` set (or left as it is when empty). */
function withPassword(address: string, password: string): string {
  return password === '' ? address.trim() : formatRelayAddress({ ...parseRelayAddress(address), password });
}

/** The address without its password, for display. */
export function shownRelay(address: string): string {
  try {
    const parsed = parseRelayAddress(address);
    return formatRelayAddress({ ...parsed, password: '' }) + (parsed.password ? ' (private)' : '');
  } catch {
    return address;
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A move of a contact's queues, in words: "Moving Bob's conversation: waiting for Bob". */
export function moveText(contact: ContactInfo): string | null {
  if (contact.move === null) return null;
  const name = contact.name || 'a new contact';
  return `Moving ${name}'s conversation: ${contact.move.step === 'wanted' ? 'queued' : `waiting for ${name}`}`;
}

/** The rows of the list, by what the agent reports and what this screen's tests found. */
type Reachability = { readonly ok: boolean; readonly text: string } | 'testing';

export function relaysScreen(ctx: AppContext): Screen {
  const { agent } = ctx;
  const list = h('ul', { class: 'relays', 'aria-label': 'Relays' });
  const leaving = h('div', {});
  const moves = h('div', {});
  const status = h('p', { role: 'status' });
  const address = h('input', { 'aria-label': 'Relay address', placeholder: 'emp://…@host:port' });
  const password = h('input', { 'aria-label': 'Access password (private relays)', type: 'password', autocomplete: 'off' });
  /** Results of connection tests on this screen, by address. */
  const tested = new Map<string, Reachability>();

  const profileId = (): string => agent.activeProfile().id;
  const contacts = (): ContactInfo[] => agent.contacts().filter((c) => c.profileId === profileId());

  const test = async (relay: string): Promise<void> => {
    tested.set(relay, 'testing');
    render();
    try {
      await agent.testRelay(relay);
      tested.set(relay, { ok: true, text: 'answers, and its identity matches the address' });
    } catch (error) {
      tested.set(relay, { ok: false, text: errorText(error) });
    }
    render();
  };
  const save = (relays: string[]): boolean => {
    try {
      agent.updateRelays(profileId(), relays);
    } catch (error) {
      status.textContent = errorText(error);
      return false;
    }
    const moving = contacts().filter((c) => c.move !== null).length;
    const older = contacts().filter((c) => c.status === 'connected' && c.version < 3).length;
    status.textContent =
      (moving > 0 ? `Saved. Your ${plural(moving, 'conversation')} ${moving === 1 ? 'moves' : 'move'} to the new list; contacts who are offline follow when they come back.` : 'Saved. New conversations use the new list.') +
      (older > 0 ? ` ${plural(older, 'conversation')} with an older graphchat ${older === 1 ? 'keeps its' : 'keep their'} relays.` : '');
    render();
    return true;
  };

  function reachability(relay: RelayInfo): { state: string; text: string } {
    const test = tested.get(relay.address);
    if (test === 'testing') return { state: 'testing', text: 'testing…' };
    // A test asked for here says the most; a session going up or down since replaces it (update).
    if (test !== undefined) return { state: test.ok ? 'up' : 'down', text: test.text };
    if (relay.up === true) return { state: 'up', text: 'connected' };
    if (relay.up === false) return { state: 'down', text: 'not reachable now' };
    return { state: 'unknown', text: 'not tested' };
  }

  function render(): void {
    const infos = agent.relays(profileId());
    const listed = infos.filter((r) => r.listed);
    replace(
      list,
      ...listed.map((relay) => {
        const { state, text } = reachability(relay);
        return h(
          'li',
          { 'data-relay': shownRelay(relay.address) },
          h(
            'span',
            { class: 'relay' },
            h('code', {}, shownRelay(relay.address)),
            h('span', { class: `reach ${state}` }, text),
            h('span', { class: 'uses' }, relay.connections === 0 ? 'no conversations yet' : `${plural(relay.connections, 'conversation')} receive${relay.connections === 1 ? 's' : ''} here`),
            relay.leaving > 0 ? h('span', { class: 'uses' }, `${plural(relay.leaving, 'old queue')} being deleted`) : null,
          ),
          h('button', { onclick: () => void test(relay.address), disabled: tested.get(relay.address) === 'testing' }, 'Test'),
          h(
            'button',
            { onclick: () => save(listed.filter((r) => r !== relay).map((r) => r.address)), disabled: listed.length === 1, 'aria-label': `Remove ${shownRelay(relay.address)}` },
            'Remove',
          ),
        );
      }),
    );
    const gone = infos.filter((r) => !r.listed);
    replace(
      leaving,
      ...(gone.length === 0
        ? []
        : [
            h('h3', {}, 'Leaving'),
            h('p', { class: 'hint' }, 'Relays you removed that still hold queues of your conversations: they are deleted there once each contact has moved.'),
            h(
              'ul',
              { class: 'relays', 'aria-label': 'Leaving relays' },
              ...gone.map((relay) =>
                h(
                  'li',
                  { 'data-relay': shownRelay(relay.address) },
                  h(
                    'span',
                    { class: 'relay' },
                    h('code', {}, shownRelay(relay.address)),
                    h('span', { class: 'uses' }, [relay.connections > 0 ? `${plural(relay.connections, 'conversation')} still receive${relay.connections === 1 ? 's' : ''} here` : '', relay.leaving > 0 ? `${plural(relay.leaving, 'queue')} to delete` : ''].filter(Boolean).join(', ')),
                  ),
                ),
              ),
            ),
          ]),
    );
    const moving = contacts().flatMap((c) => {
      const text = moveText(c);
      return text === null ? [] : [h('li', { 'data-contact': c.id, 'data-step': c.move!.step }, text)];
    });
    replace(moves, ...(moving.length === 0 ? [] : [h('h3', {}, 'Moves under way'), h('ul', { class: 'moves', 'aria-label': 'Moves under way' }, ...moving)]));
  }

  const add = (event: Event): void => {
    event.preventDefault();
    try {
      const relay = withPassword(address.value, password.value);
      if (!save([...agent.activeProfile().relays, relay])) return;
      address.value = password.value = '';
      void test(relay);
    } catch (error) {
      status.textContent = errorText(error);
    }
  };

  render();
  // Relays with no session in this run: a test says whether they answer.
  for (const relay of agent.relays(profileId())) if (relay.listed && relay.up === null) void test(relay.address);

  const element = h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Relays'),
    h('p', {}, 'Your contacts send to you through these relays; messages reach you while any one of them works. When you change the list, your conversations move to it, each as soon as its contact is online.'),
    list,
    h('form', { class: 'stack', onsubmit: add }, h('label', {}, 'Address', address), h('label', {}, 'Password (private relays only)', password), h('button', { type: 'submit' }, 'Add relay')),
    status,
    leaving,
    moves,
    rotationSetting(ctx),
    routingSettings(ctx),
  );
  return {
    element,
    update(event: AgentEvent) {
      if (event.event === 'relay-up' || event.event === 'relay-down') {
        for (const [address, test] of tested) if (test !== 'testing' && shownRelay(address).startsWith(event.relay)) tested.delete(address);
      }
      if (['move', 'relay-up', 'relay-down', 'connected', 'rekeyed'].includes(event.event)) render();
      // A move that can't start yet says why (a relay of the list does not answer, say), rather than waiting unexplained.
      if (event.event === 'rejected' && event.reason.startsWith('moving queues waits: ')) {
        status.textContent = `A move waits: ${event.reason.slice('moving queues waits: '.length)}. It is tried again by itself.`;
      }
    },
  };
}

/** A period set elsewhere (the terminal client takes any), in the largest unit that shows it whole. */
function periodText(ms: number): string {
  for (const [unit, size] of [['day', 864e5], ['hour', 36e5], ['minute', 6e4], ['second', 1e3]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

/** How often each conversation moves to fresh queues. */
function rotationSetting(ctx: AppContext): HTMLElement {
  const { agent } = ctx;
  const status = h('p', { role: 'status' });
  const current = agent.activeProfile().rotationMs ?? DEFAULT_ROTATION_MS;
  const options = ROTATIONS.some((r) => r.ms === current) ? ROTATIONS : [...ROTATIONS, { ms: current, label: `Every ${periodText(current)}` }];
  const select = h(
    'select',
    {
      'aria-label': 'Rotation',
      onchange: () => {
        try {
          agent.setRotation(agent.activeProfile().id, Number(select.value));
          status.textContent = 'Saved.';
        } catch (error) {
          status.textContent = errorText(error);
        }
      },
    },
    ...options.map((r) => h('option', { value: r.ms, selected: r.ms === current }, r.label)),
  );
  return h(
    'div',
    { class: 'stack' },
    h('h3', {}, 'Rotation'),
    h('p', {}, 'Each conversation moves to fresh queues now and then, so no relay can tie its traffic together over a long time.'),
    h('label', {}, 'Move to new queues', select),
    status,
  );
}
