// A slow or silent destination holds up only the forwards waiting for it
// (EMP §7.7): the client's other commands on its own relay, and those of
// other clients behind its address, are answered meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forwardSend, openProxy, parseRelayAddress, RelayClient, utf8 } from '@graphchat/core';
import type { RunningRelay } from './server.js';
import type { QueueStore } from './store.js';
import { connect, crypto, startTestRelay, webSocket } from './test-support/harness.js';
import { silentAddress, silentServer } from './test-support/silent-server.js';

const EMPTY = new Uint8Array(0);
/** Far below the forwarding relay's 10-second wait for a destination. */
const PROMPT_MS = 1000;

async function timed(work: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work;
  return Date.now() - started;
}

/** A store whose sender lookups never finish: a destination that takes a forward and never answers it. */
function stalling(store: QueueStore): QueueStore {
  const never = new Promise<never>(() => {});
  return new Proxy(store, {
    get(target, key) {
      if (key === 'queueBySenderId') return () => never;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('a destination that does not answer', () => {
  let p: RunningRelay;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let client: RelayClient;
  let neighbour: RelayClient;
  before(async () => {
    [p, silent] = await Promise.all([startTestRelay({ blocksPerAddress: 1 }), silentServer()]);
    // Both from 127.0.0.1: one client address, one turn at a time.
    [client, neighbour] = await Promise.all([connect(p.address), connect(p.address)]);
  });
  after(async () => {
    client.close();
    neighbour.close();
    await Promise.all([p.close(), silent.close()]);
  });

  it('while P connects to it (PRXY), the client and its address neighbours are answered at once', async () => {
    void client.command(EMPTY, { type: 'PRXY', relay: silentAddress(silent.port) }, null).catch(() => {});
    assert.ok((await timed(client.command(EMPTY, { type: 'PING' }, null))) < PROMPT_MS, 'same connection');
    assert.ok((await timed(neighbour.command(EMPTY, { type: 'PING' }, null))) < PROMPT_MS, 'same address');
  });

  it('while P waits for its answer to a forward (PFWD), the client and its address neighbours are answered at once', async () => {
    const d = await startTestRelay({}, { wrapStore: stalling });
    try {
      const route = await openProxy(client, crypto, parseRelayAddress(d.address));
      void forwardSend(client, crypto, route, crypto.randomBytes(24), { type: 'SEND', body: utf8('into the void') }, null).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100)); // the PFWD is on its way to D
      assert.ok((await timed(client.command(EMPTY, { type: 'PING' }, null))) < PROMPT_MS, 'same connection');
      assert.ok((await timed(neighbour.command(EMPTY, { type: 'PING' }, null))) < PROMPT_MS, 'same address');
    } finally {
      await d.close();
    }
  });
});

describe('a client of a forwarding relay', () => {
  it('waits for PRXY longer than for other commands, so the relay answers before the client gives up', async () => {
    const [p, silent] = await Promise.all([startTestRelay(), silentServer()]);
    const impatient = await RelayClient.connect(p.address, { crypto, webSocket, timeoutMs: 300 });
    try {
      let settled = false;
      const proxy = impatient.command(EMPTY, { type: 'PRXY', relay: silentAddress(silent.port) }, null).finally(() => (settled = true));
      proxy.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(settled, false, 'still waiting past the client\'s own timeout');
    } finally {
      impatient.close();
      await Promise.all([p.close(), silent.close()]);
    }
  });
});
