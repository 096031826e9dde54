// Private message routing over real relays (EMP §7.7, §7.8): a client sends
// to a queue on relay D through relay P; D refuses a replayed or tampered
// forward, P refuses private destinations unless allowed, and neither
// crashes on malformed forwarding commands.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createQueue,
  decodeResponse,
  decodeTransmission,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  ForwardError,
  forwardSend,
  fromUtf8,
  openForwardResponse,
  openMessage,
  openProxy,
  parseRelayAddress,
  sealForward,
  secureQueue,
  signatureInput,
  subscribeQueue,
  utf8,
  type ProxyRoute,
  type RecipientQueue,
  type RelayClient,
} from '@graphchat/core';
import { Forwarder } from './forwarder.js';
import { createLogger } from './log.js';
import type { RunningRelay } from './server.js';
import { connect, crypto, HttpSession, PushInbox, startTestRelay } from './test-support/harness.js';

const EMPTY = new Uint8Array(0);

describe('forwarding through a relay', () => {
  let p: RunningRelay;
  let d: RunningRelay;
  let viaP: RelayClient;
  let recipient: RelayClient;
  let inbox: PushInbox;
  let queue: RecipientQueue;
  let route: ProxyRoute;
  const senderKey = crypto.ed25519KeyPair();
  const destination = () => parseRelayAddress(d.address);

  before(async () => {
    [p, d] = await Promise.all([startTestRelay(), startTestRelay()]);
    viaP = await connect(p.address);
    recipient = await connect(d.address);
    inbox = new PushInbox(recipient);
    queue = await createQueue(recipient, crypto);
    await subscribeQueue(recipient, queue);
    route = await openProxy(viaP, crypto, destination());
  });
  after(async () => {
    viaP.close();
    recipient.close();
    await Promise.all([p.close(), d.close()]);
  });

  async function received(): Promise<string> {
    const push = await inbox.next();
    assert.equal(push.response.type, 'MSG');
    if (push.response.type !== 'MSG') throw new Error('not a MSG');
    const message = openMessage(crypto, queue, push.response.msgId, push.response.encryptedBody);
    await recipient.command(queue.recipientId, { type: 'ACK', msgId: push.response.msgId }, null);
    return fromUtf8(message.body);
  }

  it('delivers an unsigned confirmation, then signed messages, in order', async () => {
    assert.equal(route.relayKey.length, 32);
    assert.deepEqual((await forwardSend(viaP, crypto, route, queue.senderId, { type: 'SEND', body: utf8('hello') }, null)).type, 'OK');
    assert.equal(await received(), 'hello');
    await secureQueue(recipient, queue, senderKey.publicKey);
    for (const text of ['one', 'two', 'three']) {
      assert.equal((await forwardSend(viaP, crypto, route, queue.senderId, { type: 'SEND', body: utf8(text) }, senderKey.secretKey)).type, 'OK');
    }
    assert.deepEqual([await received(), await received(), await received()], ['one', 'two', 'three']);
  });

  it('answers a forwarded SEND as a direct one would: a signature over the client\'s own session fails with AUTH', async () => {
    // Signed over the P–D session id, as required, but by a key the queue does not know.
    const wrongKey = crypto.ed25519KeyPair();
    const answer = await forwardSend(viaP, crypto, route, queue.senderId, { type: 'SEND', body: utf8('x') }, wrongKey.secretKey);
    assert.deepEqual(answer, { type: 'ERR', code: 'AUTH' });
    assert.equal(await inbox.quiet(300), true);
  });

  it('refuses a replayed PFWD within the session: the message is delivered once', async () => {
    const signed = encodeSigned(utf8('r1'), queue.senderId, encodeCommand({ type: 'SEND', body: utf8('once') }));
    const signature = crypto.ed25519Sign(senderKey.secretKey, signatureInput(route.sessionId, signed));
    const seal = sealForward(crypto, route.sessionId, route.relayKey, encodeTransmission(signature, signed));
    const pfwd = { type: 'PFWD' as const, ephemeralKey: seal.ephemeralKey, sealed: seal.sealed };
    const first = await viaP.command(route.proxyId, pfwd, null);
    assert.equal(first.type, 'PRES');
    const again = await viaP.command(route.proxyId, pfwd, null);
    assert.deepEqual(again, { type: 'ERR', code: 'PROXY' });
    assert.equal(await received(), 'once');
    assert.equal(await inbox.quiet(300), true);
  });

  it('refuses a tampered PFWD, and an RFWD replayed into another session', async () => {
    const signed = encodeSigned(utf8('t1'), queue.senderId, encodeCommand({ type: 'SEND', body: utf8('tampered') }));
    const signature = crypto.ed25519Sign(senderKey.secretKey, signatureInput(route.sessionId, signed));
    const seal = sealForward(crypto, route.sessionId, route.relayKey, encodeTransmission(signature, signed));
    const tampered = seal.sealed.slice();
    tampered[42] = tampered[42]! ^ 1;
    assert.deepEqual(await viaP.command(route.proxyId, { type: 'PFWD', ephemeralKey: seal.ephemeralKey, sealed: tampered }, null), { type: 'ERR', code: 'PROXY' });
    // The untampered seal, sent by someone else as RFWD on a session of its own: it was sealed for P's session only.
    const other = await connect(d.address);
    try {
      assert.deepEqual(await other.command(EMPTY, { type: 'RFWD', ephemeralKey: seal.ephemeralKey, sealed: seal.sealed }, null), { type: 'ERR', code: 'AUTH' });
    } finally {
      other.close();
    }
    assert.equal(await inbox.quiet(300), true);
  });

  it('forwards only SEND: another command inside gets a sealed PROHIBITED', async () => {
    const signed = encodeSigned(utf8('k1'), queue.recipientId, encodeCommand({ type: 'DEL' }));
    const signature = crypto.ed25519Sign(queue.recipientKey.secretKey, signatureInput(route.sessionId, signed));
    const seal = sealForward(crypto, route.sessionId, route.relayKey, encodeTransmission(signature, signed));
    const answer = await viaP.command(route.proxyId, { type: 'PFWD', ephemeralKey: seal.ephemeralKey, sealed: seal.sealed }, null);
    assert.equal(answer.type, 'PRES');
    if (answer.type !== 'PRES') return;
    const opened = openForwardResponse(crypto, seal.responseKey, answer.sealedResponse);
    assert.deepEqual(decodeResponse(decodeTransmission(opened!).message), { type: 'ERR', code: 'PROHIBITED' });
    // The queue is still there.
    assert.equal((await forwardSend(viaP, crypto, route, queue.senderId, { type: 'SEND', body: utf8('still') }, senderKey.secretKey)).type, 'OK');
    assert.equal(await received(), 'still');
  });

  it('answers malformed forwarding commands with errors and stays up', async () => {
    const cases: [Uint8Array, Parameters<RelayClient['command']>[1], Uint8Array | null, string][] = [
      [EMPTY, { type: 'PRXY', relay: 'not an address' }, null, 'SYNTAX'],
      [EMPTY, { type: 'PRXY', relay: d.address.replace('emp://', 'emp://').replace('@', ':secret@') }, null, 'SYNTAX'],
      [EMPTY, { type: 'PRXY', relay: d.address }, senderKey.secretKey, 'PROHIBITED'],
      [new Uint8Array(24).fill(9), { type: 'PRXY', relay: d.address }, null, 'PROHIBITED'],
      [new Uint8Array(24).fill(9), { type: 'PFWD', ephemeralKey: new Uint8Array(32), sealed: EMPTY }, null, 'PROXY'],
      [EMPTY, { type: 'PFWD', ephemeralKey: new Uint8Array(32), sealed: EMPTY }, null, 'PROHIBITED'],
      [route.proxyId, { type: 'PFWD', ephemeralKey: new Uint8Array(32), sealed: crypto.randomBytes(100) }, null, 'PROXY'],
      [route.proxyId, { type: 'PFWD', ephemeralKey: crypto.randomBytes(32), sealed: crypto.randomBytes(16216) }, null, 'PROXY'],
      [EMPTY, { type: 'RFWD', ephemeralKey: new Uint8Array(32), sealed: crypto.randomBytes(16216) }, null, 'AUTH'],
      [EMPTY, { type: 'RFWD', ephemeralKey: crypto.randomBytes(32), sealed: EMPTY }, null, 'AUTH'],
      [route.proxyId, { type: 'RFWD', ephemeralKey: crypto.randomBytes(32), sealed: EMPTY }, null, 'PROHIBITED'],
    ];
    for (const [entityId, command, key, code] of cases) {
      assert.deepEqual(await viaP.command(entityId, command, key), { type: 'ERR', code }, `${command.type} ${code}`);
    }
    assert.equal((await forwardSend(viaP, crypto, route, queue.senderId, { type: 'SEND', body: utf8('alive') }, senderKey.secretKey)).type, 'OK');
    assert.equal(await received(), 'alive');
  });

  it('forwards over the HTTP binding too', async () => {
    const http = await HttpSession.open(p.address);
    const pkey = await http.command(EMPTY, { type: 'PRXY', relay: d.address }, null);
    assert.ok(pkey.type === 'PKEY');
    const signed = encodeSigned(utf8('h1'), queue.senderId, encodeCommand({ type: 'SEND', body: utf8('over http') }));
    const signature = crypto.ed25519Sign(senderKey.secretKey, signatureInput(pkey.sessionId, signed));
    const seal = sealForward(crypto, pkey.sessionId, pkey.relayKey, encodeTransmission(signature, signed));
    const answer = await http.command(pkey.sessionId.slice(0, 24), { type: 'PFWD', ephemeralKey: seal.ephemeralKey, sealed: seal.sealed }, null);
    assert.ok(answer.type === 'PRES');
    assert.deepEqual(decodeResponse(decodeTransmission(openForwardResponse(crypto, seal.responseKey, answer.sealedResponse)!).message), { type: 'OK' });
    assert.equal(await received(), 'over http');
  });

  it('answers PROXY for a destination that is not there, and the client refuses a key that does not match', async () => {
    const gone = d.address.replace(/:(\d+)$/, ':1');
    await assert.rejects(openProxy(viaP, crypto, parseRelayAddress(gone)), (e: unknown) => e instanceof ForwardError && e.code === 'PROXY');
    // P's address with D's fingerprint: P reaches D's host, but the fingerprint is checked by P's own handshake (IDENTITY → PROXY).
    const wrongHost = `${d.address.split('@')[0]}@${p.address.split('@')[1]}`;
    await assert.rejects(openProxy(viaP, crypto, parseRelayAddress(wrongHost)), (e: unknown) => e instanceof ForwardError && e.code === 'PROXY');
  });
});

describe('a forwarding relay\'s sessions with destinations', () => {
  it('are shared by clients asking at once, and closed when idle; the next PRXY opens a new one', async () => {
    const d = await startTestRelay();
    const forwarder = new Forwarder({ crypto, allowPrivateDestinations: true, log: createLogger('error'), idleMs: 1000 });
    try {
      const destination = parseRelayAddress(d.address);
      const [first, second] = await Promise.all([forwarder.reach(destination)!, forwarder.reach(destination)!]);
      assert.equal(first, second, 'one session for both');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal(first.isOpen, false, 'closed after a second without a forward');
      const next = await forwarder.reach(destination)!;
      assert.notEqual(next, first);
      assert.equal(next.isOpen, true);
    } finally {
      forwarder.close();
      await d.close();
    }
  });
});

describe('forwarding relay defaults', () => {
  it('refuses loopback and private destinations unless allowed, by address and by name', async () => {
    const [p, d] = await Promise.all([startTestRelay({ allowPrivateDestinations: false }), startTestRelay()]);
    const client = await connect(p.address);
    try {
      for (const host of ['127.0.0.1', 'localhost', '[::1]', '10.1.2.3', '169.254.169.254']) {
        const relay = d.address.replace(/@[^:]+:/, `@${host}:`);
        assert.deepEqual(await client.command(EMPTY, { type: 'PRXY', relay }, null), { type: 'ERR', code: 'PROXY' }, host);
      }
    } finally {
      client.close();
      await Promise.all([p.close(), d.close()]);
    }
  });
});
