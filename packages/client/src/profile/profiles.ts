/**
 * A user's profiles: making one, choosing the active one, changing its
 * fields (sent to its contacts) and its relays, and testing a relay.
 */
import { parseRelayAddress, RelayClient } from '@graphchat/core';
import { newId, stepContext, type AgentCore } from '../context.js';
import { shareProfile } from '../devices/fan-out.js';
import { queuedMessage } from '../conversation/outbound.js';
import { AgentError } from '../events.js';
import type { AgentStore } from '../store/agent-store.js';
import { PRIVATE_ROUTING_SETTINGS, type PrivateRouting, type ProfileData, type ProfileRecord } from '../store/records.js';
import { DEFAULT_PRIVATE_ROUTING } from '../transport/private-routing.js';

export interface NewProfile extends ProfileData {
  readonly relays: readonly string[];
  readonly sessionPerConnection?: boolean;
  /** 1 to 4; see ProfileRecord.queuesPerRelay. */
  readonly queuesPerRelay?: number;
  /** Default 'unknown-relays'; see ProfileRecord.privateRouting. */
  readonly privateRouting?: PrivateRouting;
}

const ACTIVE_PROFILE = 'activeProfile';

/** An invitation lists at most 8 queues (graph-chat §2.2). */
const MAX_QUEUES = 8;

function checkProfile(profile: ProfileData): void {
  const name = profile.displayName.trim();
  // Control characters in a name could rewrite a terminal; the codec enforces the same.
  if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new AgentError('BAD_PROFILE', 'a display name has 1 to 100 characters and no control characters');
  }
}

function checkRelay(relay: string): void {
  try {
    parseRelayAddress(relay);
  } catch (error) {
    throw new AgentError('BAD_RELAY_ADDRESS', (error as Error).message);
  }
}

function profileRecord(store: AgentStore, id: string): ProfileRecord {
  const record = store.getProfile(id);
  if (record === null) throw new AgentError('NO_PROFILE', `no profile ${id}`);
  return record;
}

export function createProfile(core: AgentCore, input: NewProfile): ProfileRecord {
  const { store } = core;
  const { relays, sessionPerConnection, queuesPerRelay, privateRouting, ...profile } = input;
  checkProfile(profile);
  if (relays.length === 0) throw new AgentError('NO_RELAYS', 'a profile needs at least one relay');
  const lanes = queuesPerRelay ?? 1;
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > 4 || lanes * relays.length > MAX_QUEUES) {
    throw new AgentError('BAD_PROFILE', 'queues per relay is 1 to 4, and at most 8 queues in all');
  }
  for (const relay of relays) checkRelay(relay);
  if (privateRouting !== undefined) checkPrivateRouting(privateRouting);
  const record: ProfileRecord = {
    id: newId(core.crypto),
    profile,
    relays: [...relays],
    sessionPerConnection: sessionPerConnection ?? false,
    ...(lanes > 1 ? { queuesPerRelay: lanes } : {}),
    ...(privateRouting !== undefined && privateRouting !== DEFAULT_PRIVATE_ROUTING ? { privateRouting } : {}),
    createdAt: core.now(),
  };
  store.transaction(() => {
    store.putProfile(record);
    if (store.getMeta(ACTIVE_PROFILE) === null) store.setMeta(ACTIVE_PROFILE, record.id);
  });
  return record;
}

export function activeProfile(store: AgentStore): ProfileRecord {
  const id = store.getMeta(ACTIVE_PROFILE);
  const profile = id === null ? null : store.getProfile(id);
  if (profile === null) throw new AgentError('NO_PROFILE', 'no profile yet: run init first');
  return profile;
}

export function setActiveProfile(store: AgentStore, id: string): void {
  profileRecord(store, id);
  store.transaction(() => store.setMeta(ACTIVE_PROFILE, id));
}

/** Changes a profile; its contacts receive the new one with the next messages. */
export function updateProfile(core: AgentCore, id: string, profile: ProfileData): void {
  const { store } = core;
  checkProfile(profile);
  const record = profileRecord(store, id);
  const now = core.now();
  store.transaction(() => {
    store.putProfile({ ...record, profile });
    for (const connection of store.listConnections(id)) {
      if (connection.status === 'failed' || connection.status === 'invited' || connection.status === 'address' || connection.status === 'request' || connection.status === 'mirror' || connection.device != null) continue;
      store.putMessage(queuedMessage(newId(core.crypto), connection.id, 'profile', '', now));
    }
    shareProfile(stepContext(core, now), id);
  });
  core.kick();
}

/**
 * Sets the relays on which a profile creates its queues. Moving existing
 * connections there is moves/relays.ts (setRelays), which calls this.
 */
export function updateRelays(store: AgentStore, id: string, relays: readonly string[]): void {
  const record = profileRecord(store, id);
  if (relays.length === 0) throw new AgentError('NO_RELAYS', 'a profile needs at least one relay');
  if ((record.queuesPerRelay ?? 1) * relays.length > MAX_QUEUES) throw new AgentError('BAD_PROFILE', 'at most 8 queues in all');
  for (const relay of relays) checkRelay(relay);
  store.transaction(() => store.putProfile({ ...record, relays: [...relays] }));
}

function checkPrivateRouting(setting: string): void {
  if (!(PRIVATE_ROUTING_SETTINGS as readonly string[]).includes(setting)) {
    throw new AgentError('BAD_PROFILE', `private routing is one of ${PRIVATE_ROUTING_SETTINGS.join(', ')}`);
  }
}

/**
 * Sets when the profile's SENDs to its contacts' relays go through its own
 * relays (EMP §7.8): the next SEND follows the new setting, items already
 * waiting in the outbox included.
 */
export function setPrivateRouting(core: AgentCore, id: string, setting: PrivateRouting): void {
  const { store } = core;
  checkPrivateRouting(setting);
  const record = profileRecord(store, id);
  const { privateRouting: _previous, ...rest } = record;
  store.transaction(() => store.putProfile(setting === DEFAULT_PRIVATE_ROUTING ? rest : { ...rest, privateRouting: setting }));
  core.kick();
}

/**
 * Connects to a relay, checks its identity against the address (the Noise
 * handshake fails otherwise) and that it answers; throws AgentError
 * BAD_RELAY_ADDRESS or RELAY_UNREACHABLE. A private relay's password is
 * checked only when a queue is created.
 */
export async function testRelay(core: AgentCore, address: string): Promise<void> {
  checkRelay(address);
  let client: RelayClient;
  try {
    client = await RelayClient.connect(address, core.pool.clientOptions);
  } catch (error) {
    throw new AgentError('RELAY_UNREACHABLE', (error as Error).message);
  }
  try {
    const response = await client.command(new Uint8Array(0), { type: 'PING' }, null);
    if (response.type !== 'PONG') throw new AgentError('RELAY_UNREACHABLE', `relay answered ${response.type} to PING`);
  } catch (error) {
    if (error instanceof AgentError) throw error;
    throw new AgentError('RELAY_UNREACHABLE', (error as Error).message);
  } finally {
    client.close();
  }
}
