// The HTTP binding (docs/protocol/edge-messaging.md §11) over a real relay on
// loopback: handshake, one frame per request, polling, errors, and the
// /health and info pages.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  createQueue,
  decryptQueueMessage,
  formatRelayAddress,
  fromUtf8,
  limits,
  openMessage,
  parseRelayAddress,
  type RelayClient,
  type Response,
  sendMessage,
  SessionError,
  startClientHandshake,
  subscribeQueue,
  toBase64url,
  toHex,
  utf8,
} from '@graphchat/core';
import type { RunningRelay } from './server.js';
import { connect, createHttpQueue, crypto, httpBase, httpPost, httpRequest, HttpSession, jsonOf, PushInbox, startTestRelay } from './test-support/harness.js';

const err = (code: string): Response => ({ type: 'ERR', code }) as Response;
const TOKEN_LENGTH = 16;
const MESSAGE2_LENGTH = 102;

describe('HTTP binding', () => {
  let relay: RunningRelay;
  let base: string;
  let ws: RelayClient;

  before(async () => {
    relay = await startTestRelay();
    base = httpBase(relay.address);
    ws = await connect(relay.address);
  });
  after(async () => {
    ws.close();
    await relay.close();
  });

  it('POST /v1/session answers token ‖ message 2, and the client checks the fingerprint', async () => {
    const handshake = startClientHandshake(crypto);
    const reply = await httpPost(`${base}v1/session`, handshake.message1);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/octet-stream');
    assert.equal(reply.body.length, TOKEN_LENGTH + MESSAGE2_LENGTH);
    const wrong = crypto.randomBytes(32);
    assert.throws(() => handshake.complete(reply.body.subarray(TOKEN_LENGTH), wrong), (e: SessionError) => e.code === 'IDENTITY');
    // A fresh handshake with the right fingerprint gives a working session.
    const http = await HttpSession.open(relay.address);
    assert.equal(http.token.length, TOKEN_LENGTH);
    assert.equal(toBase64url(http.token).length, 22);
    assert.equal(http.session.version, limits.MAX_VERSION);
    assert.deepEqual(await http.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
    await assert.rejects(HttpSession.open(relay.address, wrong), (e: SessionError) => e.code === 'IDENTITY');
  });

  it('NEW, SEND, GET → MSG (decryptable with the queue secret), ACK, GET → NO_MSG', async () => {
    const http = await HttpSession.open(relay.address);
    const queue = await createHttpQueue(http);
    assert.equal(queue.recipientId.length, 24);
    assert.notEqual(toHex(queue.recipientId), toHex(queue.senderId));
    assert.deepEqual(await http.command(queue.senderId, { type: 'SEND', body: utf8('over http') }, null), { type: 'OK' });
    const got = await http.command(queue.recipientId, { type: 'GET' }, queue.recipientKey.secretKey);
    assert.ok(got.type === 'MSG', JSON.stringify(got));
    const message = decryptQueueMessage(crypto, queue.secret, got.msgId, got.encryptedBody);
    assert.equal(fromUtf8(message.body), 'over http');
    assert.equal(message.authorized, false);
    assert.ok(Math.abs(message.timestamp - Date.now()) < 60_000);
    // GET changes nothing: the same message until it is acknowledged.
    const again = await http.command(queue.recipientId, { type: 'GET' }, queue.recipientKey.secretKey);
    assert.ok(again.type === 'MSG' && toHex(again.msgId) === toHex(got.msgId));
    assert.deepEqual(await http.command(queue.recipientId, { type: 'ACK', msgId: got.msgId }, queue.recipientKey.secretKey), { type: 'OK' });
    assert.deepEqual(await http.command(queue.recipientId, { type: 'GET' }, queue.recipientKey.secretKey), err('NO_MSG'));
    assert.deepEqual(await http.command(queue.recipientId, { type: 'ACK', msgId: got.msgId }, queue.recipientKey.secretKey), err('NO_MSG'));
  });

  it('several commands in one request are answered in order in one response', async () => {
    const http = await HttpSession.open(relay.address);
    const queue = await createHttpQueue(http);
    const responses = await http.commands([
      { entityId: queue.senderId, command: { type: 'SEND', body: utf8('a') }, signingKey: null },
      { entityId: new Uint8Array(0), command: { type: 'PING' }, signingKey: null },
      { entityId: queue.recipientId, command: { type: 'GET' }, signingKey: queue.recipientKey.secretKey },
      { entityId: queue.recipientId, command: { type: 'GET' }, signingKey: null },
    ]);
    assert.deepEqual(responses.map((r) => r.type), ['OK', 'PONG', 'MSG', 'ERR']);
    assert.deepEqual(responses[3], err('AUTH'));
  });

  it('SUB over HTTP is PROHIBITED once authenticated, AUTH without a signature', async () => {
    const http = await HttpSession.open(relay.address);
    const queue = await createHttpQueue(http);
    assert.deepEqual(await http.command(queue.recipientId, { type: 'SUB' }, queue.recipientKey.secretKey), err('PROHIBITED'));
    assert.deepEqual(await http.command(queue.recipientId, { type: 'SUB' }, null), err('AUTH'));
  });

  it('a message sent over WebSocket is polled over HTTP', async () => {
    const http = await HttpSession.open(relay.address);
    const queue = await createHttpQueue(http);
    await sendMessage(ws, queue.senderId, null, utf8('from ws'));
    const got = await http.command(queue.recipientId, { type: 'GET' }, queue.recipientKey.secretKey);
    assert.ok(got.type === 'MSG');
    assert.equal(fromUtf8(decryptQueueMessage(crypto, queue.secret, got.msgId, got.encryptedBody).body), 'from ws');
    assert.deepEqual(await http.command(queue.recipientId, { type: 'ACK', msgId: got.msgId }, queue.recipientKey.secretKey), { type: 'OK' });
  });

  it('a message sent over HTTP reaches a WebSocket subscriber, and an ACK over HTTP advances its delivery', async () => {
    const recipient = await connect(relay.address);
    const inbox = new PushInbox(recipient);
    const queue = await createQueue(recipient, crypto);
    await subscribeQueue(recipient, queue);
    const http = await HttpSession.open(relay.address);
    assert.deepEqual(await http.command(queue.senderId, { type: 'SEND', body: utf8('one') }, null), { type: 'OK' });
    assert.deepEqual(await http.command(queue.senderId, { type: 'SEND', body: utf8('two') }, null), { type: 'OK' });
    const first = await inbox.next();
    assert.ok(first.response.type === 'MSG');
    assert.equal(fromUtf8(openMessage(crypto, queue, first.response.msgId, first.response.encryptedBody).body), 'one');
    assert.ok(await inbox.quiet(200), 'second message pushed before the first was acknowledged');
    // The recipient acknowledges from another device that uses HTTP.
    const poller = await HttpSession.open(relay.address);
    assert.deepEqual(await poller.command(queue.recipientId, { type: 'ACK', msgId: first.response.msgId }, queue.recipientKey.secretKey), { type: 'OK' });
    const second = await inbox.next();
    assert.ok(second.response.type === 'MSG');
    assert.equal(fromUtf8(openMessage(crypto, queue, second.response.msgId, second.response.encryptedBody).body), 'two');
    recipient.close();
  });

  it('a replayed request body ends the session: 400 DECRYPT, then 404 SESSION', async () => {
    const http = await HttpSession.open(relay.address);
    assert.deepEqual(await http.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
    const replay = await http.post(http.lastFrame!);
    assert.equal(replay.status, 400);
    assert.deepEqual(jsonOf(replay), { error: 'DECRYPT' });
    const after = await http.post(http.session.seal(new Uint8Array(limits.BLOCK_PLAINTEXT_SIZE)));
    assert.equal(after.status, 404);
    assert.deepEqual(jsonOf(after), { error: 'SESSION' });
    await assert.rejects(http.command(new Uint8Array(0), { type: 'PING' }, null), /HTTP 404/);
  });

  it('a forged frame ends the session too', async () => {
    const http = await HttpSession.open(relay.address);
    const forged = await http.post(crypto.randomBytes(limits.BLOCK_SIZE));
    assert.equal(forged.status, 400);
    assert.deepEqual(jsonOf(forged), { error: 'DECRYPT' });
    await assert.rejects(http.command(new Uint8Array(0), { type: 'PING' }, null), /HTTP 404/);
  });

  it('an unknown or malformed token gets 404 SESSION', async () => {
    for (const token of [toBase64url(crypto.randomBytes(TOKEN_LENGTH)), 'not*base64', '']) {
      const reply = await httpPost(`${base}v1/session/${token}`, new Uint8Array(limits.BLOCK_SIZE));
      assert.equal(reply.status, 404, token);
      assert.deepEqual(jsonOf(reply), { error: 'SESSION' });
    }
  });

  it('a body of the wrong size gets 400 FRAME and leaves the session intact', async () => {
    const http = await HttpSession.open(relay.address);
    for (const size of [0, 1, limits.BLOCK_SIZE - 1, limits.BLOCK_SIZE + 1, 2 * limits.BLOCK_SIZE]) {
      const reply = await http.post(new Uint8Array(size));
      assert.equal(reply.status, 400, `${size} bytes`);
      assert.deepEqual(jsonOf(reply), { error: 'FRAME' });
    }
    assert.deepEqual(await http.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
  });

  it('a second request while one is in progress gets 409 BUSY', async () => {
    const http = await HttpSession.open(relay.address);
    const frame = http.session.seal(new Uint8Array(limits.BLOCK_PLAINTEXT_SIZE)); // count 0: answered ERR BLOCK
    const url = new URL(http.url);
    // Start a request and hold back the second half of its body.
    const slow = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-length': frame.length } });
    const slowReply = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      slow.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      });
      slow.on('error', reject);
    });
    slow.write(frame.subarray(0, 1000));
    // Until the relay has seen the first request, the probe (of the wrong size) is answered FRAME and changes nothing.
    let probe;
    for (let i = 0; i < 100; i++) {
      probe = await http.post(new Uint8Array(10));
      if (probe.status === 409) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(probe!.status, 409);
    assert.deepEqual(jsonOf(probe!), { error: 'BUSY' });
    slow.end(frame.subarray(1000));
    const answer = await slowReply;
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, limits.BLOCK_SIZE);
    http.session.open(new Uint8Array(answer.body)); // keeps the relay's nonces in step
    assert.deepEqual(await http.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
  });

  it('handshake errors: malformed message 1 → 400 HANDSHAKE, oversized body → 413 TOO_LARGE', async () => {
    const malformed = await httpPost(`${base}v1/session`, new Uint8Array(10));
    assert.equal(malformed.status, 400);
    assert.deepEqual(jsonOf(malformed), { error: 'HANDSHAKE' });
    const valid = startClientHandshake(crypto).message1;
    const oversized = new Uint8Array(2000);
    oversized.set(valid);
    const large = await httpPost(`${base}v1/session`, oversized);
    assert.equal(large.status, 413);
    assert.deepEqual(jsonOf(large), { error: 'TOO_LARGE' });
  });

  it('no common version: 200 with a token and message 2, but the token names no session', async () => {
    const handshake = startClientHandshake(crypto, { min: limits.MAX_VERSION + 1, max: limits.MAX_VERSION + 2 });
    const reply = await httpPost(`${base}v1/session`, handshake.message1);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, TOKEN_LENGTH + MESSAGE2_LENGTH);
    assert.throws(() => handshake.complete(reply.body.subarray(TOKEN_LENGTH), parseRelayAddress(relay.address).fingerprint), (e: SessionError) => e.code === 'VERSION');
    const token = toBase64url(reply.body.subarray(0, TOKEN_LENGTH));
    const after = await httpPost(`${base}v1/session/${token}`, new Uint8Array(limits.BLOCK_SIZE));
    assert.equal(after.status, 404);
    assert.deepEqual(jsonOf(after), { error: 'SESSION' });
  });

  it('wrong methods get 405 METHOD, unknown paths 404 NOT_FOUND', async () => {
    for (const [method, path] of [
      ['GET', 'v1/session'],
      ['PUT', 'v1/session'],
      ['GET', `v1/session/${toBase64url(crypto.randomBytes(TOKEN_LENGTH))}`],
      ['POST', 'health'],
      ['DELETE', ''],
    ] as const) {
      const reply = await httpRequest(base + path, { method });
      assert.equal(reply.status, 405, `${method} /${path}`);
      assert.deepEqual(jsonOf(reply), { error: 'METHOD' });
    }
    for (const path of ['nope', 'v1', 'v1/sessions', 'health/', 'v2/session']) {
      const reply = await httpRequest(base + path);
      assert.equal(reply.status, 404, `/${path}`);
      assert.deepEqual(jsonOf(reply), { error: 'NOT_FOUND' });
    }
  });

  it('routing ignores the query string', async () => {
    const reply = await httpRequest(`${base}health?probe=1`);
    assert.equal(reply.status, 200);
  });

  it('OPTIONS preflight → 204 with CORS headers', async () => {
    for (const path of ['v1/session', `v1/session/${toBase64url(crypto.randomBytes(TOKEN_LENGTH))}`, 'health']) {
      const reply = await httpRequest(base + path, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(reply.status, 204, path);
      assert.equal(reply.headers.get('access-control-allow-origin'), '*');
      assert.match(reply.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
      assert.match(reply.headers.get('access-control-allow-headers') ?? '', /content-type/i);
      assert.equal(reply.body.length, 0);
    }
    // Actual responses carry the origin header too, so a browser page can read them.
    const health = await httpRequest(`${base}health`, { headers: { origin: 'https://app.example' } });
    assert.equal(health.headers.get('access-control-allow-origin'), '*');
  });

  it('GET /health → 200 {"status":"ok"}; HEAD too', async () => {
    const reply = await httpRequest(`${base}health`);
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(jsonOf(reply), { status: 'ok' });
    const head = await httpRequest(`${base}health`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });
});

describe('HTTP info page', () => {
  const password = 'correct horse/battery@staple';
  let relay: RunningRelay;
  let base: string;

  before(async () => {
    relay = await startTestRelay({ password, infoRefreshMs: 0 });
    base = httpBase(relay.address);
  });
  after(() => relay.close());

  const page = async (): Promise<string> => {
    const reply = await httpRequest(base);
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
    return fromUtf8(reply.body);
  };
  const counter = (html: string, name: string): number => {
    const match = new RegExp(`<td>${name}</td><td><code>(\\d+)</code>`).exec(html);
    assert.ok(match, `no ${name} row`);
    return Number(match[1]);
  };

  it('reuses its figures for a while, so polling it does not reveal when messages pass', async () => {
    const cached = await startTestRelay({ password, infoRefreshMs: 60_000 });
    const get = async () => (await fetch(`http://127.0.0.1:${cached.port}/`)).text();
    const first = await get();
    const client = await connect(cached.address);
    const q = await createQueue(client, crypto, password);
    await sendMessage(client, q.senderId, null, utf8('unseen'));
    const second = await get();
    assert.equal(counter(second, 'Queues'), counter(first, 'Queues'));
    assert.equal(counter(second, 'Messages accepted since start'), counter(first, 'Messages accepted since start'));
    client.close();
    await cached.close();
  });

  it('shows the address without the password, marked private, and no queue id; its counters change', async () => {
    const address = parseRelayAddress(relay.address);
    assert.equal(address.password, password);
    const publicAddress = formatRelayAddress({ ...address, password: '' });
    const before = await page();
    assert.ok(before.includes(publicAddress), 'public address shown');
    assert.match(before, /private/i);
    assert.ok(!before.includes(password) && !before.includes(encodeURIComponent(password)), 'password not shown');
    assert.match(before, /1-2/);
    const queuesBefore = counter(before, 'Queues');
    const messagesBefore = counter(before, 'Undelivered messages');
    const acceptedBefore = counter(before, 'Messages accepted since start');

    const client = await connect(relay.address);
    const http = await HttpSession.open(relay.address);
    const queues = [await createQueue(client, crypto, password), await createHttpQueue(http, password)];
    assert.deepEqual(await http.command(new Uint8Array(0), { type: 'NEW', recipientAuthKey: queues[0]!.recipientKey.publicKey, recipientDhKey: crypto.x25519KeyPair().publicKey, password: 'wrong' }, queues[0]!.recipientKey.secretKey), err('AUTH'));
    await sendMessage(client, queues[0]!.senderId, null, utf8('waiting'));
    await sendMessage(client, queues[1]!.senderId, null, utf8('waiting too'));

    const afterwards = await page();
    assert.equal(counter(afterwards, 'Queues'), queuesBefore + 2);
    assert.equal(counter(afterwards, 'Undelivered messages'), messagesBefore + 2);
    assert.equal(counter(afterwards, 'Messages accepted since start'), acceptedBefore + 2);
    assert.ok(counter(afterwards, 'Open connections') >= 2, 'the WebSocket and the HTTP session');
    assert.ok(!afterwards.includes(password) && !afterwards.includes(encodeURIComponent(password)));
    const lower = afterwards.toLowerCase();
    for (const q of queues) {
      for (const id of [q.recipientId, q.senderId]) {
        assert.ok(!afterwards.includes(toBase64url(id)), 'base64url of a queue id');
        assert.ok(!lower.includes(toHex(id)), 'hex of a queue id');
        assert.ok(!afterwards.includes(Buffer.from(id).toString('base64')), 'base64 of a queue id');
      }
    }
    const head = await httpRequest(base, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    client.close();
  });
});
