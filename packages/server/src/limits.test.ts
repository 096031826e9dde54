// The relay's limits (docs/protocol/edge-messaging.md §10): queue quota,
// message expiry, subscriptions per connection, pending blocks per
// connection, version negotiation, and the password length.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createQueue,
  encodeBlock,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  fromUtf8,
  limits,
  MAX_TRANSMISSION_SIZE,
  openMessage,
  parseRelayAddress,
  type RecipientQueue,
  type RelayClient,
  relayUrl,
  type Response,
  sendMessage,
  SessionError,
  signatureInput,
  startClientHandshake,
  subscribeQueue,
  toHex,
  utf8,
} from '@graphchat/core';
import { ConfigError, parseConfig } from './config.js';
import type { RunningRelay } from './server.js';
import { closeCodeOf, connect, crypto, openSocket, PushInbox, RawSession, startTestRelay } from './test-support/harness.js';
import { WS_CLOSE } from './ws-transport.js';

const err = (code: string): Response => ({ type: 'ERR', code }) as Response;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const send = (client: RelayClient, q: RecipientQueue, text: string) => client.command(q.senderId, { type: 'SEND', body: utf8(text) }, null);
const get = (client: RelayClient, q: RecipientQueue) => client.command(q.recipientId, { type: 'GET' }, q.recipientKey.secretKey);
const ack = (client: RelayClient, q: RecipientQueue, msgId: Uint8Array) => client.command(q.recipientId, { type: 'ACK', msgId }, q.recipientKey.secretKey);

async function withRelay(overrides: Parameters<typeof startTestRelay>[0], body: (relay: RunningRelay, clients: RelayClient[]) => Promise<void>): Promise<void> {
  const relay = await startTestRelay(overrides);
  const clients: RelayClient[] = [];
  try {
    clients.push(await connect(relay.address), await connect(relay.address));
    await body(relay, clients);
  } finally {
    clients.forEach((c) => c.close());
    await relay.close();
  }
}

describe('queue quota', () => {
  it('the SEND past the quota gets QUOTA; once the recipient acknowledges one, sending works again', () =>
    withRelay({ queueQuota: 3 }, async (_relay, [recipient, sender]) => {
      const q = await createQueue(recipient!, crypto);
      const other = await createQueue(recipient!, crypto);
      for (const text of ['1', '2', '3']) assert.deepEqual(await send(sender!, q, text), { type: 'OK' });
      assert.deepEqual(await send(sender!, q, '4'), err('QUOTA'));
      assert.deepEqual(await send(sender!, other, 'the quota is per queue'), { type: 'OK' });
      // A message polled (or pushed) but not acknowledged still counts.
      const first = await get(recipient!, q);
      assert.ok(first.type === 'MSG');
      assert.deepEqual(await send(sender!, q, '4'), err('QUOTA'));
      assert.deepEqual(await ack(recipient!, q, first.msgId), { type: 'OK' });
      assert.deepEqual(await send(sender!, q, '4'), { type: 'OK' });
      assert.deepEqual(await send(sender!, q, '5'), err('QUOTA'));
      // The refused messages were not stored: the queue holds 2, 3, 4 in order.
      const seen: string[] = [];
      for (;;) {
        const m = await get(recipient!, q);
        if (m.type !== 'MSG') break;
        seen.push(fromUtf8(openMessage(crypto, q, m.msgId, m.encryptedBody).body));
        assert.deepEqual(await ack(recipient!, q, m.msgId), { type: 'OK' });
      }
      assert.deepEqual(seen, ['2', '3', '4']);
    }));
});

describe('message expiry', () => {
  it('with a 200 ms TTL a message is gone after about a second', () =>
    withRelay({ messageTtlMs: 200 }, async (_relay, [recipient, sender]) => {
      const q = await createQueue(recipient!, crypto);
      assert.deepEqual(await send(sender!, q, 'short-lived'), { type: 'OK' });
      assert.equal((await get(recipient!, q)).type, 'MSG', 'there right after SEND');
      // Expiry runs every min(1 h, TTL) = 200 ms.
      await sleep(1000);
      assert.deepEqual(await get(recipient!, q), err('NO_MSG'));
      // The queue itself does not expire.
      assert.deepEqual(await send(sender!, q, 'again'), { type: 'OK' });
    }));

  it('the ACK of a pushed message that expired gets NO_MSG, and delivery goes on with the next message', () =>
    withRelay({ messageTtlMs: 200 }, async (_relay, [recipient, sender]) => {
      const inbox = new PushInbox(recipient!);
      const q = await createQueue(recipient!, crypto);
      await subscribeQueue(recipient!, q);
      assert.deepEqual(await send(sender!, q, 'expires'), { type: 'OK' });
      const pushed = await inbox.next();
      assert.ok(pushed.response.type === 'MSG');
      const deadline = Date.now() + 3000;
      while ((await get(recipient!, q)).type === 'MSG') {
        assert.ok(Date.now() < deadline, 'message did not expire');
        await sleep(50);
      }
      assert.deepEqual(await send(sender!, q, 'next'), { type: 'OK' });
      assert.ok(await inbox.quiet(20), 'nothing pushed while the expired message is outstanding');
      assert.deepEqual(await ack(recipient!, q, pushed.response.msgId), err('NO_MSG'));
      const next = await inbox.next(1000);
      assert.ok(next.response.type === 'MSG');
      assert.equal(fromUtf8(openMessage(crypto, q, next.response.msgId, next.response.encryptedBody).body), 'next');
    }));
});

describe('subscriptions per connection', () => {
  it('with maxSubscriptions 2 the third SUB gets LIMIT; SUB again on a subscribed queue is fine', () =>
    withRelay({ maxSubscriptions: 2 }, async (_relay, [first, second]) => {
      const inbox = new PushInbox(first!);
      const [a, b, c] = [await createQueue(first!, crypto), await createQueue(first!, crypto), await createQueue(first!, crypto)];
      const sub = (client: RelayClient, q: RecipientQueue) => client.command(q.recipientId, { type: 'SUB' }, q.recipientKey.secretKey);
      assert.deepEqual(await sub(first!, a!), { type: 'OK' });
      assert.deepEqual(await sub(first!, b!), { type: 'OK' });
      assert.deepEqual(await sub(first!, c!), err('LIMIT'));
      await sendMessage(second!, a!.senderId, null, utf8('for a'));
      const pushed = await inbox.next();
      assert.ok(pushed.response.type === 'MSG');
      // Subscribing again to a queue it holds is not a new subscription, and re-pushes the outstanding message.
      assert.deepEqual(await sub(first!, a!), { type: 'OK' });
      const again = await inbox.next();
      assert.ok(again.response.type === 'MSG');
      assert.equal(toHex(again.response.msgId), toHex(pushed.response.msgId));
      // The limit is per connection.
      assert.deepEqual(await sub(second!, c!), { type: 'OK' });
      // A subscription taken over by another connection no longer counts.
      assert.deepEqual(await sub(second!, b!), { type: 'OK' });
      const end = await inbox.next();
      assert.equal(end.response.type, 'END');
      assert.equal(toHex(end.recipientId), toHex(b!.recipientId));
      assert.deepEqual(await sub(first!, c!), { type: 'OK' });
      assert.deepEqual(await sub(first!, b!), err('LIMIT'));
    }));
});

describe('pending blocks per connection', () => {
  it('a client that sends more than 64 blocks without waiting is closed with 4004', async () => {
    // Without the NEW limits: a refused NEW costs the relay nothing, so blocks of them would not pile up.
    const unlimited = { burst: 0, perMinute: 0 };
    const relay = await startTestRelay({ maxQueuesPerSession: 0, sessionQueueRate: unlimited, addressQueueRate: unlimited });
    try {
      const raw = await RawSession.open(relay.address);
      // PING blocks are answered within one turn of the relay's event loop, faster
      // than they arrive, so they never pile up. A NEW costs a signature check, two
      // X25519 operations and a commit, so blocks full of them keep the relay busy.
      const key = crypto.ed25519KeyPair();
      const signed = encodeSigned(
        utf8('new'),
        new Uint8Array(0),
        encodeCommand({ type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: crypto.x25519KeyPair().publicKey, password: '' }),
      );
      const transmission = encodeTransmission(crypto.ed25519Sign(key.secretKey, signatureInput(raw.session.id, signed)), signed);
      const perBlock = Math.min(255, Math.floor((MAX_TRANSMISSION_SIZE + 2) / (transmission.length + 2)));
      const block = encodeBlock(new Array<Uint8Array>(perBlock).fill(transmission));
      for (let i = 0; i < 200; i++) raw.sendBlock(block);
      await raw.waitFor(Number.POSITIVE_INFINITY, 10_000).catch(() => {});
      assert.equal(raw.closeCode, WS_CLOSE.TOO_MANY_PENDING);
      assert.ok(raw.received.length < 200, `${raw.received.length} blocks answered`);
      // Blocks still queued when the connection closed are dropped, not executed.
      await sleep(300);
      const { queues } = await relay.relay.options.store.stats();
      assert.ok(queues <= (64 + 1) * perBlock, `${queues} queues created`);
      // Other connections are unaffected.
      const client = await connect(relay.address);
      assert.deepEqual(await client.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
      client.close();
    } finally {
      await relay.close();
    }
  });
});

describe('slow and dead peers', () => {
  const pauseReading = (raw: RawSession) => (raw.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;

  it('a client that stops reading is closed as a slow consumer (4005)', () =>
    withRelay({ maxBufferedBytes: 256 * 1024 }, async (relay, [client]) => {
      const q = await createQueue(client!, crypto);
      await sendMessage(client!, q.senderId, null, new Uint8Array(limits.MAX_MESSAGE_BODY));
      const raw = await RawSession.open(relay.address);
      const signed = encodeSigned(new Uint8Array(0), q.recipientId, encodeCommand({ type: 'GET' }));
      const get = encodeTransmission(crypto.ed25519Sign(q.recipientKey.secretKey, signatureInput(raw.session.id, signed)), signed);
      const socket = pauseReading(raw);
      socket.pause();
      // Each GET is answered by a full-size MSG: 40 blocks of 100 GETs ask for about 64 MB.
      const block = encodeBlock(new Array<Uint8Array>(100).fill(get));
      for (let i = 0; i < 40; i++) raw.sendBlock(block);
      await sleep(1500);
      const closed = closeCodeOf(raw.ws, 15_000);
      socket.resume();
      assert.equal(await closed, WS_CLOSE.SLOW_CONSUMER);
      assert.ok(raw.received.length < 4000, `${raw.received.length} frames reached the client`);
    }));

  it('a peer that stops answering pings is dropped; a live one stays', () =>
    withRelay({ heartbeatMs: 100 }, async (relay) => {
      const raw = await RawSession.open(relay.address);
      const live = await RawSession.open(relay.address);
      const connectionsBefore = relay.relay.counters.connections;
      pauseReading(raw).pause();
      await sleep(600);
      assert.equal(relay.relay.counters.connections, connectionsBefore - 1, 'the silent peer was dropped');
      assert.equal(live.closeCode, null, 'the live peer is still connected');
      live.ws.close();
    }));
});

describe('handshake timeout', () => {
  it('a socket that sends no handshake is closed with 4003', () =>
    withRelay({ handshakeTimeoutMs: 200 }, async (relay) => {
      const ws = await openSocket(`ws://127.0.0.1:${relay.port}/`);
      assert.equal(await closeCodeOf(ws, 3000), WS_CLOSE.HANDSHAKE);
    }));
});

describe('version negotiation', () => {
  it('a client that speaks only versions 3-4 gets message 2, SessionError VERSION and close 4002', async () => {
    const relay = await startTestRelay();
    try {
      const address = parseRelayAddress(relay.address);
      const ws = await openSocket(relayUrl(address));
      const closed = closeCodeOf(ws);
      const message2 = new Promise<Buffer>((resolve) => ws.once('message', resolve));
      const handshake = startClientHandshake(crypto, { min: 3, max: 4 });
      ws.send(handshake.message1);
      const reply = new Uint8Array(await message2);
      assert.throws(
        () => handshake.complete(reply, address.fingerprint),
        (e: SessionError) => e instanceof SessionError && e.code === 'VERSION' && /relay speaks 1-2/.test(e.message),
      );
      assert.equal(await closed, WS_CLOSE.VERSION);
    } finally {
      await relay.close();
    }
  });

  it('a client whose range includes 1 and 2 agrees on version 2, and a client of version 1 alone on version 1', async () => {
    const relay = await startTestRelay();
    try {
      const address = parseRelayAddress(relay.address);
      const ws = await openSocket(relayUrl(address));
      const message2 = new Promise<Buffer>((resolve) => ws.once('message', resolve));
      const handshake = startClientHandshake(crypto, { min: 1, max: 7 });
      ws.send(handshake.message1);
      assert.equal(handshake.complete(new Uint8Array(await message2), address.fingerprint).version, 2);
      ws.close();
      const v1 = await openSocket(relayUrl(address));
      const v1Message2 = new Promise<Buffer>((resolve) => v1.once('message', resolve));
      const v1Handshake = startClientHandshake(crypto, { min: 1, max: 1 });
      v1.send(v1Handshake.message1);
      assert.equal(v1Handshake.complete(new Uint8Array(await v1Message2), address.fingerprint).version, 1);
      v1.close();
    } finally {
      await relay.close();
    }
  });
});

describe('relay password length', () => {
  it('a password longer than 255 bytes is refused by parseConfig', () => {
    assert.throws(() => parseConfig(['--password', 'x'.repeat(limits.MAX_PASSWORD_LENGTH + 1)], {}), (e: Error) => e instanceof ConfigError && /password/.test(e.message));
    // Bytes of UTF-8, not characters: 128 × "é" is 256 bytes.
    assert.throws(() => parseConfig([], { PASSWORD: 'é'.repeat(128) }), ConfigError);
    const config = parseConfig(['--password', 'x'.repeat(limits.MAX_PASSWORD_LENGTH)], {});
    assert.ok(config !== 'help' && config.password.length === limits.MAX_PASSWORD_LENGTH);
  });
});
