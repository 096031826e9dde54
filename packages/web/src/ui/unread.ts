/**
 * Unread counts: the highest received `seq` a person has seen in each
 * conversation, kept in the store's meta table (so it is encrypted with the
 * rest and survives reloads).
 */
import type { Agent } from '@graphchat/client';
import type { BrowserStore } from '../store/idb-store.js';

const key = (contact: string): string => `web/read/${contact}`;

export function unreadCount(agent: Agent, store: BrowserStore, contact: string): number {
  const read = Number(store.getMeta(key(contact)) ?? '0');
  return agent.history(contact).filter((m) => m.direction === 'received' && m.seq > read).length;
}

export function markRead(agent: Agent, store: BrowserStore, contact: string): void {
  const last = agent.history(contact).reduce((max, m) => (m.direction === 'received' && m.seq > max ? m.seq : max), 0);
  if (Number(store.getMeta(key(contact)) ?? '0') >= last) return;
  store.transaction(() => store.setMeta(key(contact), String(last)));
}
