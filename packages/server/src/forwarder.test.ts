// The bounds a forwarding relay keeps per client session (EMP §7.7, §10):
// proxies held and forwards waiting, over a stand-in for the destinations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeSigned, toBase64url, type RelayClient, type Response, type Transmission } from '@graphchat/core';
import { MAX_PENDING_FORWARDS, MAX_PROXIES_PER_SESSION, ProxySet, type Forwarder } from './forwarder.js';
import { createLogger } from './log.js';
import { crypto } from './test-support/harness.js';

const EMPTY = new Uint8Array(0);

/** Destinations that always answer, with RFWDs that never come back. */
function standIn(): Forwarder {
  const stalled = new Promise<Response[]>(() => {});
  return {
    reach: async () => ({ isOpen: true, session: { id: crypto.randomBytes(32), relayKey: crypto.randomBytes(32) }, commands: () => stalled }) as unknown as RelayClient,
    rewrite: (command: unknown) => [command],
    touch: () => {},
  } as unknown as Forwarder;
}

function transmission(entityId: Uint8Array): Transmission {
  return { signature: EMPTY, signed: encodeSigned(EMPTY, entityId, EMPTY), corrId: EMPTY, entityId, message: EMPTY };
}

const address = (i: number): string => `emp://${toBase64url(new Uint8Array(32).fill(i))}@relay${i}.example:5223`;

describe('proxies of one client session', () => {
  it(`holds at most ${MAX_PROXIES_PER_SESSION} destinations; asking again for one it holds replaces it`, async () => {
    const proxies = new ProxySet(standIn(), createLogger('error'));
    for (let i = 0; i < MAX_PROXIES_PER_SESSION; i++) assert.equal((await proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(i) })).type, 'PKEY');
    assert.deepEqual(await proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(99) }), { type: 'ERR', code: 'LIMIT' });
    assert.equal((await proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(3) })).type, 'PKEY');
  });

  it(`lets at most ${MAX_PENDING_FORWARDS} forwards wait for their destination`, async () => {
    const proxies = new ProxySet(standIn(), createLogger('error'));
    const pkey = await proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(1) });
    assert.ok(pkey.type === 'PKEY');
    const proxyId = pkey.sessionId.slice(0, 24);
    const forward = () => proxies.forward(transmission(proxyId), { type: 'PFWD', ephemeralKey: new Uint8Array(32), sealed: EMPTY });
    for (let i = 0; i < MAX_PENDING_FORWARDS; i++) void forward();
    assert.deepEqual(await forward(), { type: 'ERR', code: 'LIMIT' });
  });
});
