// A SEND that times out: on a direct session the relay counts as down and
// the session is reopened; a forward that times out waits on the
// destination, so the user's own session (and its subscriptions) stays.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RelayClientError, type RelayClient } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import type { AgentContext } from '../context.js';
import type { ConnectionRecord, ProfileRecord } from '../store/records.js';
import { QueueSender } from './queue-sender.js';

const FP = 'NKMaDQFvrZuGtwupX0sht_TqQBBEEINvd9friwXXhZ8';
const OWN = `emp://${FP}@own.example:5223`;
const PEER = `emp://${FP}@peer.example:5223`;

/** A relay session on which every command times out. */
function timingOut(): { client: RelayClient; closed: () => boolean } {
  let closed = false;
  const client = {
    isOpen: true,
    session: { version: 2, id: new Uint8Array(32) },
    command: () => Promise.reject(new RelayClientError('TIMEOUT', 'no response from relay')),
    close: () => (closed = true),
  } as unknown as RelayClient;
  return { client, closed: () => closed };
}

function sender(client: RelayClient): QueueSender {
  const profile: ProfileRecord = { id: 'p', profile: { displayName: 'p' }, relays: [OWN], sessionPerConnection: false, createdAt: 0 };
  const ctx = {
    store: { getProfile: () => profile },
    crypto: sodiumCrypto,
    pool: { session: () => ({ isUp: true, client }) },
    activity: { track: <T>(work: Promise<T>) => work },
  } as unknown as AgentContext;
  return new QueueSender(ctx);
}

const connection = { id: 'c', profileId: 'p' } as ConnectionRecord;
const target = (relay: string) => ({ relay, senderId: new Uint8Array(24), senderSecretKey: null });

describe('a SEND that times out', () => {
  test('forwarded: deferred (null), and the own relay session stays open', async () => {
    const { client, closed } = timingOut();
    assert.equal(await sender(client).send(connection, target(PEER), new Uint8Array(1)), null);
    assert.equal(closed(), false);
  });

  test('direct: deferred, and the session is closed to be reopened', async () => {
    const { client, closed } = timingOut();
    assert.equal(await sender(client).send(connection, target(OWN), new Uint8Array(1)), null);
    assert.equal(closed(), true);
  });
});
