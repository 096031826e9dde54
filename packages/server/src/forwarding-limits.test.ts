// What a forwarding relay's clients may ask of it (EMP §7.7, §10, §14.9):
// PRXY takes a token from the client address's NEW bucket, PFWD its sealed
// bytes from the address's SEND budget, and the relay holds sessions with
// at most so many destinations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, forwardSend, openProxy, parseRelayAddress, utf8 } from '@graphchat/core';
import { Forwarder } from './forwarder.js';
import { createLogger } from './log.js';
import { connect, crypto, startTestRelay } from './test-support/harness.js';
import { silentAddress, silentServer } from './test-support/silent-server.js';

const EMPTY = new Uint8Array(0);

describe('a forwarding relay\'s client address', () => {
  it('pays a NEW token per PRXY and the sealed bytes of each PFWD (RATE past them)', async () => {
    // One PRXY, and one PFWD (16,216 sealed bytes), for the address; refills too slow to matter.
    const [p, d] = await Promise.all([
      startTestRelay({ addressQueueRate: { burst: 1, perMinute: 1 }, addressSendRate: { burst: 20_000, perMinute: 1 } }),
      startTestRelay(),
    ]);
    const [client, recipient] = await Promise.all([connect(p.address), connect(d.address)]);
    try {
      const queue = await createQueue(recipient, crypto);
      const route = await openProxy(client, crypto, parseRelayAddress(d.address));
      assert.deepEqual(await client.command(EMPTY, { type: 'PRXY', relay: d.address }, null), { type: 'ERR', code: 'RATE' });
      const send = () => forwardSend(client, crypto, route, queue.senderId, { type: 'SEND', body: utf8('hi') }, null);
      assert.deepEqual(await send(), { type: 'OK' });
      await assert.rejects(send(), (error: { response?: unknown }) => {
        assert.deepEqual(error.response, { type: 'ERR', code: 'RATE' });
        return true;
      });
    } finally {
      client.close();
      recipient.close();
      await Promise.all([p.close(), d.close()]);
    }
  });
});

describe('a forwarding relay\'s destinations', () => {
  it('are at most maxDestinations, connecting ones included; one already held is still reached', async () => {
    const silent = await silentServer();
    const forwarder = new Forwarder({ crypto, allowPrivateDestinations: true, log: createLogger('error'), maxDestinations: 2 });
    try {
      const first = forwarder.reach(parseRelayAddress(silentAddress(silent.port, 1)));
      const second = forwarder.reach(parseRelayAddress(silentAddress(silent.port, 2)));
      assert.ok(first !== null && second !== null);
      first.catch(() => {});
      second.catch(() => {});
      assert.equal(forwarder.reach(parseRelayAddress(silentAddress(silent.port, 3))), null, 'a third is refused');
      assert.equal(forwarder.reach(parseRelayAddress(silentAddress(silent.port, 1))), first, 'the first is shared');
    } finally {
      forwarder.close();
      await silent.close();
    }
  });
});
