/** `history CONTACT`: the conversation with a contact (in the chat: /history, of the open one). */
import type { ContactInfo, HistoryItem } from '@graphchat/client';
import { displayName, printable } from '../output.js';
import { contactArgument, NO_FLAGS } from './arguments.js';
import { defineCommand } from './entry.js';

export interface HistoryCommand {
  readonly name: 'history';
  readonly contact: string;
}

export function historyJson(item: HistoryItem): object {
  return { message: item.id, direction: item.direction, text: item.text, status: item.status, timestamp: item.timestamp, ...(item.notice === true ? { notice: true } : {}) };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local time as `YYYY-MM-DD HH:MM`. */
function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

function statusMark(status: HistoryItem['status']): string {
  switch (status) {
    case 'queued':
      return '…';
    case 'sent':
      return '✓';
    case 'delivered':
      return '✓✓';
    case 'received':
      return '';
  }
}

export function historyLine(item: HistoryItem, peerName: string): string {
  if (item.notice === true) return `[${formatTime(item.timestamp)}] ! ${item.text}`;
  const who = item.direction === 'sent' ? 'me' : peerName;
  const mark = statusMark(item.status);
  return `[${formatTime(item.timestamp)}] ${who}: ${printable(item.text)}${mark === '' ? '' : '  ' + mark}`;
}

/** The last `count` messages of a conversation as the chat shows them, saying how many earlier ones it leaves out. */
export function conversationLines(contact: ContactInfo, items: readonly HistoryItem[], count = Infinity): string[] {
  const shown = count === Infinity ? items : items.slice(-count);
  const lines = shown.length < items.length ? [`(${items.length - shown.length} earlier: /history)`] : [];
  for (const item of shown) lines.push(historyLine(item, displayName(contact)));
  if (items.length === 0) lines.push('no messages yet');
  return lines;
}

export const history = defineCommand({
  line: {
    words: ['history'],
    flags: NO_FLAGS,
    parse: (args): HistoryCommand => ({ name: 'history', contact: contactArgument(args) }),
    listing: [{ form: 'history CONTACT', description: ['the conversation with CONTACT'] }],
    synopsis: 'graphchat history CONTACT',
  },
  opens: 'database',
  run: async (command, { agent }) => {
    const contact = agent.findContact(command.contact);
    return { contact, items: agent.history(contact.id) };
  },
  print: ({ contact, items }, printer) => {
    const name = displayName(contact);
    for (const item of items) printer.emit(historyJson(item), historyLine(item, name));
    if (items.length === 0) printer.note(`no messages with ${name} yet`);
  },
  slash: {
    name: '/history',
    description: 'the whole open conversation',
    parse: (_line, chat): HistoryCommand => ({ name: 'history', contact: chat.openContact().id }),
    show: ({ contact, items }, chat) => {
      for (const line of conversationLines(contact, items)) chat.say(line);
    },
  },
});
