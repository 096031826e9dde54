/**
 * The browser client's runtime: the encrypted store in IndexedDB, the agent
 * over the browser's WebSocket with the noble crypto backend, running until
 * the page closes.
 */
import { Agent, AgentError, checkDeviceLink, type WebSocketLike } from '@graphchat/client';
import { nobleCrypto, parseRelayAddress } from '@graphchat/core';
import { browserStoreExists, openBrowserStore, type BrowserStore } from './store/idb-store.js';

const STORE_NAME = 'graphchat';

export interface WebSession {
  readonly agent: Agent;
  readonly store: BrowserStore;
}

export const storeExists = (): Promise<boolean> => browserStoreExists(STORE_NAME);

const webSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;

/** The first profile of a new store: made here, or joined from a device link made on another device of mine. */
export type FirstProfile = { readonly name: string; readonly relay: string } | { readonly deviceLink: string; readonly deviceName: string };

/**
 * Opens (or, with `first`, creates with a first profile) the store and
 * starts the agent. Throws BrowserStoreError (WRONG_PASSPHRASE, ...), or
 * AgentError before anything is created when the first profile's name,
 * relay address or device link is bad.
 */
export async function openSession(passphrase: string, first?: FirstProfile): Promise<WebSession> {
  if (first !== undefined) checkFirstProfile(first);
  await holdStoreLock();
  const store = await openBrowserStore({ name: STORE_NAME, passphrase, create: first !== undefined, crypto: nobleCrypto });
  const agent = new Agent({ store, crypto: nobleCrypto, webSocket });
  if (first !== undefined && 'relay' in first) agent.createProfile({ displayName: first.name, relays: [first.relay] });
  void agent.start();
  // The profile is made before the link is joined, so a relay that fails the join leaves a profile, not an empty store.
  if (first !== undefined && 'deviceLink' in first) await agent.joinDevice(first.deviceLink.trim(), { name: first.deviceName.trim() });
  return { agent, store };
}

/**
 * One page at a time runs the agent on the store: two would each advance the
 * same ratchets from the same state and send under the same message keys.
 * The lock is held until the page closes (a reload releases it).
 */
let lockHeld = false;
function holdStoreLock(): Promise<void> {
  if (lockHeld) return Promise.resolve();
  // Web Locks, like the camera and IndexedDB's safe use, need a secure context: https, or localhost.
  if (!('locks' in navigator)) {
    return Promise.reject(new Error('this page is not served over https (or from localhost), so the browser withholds what graphchat needs to keep its store safe.'));
  }
  return new Promise((resolve, reject) => {
    void navigator.locks.request(`${STORE_NAME} store`, { ifAvailable: true }, (lock) => {
      if (lock === null) {
        reject(new Error('graphchat is open in another tab or window of this browser; close it there first.'));
        return;
      }
      lockHeld = true;
      resolve();
      return new Promise<void>(() => {}); // held for the page's lifetime
    });
  });
}

/** What createProfile or joinDevice would refuse, checked before the store exists (a store with no profile would be a dead end). */
function checkFirstProfile(first: FirstProfile): void {
  if ('deviceLink' in first) {
    // The agent's own check (device-link kind, expiry with its grace, name): nothing is made if it fails.
    checkDeviceLink(first.deviceLink.trim(), first.deviceName.trim(), Date.now());
    return;
  }
  const name = first.name.trim();
  if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new AgentError('BAD_PROFILE', 'a display name has 1 to 100 characters and no control characters');
  }
  try {
    parseRelayAddress(first.relay);
  } catch (error) {
    throw new AgentError('BAD_RELAY_ADDRESS', (error as Error).message);
  }
}

/** The relay that served this page, if it says so (`GET /relay.json`), as the first profile's default relay. */
export async function servingRelay(): Promise<string | null> {
  try {
    const response = await fetch('relay.json', { cache: 'no-store' });
    if (!response.ok) return null;
    const { address } = (await response.json()) as { address?: unknown };
    return typeof address === 'string' ? address : null;
  } catch {
    return null;
  }
}
