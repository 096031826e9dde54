/**
 * One conversation: messages with their sender's time and delivery state,
 * new ones appearing as they arrive, the composer, and the export of a
 * proof of it (docs/protocol/proofs.md).
 */
import { AgentError, type AgentEvent, type ContactInfo, type HistoryItem, type QueueInfo } from '@graphchat/client';
import { avatar } from './avatar.js';
import { errorText, type AppContext, type Screen } from './context.js';
import { formatTime, h, replace } from './dom.js';
import { moveText, shownRelay } from './relays.js';
import { markRead } from './unread.js';

const STATUS_TEXT: Record<HistoryItem['status'], string> = { queued: 'sending', sent: 'sent ✓', delivered: 'delivered ✓✓', received: '' };

function bubble(item: HistoryItem): HTMLElement {
  if (item.notice === true) return h('li', { class: 'notice', role: 'note' }, h('p', { class: 'text' }, item.text), h('span', { class: 'meta' }, formatTime(item.timestamp)));
  return h(
    'li',
    { class: `message ${item.direction}`, 'data-status': item.status },
    h('p', { class: 'text' }, item.text),
    h('span', { class: 'meta' }, formatTime(item.timestamp), item.direction === 'sent' ? h('span', { class: 'status' }, ' · ', STATUS_TEXT[item.status]) : null),
  );
}

/** A file name part from a contact's name, which its owner chose: letters and digits only. */
function fileNamePart(name: string): string {
  return name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'contact';
}

/** Saves `text` as a file through a temporary link to it. */
function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(link); // some browsers follow only links in the document
  link.click();
  link.remove();
  // Not at once: the download reads the URL after the click returns, and some browsers later than others.
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
}

const QUEUE_STATE: Record<NonNullable<QueueInfo['state']>, string> = { new: 'new', retiring: 'leaving', deleting: 'being deleted' };

/** A connection's queues as a list of relays, with where each is in a move. */
function queueList(queues: readonly QueueInfo[], label: string): HTMLElement {
  if (queues.length === 0) return h('dd', { 'aria-label': label }, 'none');
  return h(
    'dd',
    { 'aria-label': label },
    h('ul', { class: 'queues' }, ...queues.map((q) => h('li', { 'data-state': q.state ?? 'in use' }, h('code', {}, shownRelay(q.relay)), q.state === undefined ? null : ` (${QUEUE_STATE[q.state]})`))),
  );
}

/** What a failed rotate or rekey tells the user. */
function moveError(error: unknown, name: string): string {
  if (error instanceof AgentError) {
    if (error.code === 'UNSUPPORTED_VERSION') return `This conversation was started with an older graphchat and cannot move to new queues or make new keys. It keeps working as it is; to get them, connect again once you both run the current graphchat.`;
    if (error.code === 'BUSY') return `New keys with ${name} are already on their way.`;
    if (error.code === 'NOT_CONNECTED') return `${name} has not joined yet.`;
  }
  return errorText(error);
}

export function conversationScreen(ctx: AppContext, contactId: string): Screen {
  const { agent } = ctx;
  const list = h('ol', { class: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
  const header = h('header', { class: 'chat-header' });
  const footer = h('div', { class: 'composer-area' });
  /** The connection's relays, its move under way, and the buttons for new queues and new keys; kept across renders so it stays open. */
  const details = h('details', { class: 'connection-details' });
  const detailsStatus = h('p', { role: 'status' });
  const element = h('section', { class: 'chat' }, header, details, list, footer);

  const input = h('textarea', { 'aria-label': 'Message', rows: 1, placeholder: 'Message', maxlength: 4000 });
  const error = h('p', { class: 'error', role: 'alert' });
  /** Shown while the relay holds messages back (RATE, FULL): they wait and are retried, they have not failed. */
  const waiting = h('p', { class: 'hint', role: 'status' });
  const connecting = h('p', { class: 'hint', role: 'status' });
  const send = (): void => {
    const text = input.value.trim();
    if (text === '') return;
    try {
      agent.send(contactId, text);
      input.value = '';
      error.textContent = '';
      render();
    } catch (e) {
      error.textContent = errorText(e);
    }
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  });
  const composer = h('form', { class: 'composer', onsubmit: (event: Event) => (event.preventDefault(), send()) }, input, h('button', { type: 'submit' }, 'Send'));

  const exportProof = (name: string): void => {
    try {
      download(`graphchat-proof-${fileNamePart(name)}.json`, JSON.stringify(agent.exportProof(contactId), null, 2));
      error.textContent = '';
    } catch (e) {
      error.textContent = errorText(e);
    }
  };

  /** The record line: on or off the record, a switch to propose, or the contact's proposal to accept. */
  const record = h('div', { class: 'record' });
  let asked: boolean | null = null;
  const act = (action: () => void): void => {
    try {
      action();
      error.textContent = '';
    } catch (e) {
      error.textContent = errorText(e);
    }
    render();
  };
  function renderRecord(contact: ContactInfo, name: string): void {
    const off = contact.offTheRecord;
    if (asked === off) asked = null; // the contact agreed
    const state = h('span', { class: `mode ${off ? 'off' : 'on'}` }, off ? 'Off the record: nothing is signed, so nothing can be proven.' : 'On the record: messages are signed and can be exported as proof.');
    if (contact.modeRequest !== null) {
      const wanted = contact.modeRequest.offTheRecord;
      replace(record, state, ` ${name} asks to go ${wanted ? 'off' : 'back on'} the record. `, h('button', { onclick: () => act(() => agent.acceptMode(contactId)) }, 'Agree'));
    } else if (asked !== null) {
      replace(record, state, ` Waiting for ${name} to agree.`);
    } else {
      const label = off ? 'Back on the record' : 'Go off the record';
      replace(record, state, ' ', h('button', { onclick: () => act(() => (agent.proposeMode(contactId, !off), (asked = !off))) }, label));
    }
  }

  const connectionAction = (action: () => void, done: string, name: string): void => {
    try {
      action();
      detailsStatus.textContent = done;
    } catch (e) {
      detailsStatus.textContent = moveError(e, name);
    }
    render();
  };
  function renderDetails(contact: ContactInfo, name: string): void {
    details.hidden = contact.status !== 'connected';
    if (details.hidden) return;
    const move = moveText(contact);
    const peerMoving = contact.peerQueues.some((q) => q.state !== undefined);
    replace(
      details,
      h('summary', {}, move ?? (peerMoving ? `${name} is moving the conversation` : 'Relays and keys')),
      h(
        'dl',
        {},
        h('dt', {}, `${name} sends to you through`),
        queueList(contact.queues, 'Your relays for this conversation'),
        h('dt', {}, `You send to ${name} through`),
        queueList(contact.peerQueues, `${name}'s relays for this conversation`),
        h('dt', {}, 'New queues'),
        h('dd', {}, contact.move !== null ? `a move under way since ${formatTime(contact.move.since)}` : contact.rotateAt === null ? 'no rotation planned' : `next rotation ${formatTime(contact.rotateAt)}`),
      ),
      h(
        'div',
        { class: 'row' },
        h('button', { onclick: () => connectionAction(() => agent.rotate(contactId), `Moving to new queues: ${name} follows when online.`, name) }, 'New queues now'),
        h('button', { onclick: () => connectionAction(() => agent.rekey(contactId), `Making new keys with ${name}: the security code changes once ${name} answers.`, name) }, 'New keys'),
      ),
      detailsStatus,
    );
  }

  function render(): void {
    const contact = agent.findContact(contactId);
    const name = contact.name || 'New contact';
    renderDetails(contact, name);
    replace(
      header,
      h('button', { class: 'back', 'aria-label': 'Back to contacts', onclick: () => ctx.show({ name: 'home' }) }, '‹'),
      avatar(contact.profile, name),
      h('div', { class: 'who' }, h('h2', {}, name), h('span', { class: `state ${contact.verified ? 'verified' : ''}` }, contact.verified ? 'verified ✔' : 'not verified')),
      contact.status === 'connected'
        ? h(
            'div',
            { class: 'chat-actions' },
            h('button', { onclick: () => ctx.show({ name: 'code', contact: contactId }) }, 'Security code'),
            contact.offTheRecord ? null : h('button', { onclick: () => exportProof(name) }, 'Export proof'),
          )
        : null,
    );
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    replace(list, ...agent.history(contactId).map(bubble));
    if (atBottom) list.scrollTop = list.scrollHeight;
    if (contact.request) {
      replace(
        footer,
        h('p', {}, `${name} asks to connect through your contact address.`),
        h('button', { onclick: () => void agent.acceptRequest(contactId).then(render, (e: unknown) => (error.textContent = errorText(e))) }, 'Accept'),
        h('button', { onclick: () => (agent.declineRequest(contactId), ctx.show({ name: 'home' })) }, 'Decline'),
        error,
      );
    } else if (contact.status === 'connected' || contact.connecting) {
      if (!footer.contains(composer)) replace(footer, record, composer, connecting, waiting, error);
      // Another of my devices is connected with the contact, this one not yet (devices.md §5): nothing can go from here.
      for (const control of composer.elements) (control as HTMLTextAreaElement | HTMLButtonElement).disabled = contact.connecting;
      connecting.textContent = contact.connecting ? `Connecting this device to ${name}: your other device introduced it, and ${name}'s graphchat answers when it is online. You can write from here once it has.` : '';
      renderRecord(contact, name);
      markRead(agent, ctx.store, contactId);
    } else {
      replace(footer, h('p', { class: 'hint' }, contact.status === 'failed' ? `This connection failed: ${contact.failure ?? ''}` : 'Waiting for the connection to complete…'));
    }
  }
  render();
  return {
    element,
    update(event: AgentEvent) {
      if (event.event === 'waiting' && event.contact === contactId) waiting.textContent = `Messages wait to be sent: ${event.reason}.`;
      if (event.event === 'sent' && event.contact === contactId) waiting.textContent = '';
      if (event.event === 'rekeyed' && event.contact === contactId) detailsStatus.textContent = 'New keys in force: the security code changed. Compare it again to verify.';
      if (event.event === 'move' && event.contact === contactId && event.step === 'done') detailsStatus.textContent = 'Moved to the new queues.';
      if (!('contact' in event) || event.contact === contactId) render();
    },
  };
}
