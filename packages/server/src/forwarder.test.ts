// The bounds a forwarding relay keeps per client session (EMP §7.7, §10,
// §14.9): proxies held, forwards waiting, and what forwarding draws from the
// client address's rates, over a stand-in for the destinations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeSigned, limits, toBase64url, type RelayClient, type Response, type Transmission } from '@graphchat/core';
import { MAX_PENDING_FORWARDS, MAX_PROXIES_PER_SESSION, ProxySet, type ForwardAnswer, type Forwarder, type ForwardRates } from './forwarder.js';
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

const unlimited: ForwardRates = { takeProxyToken: () => true, takeForwardBytes: () => true };

/** The response, once the destination answered if it had to. */
async function settle(answer: ForwardAnswer): Promise<Response> {
  return 'remote' in answer ? answer.remote : answer;
}

async function proxyId(proxies: ProxySet, i: number): Promise<Uint8Array> {
  const pkey = await settle(proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(i) }));
  assert.ok(pkey.type === 'PKEY', `PRXY ${i}: ${pkey.type}`);
  return pkey.sessionId.slice(0, 24);
}

const pfwd = (sealed: Uint8Array = EMPTY) => ({ type: 'PFWD' as const, ephemeralKey: new Uint8Array(32), sealed });

describe('proxies of one client session', () => {
  it(`holds ${MAX_PROXIES_PER_SESSION} destinations and drops the least recently used for more: 20 destinations all work`, async () => {
    const proxies = new ProxySet(standIn(), unlimited, createLogger('error'));
    const ids: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) ids.push(await proxyId(proxies, i));
    // The last 16 are held; the first 4 were dropped, so their proxy ids are unknown now.
    for (let i = 0; i < 4; i++) assert.deepEqual(proxies.forward(transmission(ids[i]!), pfwd()), { type: 'ERR', code: 'PROXY' }, `dropped ${i}`);
    for (let i = 4; i < 20; i++) assert.ok('remote' in proxies.forward(transmission(ids[i]!), pfwd()), `held ${i}`);
    // Asking again for a dropped destination works, and drops the least recently used (4, forwarded to first above).
    const again = await proxyId(proxies, 0);
    assert.ok('remote' in proxies.forward(transmission(again), pfwd()));
    assert.deepEqual(proxies.forward(transmission(ids[4]!), pfwd()), { type: 'ERR', code: 'PROXY' });
    assert.ok('remote' in proxies.forward(transmission(ids[5]!), pfwd()));
  });

  it(`lets at most ${MAX_PENDING_FORWARDS} forwards wait for their destination`, async () => {
    const proxies = new ProxySet(standIn(), unlimited, createLogger('error'));
    const id = await proxyId(proxies, 1);
    const forward = () => proxies.forward(transmission(id), pfwd());
    for (let i = 0; i < MAX_PENDING_FORWARDS; i++) void forward();
    assert.deepEqual(forward(), { type: 'ERR', code: 'LIMIT' });
  });

  it('takes a NEW token per PRXY and the sealed bytes of each PFWD from the client address (RATE past them)', async () => {
    let tokens = 2;
    let bytes = 2 * limits.SEALED_FORWARD_SIZE - 1;
    const rates: ForwardRates = {
      takeProxyToken: () => tokens-- > 0,
      takeForwardBytes: (n) => (bytes >= n ? ((bytes -= n), true) : false),
    };
    const proxies = new ProxySet(standIn(), rates, createLogger('error'));
    const id = await proxyId(proxies, 1);
    await proxyId(proxies, 2);
    assert.deepEqual(proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(3) }), { type: 'ERR', code: 'RATE' });
    // Each costs the padded size, however short its sealed bytes: the second is past the budget.
    assert.ok('remote' in proxies.forward(transmission(id), pfwd(new Uint8Array(60))));
    assert.deepEqual(proxies.forward(transmission(id), pfwd(new Uint8Array(60))), { type: 'ERR', code: 'RATE' });
  });

  it('answers LIMIT when the relay holds sessions with as many destinations as it may', () => {
    const full = { ...standIn(), reach: () => null } as unknown as Forwarder;
    const proxies = new ProxySet(full, unlimited, createLogger('error'));
    assert.deepEqual(proxies.proxy(transmission(EMPTY), { type: 'PRXY', relay: address(1) }), { type: 'ERR', code: 'LIMIT' });
  });
});
