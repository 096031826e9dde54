// Limits counted per client address at the relay (issue 12, part 3; EMP §10):
// one block of an address at a time, SEND bytes per address, stored bytes
// per address, and IPv6 addresses counted by their network. Clients stand for different addresses by their
// source address in 127/8.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, limits, type RecipientQueue, type RelayClient, type Response } from '@graphchat/core';
import { WebSocket } from 'ws';
import { DEFAULT_CONFIG, parseConfig } from './config.js';
import { connect, crypto, startTestRelay } from './test-support/harness.js';

const err = (code: string): Response => ({ type: 'ERR', code }) as Response;
const body = new Uint8Array(limits.MAX_MESSAGE_BODY);
const send = (client: RelayClient, q: RecipientQueue) => client.command(q.senderId, { type: 'SEND', body }, null);
const MIB = 1024 * 1024;

describe('one block of an address at a time', () => {
  it("while one connection's block runs, the address's other connections wait and other addresses don't", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // A SEND that stays in the store until released: its block holds its address's turn.
    const relay = await startTestRelay({}, { wrapStore: (inner) => ({ ...inner, addMessage: async (...args) => (await held, inner.addMessage(...args)) }) });
    try {
      const owner = await connect(relay.address, '127.0.0.3');
      const [a1, a2, b] = [await connect(relay.address, '127.0.0.1'), await connect(relay.address, '127.0.0.1'), await connect(relay.address, '127.0.0.2')];
      const q = await createQueue(owner, crypto);
      const sent = send(a1, q);
      const ping = (client: RelayClient) => client.command(new Uint8Array(0), { type: 'PING' }, null);
      const waited = (ms: number) => new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms));
      assert.deepEqual(await Promise.race([ping(b), waited(2000)]), { type: 'PONG' }, 'another address is served');
      const sameAddress = ping(a2);
      assert.equal(await Promise.race([sameAddress, waited(300)]), 'waiting', "the address's other connection waits for its turn");
      release();
      assert.deepEqual(await sent, { type: 'OK' });
      assert.deepEqual(await sameAddress, { type: 'PONG' });
      for (const client of [owner, a1, a2, b]) client.close();
    } finally {
      release();
      await relay.close();
    }
  });
});

describe('SEND bytes per address', () => {
  it('past the burst, SEND gets RATE and stores nothing; another address has its own bucket; the bucket refills', async () => {
    // Two messages' worth, then one message's worth every 0.5 s.
    const relay = await startTestRelay({ addressSendRate: { burst: 2.5 * limits.MAX_MESSAGE_BODY, perMinute: 120 * limits.MAX_MESSAGE_BODY } });
    try {
      const flooder = await connect(relay.address, '127.0.0.1');
      const other = await connect(relay.address, '127.0.0.2');
      const q = await createQueue(flooder, crypto);
      assert.deepEqual([await send(flooder, q), await send(flooder, q)], [{ type: 'OK' }, { type: 'OK' }]);
      assert.deepEqual(await send(flooder, q), err('RATE'));
      assert.equal((await relay.relay.options.store.stats()).messages, 2, 'the refused SEND stored nothing');
      assert.deepEqual(await send(other, q), { type: 'OK' }, 'another address is not held back');
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.deepEqual(await send(flooder, q), { type: 'OK' }, 'refilled');
      flooder.close();
      other.close();
    } finally {
      await relay.close();
    }
  });
});

describe('stored bytes per address', () => {
  it('an address past its share of the store gets FULL, over all its queues, while another address still stores', async () => {
    // A 1 MiB store, 10 % per address: six 16,000-byte messages fit in the share, seven don't.
    const relay = await startTestRelay({ maxStoreBytes: MIB, addressStorePercent: 10, queueQuota: 1000 });
    try {
      const filler = await connect(relay.address, '127.0.0.1');
      const honest = await connect(relay.address, '127.0.0.2');
      const queues = [await createQueue(filler, crypto), await createQueue(filler, crypto)];
      const answers: string[] = [];
      for (let i = 0; i < 8; i++) answers.push((await send(filler, queues[i % 2]!)).type === 'OK' ? 'OK' : 'FULL');
      assert.ok(answers.includes('FULL'), `one address filled its share: ${answers.join(' ')}`);
      assert.ok((await relay.relay.options.store.stats()).bytes < MIB * (7 / 8), 'far below the store cap');
      assert.deepEqual(await send(filler, queues[0]!), err('FULL'));
      assert.deepEqual(await send(honest, queues[0]!), { type: 'OK' });
      filler.close();
      honest.close();
    } finally {
      await relay.close();
    }
  });
});

describe('IPv6 addresses', () => {
  /** Opens a WebSocket as a client behind a proxy that names `address`; resolves with the upgrade's status. */
  const upgrade = (port: number, address: string) =>
    new Promise<{ status: number; ws: WebSocket }>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': address } });
      ws.once('open', () => resolve({ status: 101, ws }));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
      ws.once('error', () => {});
    });

  for (const [prefix, expected] of [
    [56, 503],
    [64, 101],
  ] as const) {
    it(`with --ipv6-prefix ${prefix}, two /64s of one /56 ${expected === 503 ? 'count as one address' : 'count apart'}`, async () => {
      const relay = await startTestRelay({ trustProxy: true, maxConnectionsPerAddress: 1, ipv6Prefix: prefix });
      try {
        const first = await upgrade(relay.port, '2001:db8:1:ab00::1');
        assert.equal(first.status, 101);
        const second = await upgrade(relay.port, '2001:db8:1:abff::2');
        assert.equal(second.status, expected);
        const elsewhere = await upgrade(relay.port, '2001:db8:1:ac00::1');
        assert.equal(elsewhere.status, 101, 'the next /56 is another address');
        for (const { ws } of [first, second, elsewhere]) ws.terminate();
      } finally {
        await relay.close();
      }
    });
  }
});

describe('per-address defaults and flags', () => {
  it('defaults: SEND bursts of 16 MiB then 1 MiB/s, 10 % of the store, IPv6 by /56, 1,000 connections per address', () => {
    assert.deepEqual(DEFAULT_CONFIG.addressSendRate, { burst: 16 * MIB, perMinute: 60 * MIB });
    assert.equal(DEFAULT_CONFIG.addressStorePercent, 10);
    assert.equal(DEFAULT_CONFIG.ipv6Prefix, 56);
    assert.equal(DEFAULT_CONFIG.maxConnectionsPerAddress, 1000);
  });

  it('reads the flags, and refuses a SEND burst smaller than one message', () => {
    const config = parseConfig(['--address-send-burst-kb', '64', '--address-send-rate-kb', '120', '--address-store-percent', '25', '--ipv6-prefix', '48'], {});
    assert.ok(config !== 'help');
    assert.deepEqual(config.addressSendRate, { burst: 64 * 1024, perMinute: 120 * 1024 });
    assert.equal(config.addressStorePercent, 25);
    assert.equal(config.ipv6Prefix, 48);
    assert.throws(() => parseConfig(['--address-send-burst-kb', '8'], {}), /address send burst/);
    assert.throws(() => parseConfig(['--ipv6-prefix', '8'], {}), /IPv6 prefix/);
    assert.throws(() => parseConfig(['--address-store-percent', '101'], {}), /address store percent/);
  });
});
