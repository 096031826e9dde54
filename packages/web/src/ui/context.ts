/** What every screen gets: the running agent, its store, and navigation. */
import type { Agent, AgentEvent } from '@graphchat/client';
import type { BrowserStore } from '../store/idb-store.js';

export type View =
  | { readonly name: 'home' }
  | { readonly name: 'chat'; readonly contact: string }
  | { readonly name: 'code'; readonly contact: string }
  | { readonly name: 'invite' }
  | { readonly name: 'scan' }
  | { readonly name: 'relays' }
  | { readonly name: 'proof' }
  | { readonly name: 'profile' }
  | { readonly name: 'new-profile' }
  | { readonly name: 'devices' }
  | { readonly name: 'link-device' }
  | { readonly name: 'join-device' };

export interface AppContext {
  readonly agent: Agent;
  readonly store: BrowserStore;
  show(view: View): void;
}

/** A screen in the main pane: `update` is called for each agent event while it is shown, `close` when it goes. */
export interface Screen {
  readonly element: HTMLElement;
  update?(event: AgentEvent): void;
  close?(): void;
}

/** A one-line message for an error a user can act on (typed errors carry their own words). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
