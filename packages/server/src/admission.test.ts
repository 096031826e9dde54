// The limits on what a stranger may take from a public relay (issue 12,
// part 3; EMP §10): NEW rate and queues per session and per address, the
// store's byte cap, WebSocket connections, and the HTTP session pool.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { createQueue, fromUtf8, limits, type RecipientQueue, type RelayClient, type Response, startClientHandshake } from '@graphchat/core';
import { AddressCounter, normalizeAddress, TokenBucket } from './admission.js';
import { connect, crypto, httpBase, httpPost, httpRequest, HttpSession, jsonOf, openSocket, responsesIn, startTestRelay } from './test-support/harness.js';

const err = (code: string): Response => ({ type: 'ERR', code }) as Response;
const EMPTY = new Uint8Array(0);
const unlimited = { burst: 0, perMinute: 0 };

async function newQueue(client: RelayClient): Promise<Response> {
  const key = crypto.ed25519KeyPair();
  return client.command(EMPTY, { type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: crypto.x25519KeyPair().publicKey, password: '' }, key.secretKey);
}

describe('TokenBucket', () => {
  it('lets a burst through, then one token per 60,000 / perMinute ms', () => {
    const bucket = new TokenBucket({ burst: 3, perMinute: 60 }, 0);
    assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
    assert.equal(bucket.take(999), false);
    assert.equal(bucket.take(1000), true);
    assert.equal(bucket.take(1000), false);
    assert.equal(bucket.full(4000), true, 'refilled, never past the burst');
  });

  it('with burst 0, lets everything through', () => {
    const bucket = new TokenBucket(unlimited, 0);
    for (let i = 0; i < 1000; i++) assert.equal(bucket.take(0), true);
  });
});

describe('AddressCounter', () => {
  it('counts in all and per address; 0 is no limit', () => {
    const counter = new AddressCounter(3, 2);
    assert.equal(counter.tryAdd('a'), true);
    assert.equal(counter.tryAdd('a'), true);
    assert.equal(counter.tryAdd('a'), false, 'per address');
    assert.equal(counter.tryAdd('b'), true);
    assert.equal(counter.tryAdd('c'), false, 'in all');
    counter.remove('a');
    assert.equal(counter.tryAdd('c'), true);
    const open = new AddressCounter(0, 0);
    for (let i = 0; i < 100; i++) assert.equal(open.tryAdd('a'), true);
  });
});

describe('normalizeAddress', () => {
  it('keeps IPv4, unmaps IPv4-mapped IPv6, and counts IPv6 by its network of the prefix given', () => {
    assert.equal(normalizeAddress('127.0.0.1', 56), '127.0.0.1');
    assert.equal(normalizeAddress('::ffff:10.0.0.7', 56), '10.0.0.7');
    assert.equal(normalizeAddress('2001:db8:1:2:aaaa::1', 64), '2001:db8:1:2::/64');
    assert.equal(normalizeAddress('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee', 64), '2001:db8:1:2::/64');
    assert.equal(normalizeAddress('2001:db8::1', 64), '2001:db8:0:0::/64');
    assert.equal(normalizeAddress('::1', 64), '0:0:0:0::/64');
    assert.equal(normalizeAddress('fe80::1%eth0', 64), 'fe80:0:0:0::/64');
  });

  it('groups the /64s of one /56 (or /48) as one address, and keeps neighbouring networks apart', () => {
    // Two /64s a subscriber with a /56 may use: 2001:db8:1:ab00::/64 and 2001:db8:1:abff::/64.
    assert.equal(normalizeAddress('2001:db8:1:ab00::1', 56), '2001:db8:1:ab00::/56');
    assert.equal(normalizeAddress('2001:db8:1:abff:1:2:3:4', 56), '2001:db8:1:ab00::/56');
    assert.notEqual(normalizeAddress('2001:db8:1:ac00::1', 56), normalizeAddress('2001:db8:1:ab00::1', 56));
    assert.equal(normalizeAddress('2001:db8:1:abff::1', 48), '2001:db8:1::/48');
    assert.equal(normalizeAddress('2001:db8:1:abff::1', 60), '2001:db8:1:abf0::/60');
    assert.equal(normalizeAddress('2001:db8:1:2:3:4:5:6', 128), '2001:db8:1:2:3:4:5:6/128');
  });
});

describe('NEW limits', () => {
  it('past the session burst, NEW gets RATE; another session has its own bucket', async () => {
    const relay = await startTestRelay({ sessionQueueRate: { burst: 3, perMinute: 1 }, addressQueueRate: unlimited });
    try {
      const [a, b] = [await connect(relay.address), await connect(relay.address)];
      for (let i = 0; i < 3; i++) assert.equal((await newQueue(a)).type, 'IDS');
      assert.deepEqual(await newQueue(a), err('RATE'));
      assert.equal((await newQueue(b)).type, 'IDS');
      a.close();
      b.close();
    } finally {
      await relay.close();
    }
  });

  it('the address bucket is shared by every session from the address', async () => {
    const relay = await startTestRelay({ sessionQueueRate: unlimited, addressQueueRate: { burst: 4, perMinute: 1 } });
    try {
      const [a, b] = [await connect(relay.address), await connect(relay.address)];
      for (let i = 0; i < 2; i++) assert.equal((await newQueue(a)).type, 'IDS');
      for (let i = 0; i < 2; i++) assert.equal((await newQueue(b)).type, 'IDS');
      assert.deepEqual(await newQueue(a), err('RATE'));
      assert.deepEqual(await newQueue(b), err('RATE'));
      a.close();
      b.close();
    } finally {
      await relay.close();
    }
  });

  it('past maxQueuesPerSession, NEW gets LIMIT, before any signature check', async () => {
    const relay = await startTestRelay({ maxQueuesPerSession: 2 });
    try {
      const client = await connect(relay.address);
      for (let i = 0; i < 2; i++) assert.equal((await newQueue(client)).type, 'IDS');
      assert.deepEqual(await newQueue(client), err('LIMIT'));
      const key = crypto.ed25519KeyPair();
      const unsigned = await client.command(EMPTY, { type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: crypto.x25519KeyPair().publicKey, password: '' }, null);
      assert.deepEqual(unsigned, err('LIMIT'));
      client.close();
    } finally {
      await relay.close();
    }
  });

  it('the limits are the defaults: 1,000 queues per session, NEW bursts of 100 per session and 1,000 per address', async () => {
    const { DEFAULT_CONFIG } = await import('./config.js');
    assert.equal(DEFAULT_CONFIG.maxQueuesPerSession, 1000);
    assert.deepEqual(DEFAULT_CONFIG.sessionQueueRate, { burst: 100, perMinute: 60 });
    assert.deepEqual(DEFAULT_CONFIG.addressQueueRate, { burst: 1000, perMinute: 600 });
    assert.equal(DEFAULT_CONFIG.maxStoreBytes, 1024 * 1024 * 1024);
  });
});

describe('store byte cap', () => {
  const body = new Uint8Array(limits.MAX_MESSAGE_BODY);
  const send = (client: RelayClient, q: RecipientQueue) => client.command(q.senderId, { type: 'SEND', body }, null);

  it('past 7/8 of the cap, NEW and SEND into a backed-up queue get FULL, a queue whose recipient keeps up takes messages up to the cap, and ACK makes room; /info shows it', async () => {
    const cap = 1024 * 1024;
    // One address may fill the store here: this test is of the cap itself (address-limits.test.ts tests the share).
    const relay = await startTestRelay({ maxStoreBytes: cap, queueQuota: 1000, addressStorePercent: 0 });
    try {
      const client = await connect(relay.address);
      const filler = await createQueue(client, crypto);
      const honest = await createQueue(client, crypto);
      let sent = 0;
      for (;;) {
        const response = await send(client, filler);
        if (response.type !== 'OK') {
          assert.deepEqual(response, err('FULL'));
          break;
        }
        assert.ok(++sent < 100, 'FULL never came');
      }
      const stats = await relay.relay.options.store.stats();
      assert.ok(stats.bytes > cap * (7 / 8) - 2 * body.length && stats.bytes <= cap, `${stats.bytes} bytes used`);
      assert.deepEqual(await newQueue(client), err('FULL'));
      // The honest queue is empty: it still takes messages, fewer than 8 at a time, until the cap itself.
      const taken: string[] = [];
      for (let i = 0; i < 8; i++) taken.push((await send(client, honest)).type === 'OK' ? 'OK' : 'FULL');
      assert.ok(taken.includes('OK'), 'a queue whose recipient keeps up is served past 7/8 of the cap');
      assert.ok((await relay.relay.options.store.stats()).bytes <= cap);
      const info = fromUtf8(new Uint8Array(await (await fetch(`${httpBase(relay.address)}info`)).arrayBuffer()));
      assert.match(info, /Store size<\/td><td><code>[0-9.]+ MiB of 1\.0 MiB/);
      // Acknowledging the filler's messages makes room again.
      for (let i = 0; i < sent; i++) {
        const m = await client.command(filler.recipientId, { type: 'GET' }, filler.recipientKey.secretKey);
        assert.ok(m.type === 'MSG');
        assert.deepEqual(await client.command(filler.recipientId, { type: 'ACK', msgId: m.msgId }, filler.recipientKey.secretKey), { type: 'OK' });
      }
      assert.deepEqual(await send(client, filler), { type: 'OK' });
      assert.equal((await newQueue(client)).type, 'IDS');
      client.close();
    } finally {
      await relay.close();
    }
  });
});

describe('WebSocket connection limits', () => {
  const upgrade = async (port: number) => {
    try {
      const ws = await openSocket(`ws://127.0.0.1:${port}/`);
      return ws;
    } catch (error) {
      return String(error);
    }
  };

  it('past maxConnectionsPerAddress, the upgrade gets 503; a closed connection makes room', async () => {
    const relay = await startTestRelay({ maxConnectionsPerAddress: 2 });
    try {
      const first = await upgrade(relay.port);
      const second = await upgrade(relay.port);
      assert.ok(typeof first !== 'string' && typeof second !== 'string');
      assert.match(String(await upgrade(relay.port)), /503/);
      first.close();
      await new Promise((resolve) => first.once('close', resolve));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = await upgrade(relay.port);
      assert.ok(typeof third !== 'string', String(third));
      second.close();
      third.close();
    } finally {
      await relay.close();
    }
  });

  it('past maxConnections in all, the upgrade gets 503', async () => {
    const relay = await startTestRelay({ maxConnections: 1, maxConnectionsPerAddress: 0 });
    try {
      const first = await upgrade(relay.port);
      assert.ok(typeof first !== 'string');
      assert.match(String(await upgrade(relay.port)), /503/);
      first.close();
    } finally {
      await relay.close();
    }
  });
});

describe('HTTP session pool', () => {
  it('a full pool evicts the oldest session that never sent a frame; only used sessions make it answer 503', async () => {
    const relay = await startTestRelay({ maxHttpSessionsPerAddress: 2 });
    try {
      const a = await HttpSession.open(relay.address);
      const b = await HttpSession.open(relay.address);
      // Both unused: a third evicts a, the oldest.
      const c = await HttpSession.open(relay.address);
      assert.deepEqual(jsonOf(await a.post(new Uint8Array(limits.BLOCK_SIZE))), { error: 'SESSION' });
      assert.deepEqual(await b.command(EMPTY, { type: 'PING' }, null), { type: 'PONG' });
      assert.deepEqual(await c.command(EMPTY, { type: 'PING' }, null), { type: 'PONG' });
      // b and c are used: no room, and nothing to evict.
      const refused = await httpPost(`${httpBase(relay.address)}v1/session`, startClientHandshake(crypto).message1);
      assert.equal(refused.status, 503);
      assert.deepEqual(jsonOf(refused), { error: 'BUSY' });
    } finally {
      await relay.close();
    }
  });

  it('a full pool evicts from the address holding the most unused sessions, not the oldest honest one', async () => {
    const relay = await startTestRelay({ maxHttpSessions: 3, maxHttpSessionsPerAddress: 0, trustProxy: true });
    try {
      const honest = await HttpSession.open(relay.address);
      // Replays through the trusted proxy, all from one address, fill the pool and keep coming.
      const replay = () =>
        httpRequest(`${httpBase(relay.address)}v1/session`, { method: 'POST', body: new Uint8Array(startClientHandshake(crypto).message1), headers: { 'x-forwarded-for': '10.0.0.9' } });
      for (let i = 0; i < 5; i++) assert.equal((await replay()).status, 200);
      // The honest session is the oldest unused one, yet the replaying address gave up its own.
      assert.deepEqual(await honest.command(EMPTY, { type: 'PING' }, null), { type: 'PONG' });
    } finally {
      await relay.close();
    }
  });

  it('a session whose first frame is still arriving is not evicted to make room: the frame is answered and the session stays', async () => {
    const relay = await startTestRelay({ maxHttpSessionsPerAddress: 2 });
    try {
      const a = await HttpSession.open(relay.address);
      const b = await HttpSession.open(relay.address);
      const frame = a.sealCommand({ entityId: EMPTY, command: { type: 'PING' }, signingKey: null });
      const answer = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
        const req = request(a.url, { method: 'POST', headers: { 'content-length': frame.length } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.write(frame.subarray(0, 1000));
        // The rest once a third session has asked for room: a, the oldest unused one, is busy, so b goes.
        setTimeout(() => void HttpSession.open(relay.address).then(() => req.end(frame.subarray(1000)), reject), 200);
      });
      const { status, body } = await answer;
      assert.equal(status, 200);
      assert.deepEqual(responsesIn(a.openAnswer(new Uint8Array(body))).map((r) => r.response), [{ type: 'PONG' }]);
      assert.deepEqual(jsonOf(await b.post(new Uint8Array(limits.BLOCK_SIZE))), { error: 'SESSION' });
    } finally {
      await relay.close();
    }
  });

  it('a session that sends no frame is forgotten after httpUnusedSessionMs; a used one stays', async () => {
    const relay = await startTestRelay({ httpUnusedSessionMs: 200 });
    try {
      const unused = await HttpSession.open(relay.address);
      const used = await HttpSession.open(relay.address);
      assert.deepEqual(await used.command(EMPTY, { type: 'PING' }, null), { type: 'PONG' });
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(jsonOf(await unused.post(new Uint8Array(limits.BLOCK_SIZE))), { error: 'SESSION' });
      assert.deepEqual(await used.command(EMPTY, { type: 'PING' }, null), { type: 'PONG' });
    } finally {
      await relay.close();
    }
  });
});


