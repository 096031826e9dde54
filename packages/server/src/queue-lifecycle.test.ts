import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ackMessage,
  ByteWriter,
  createQueue,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  type KeyPair,
  limits,
  openMessage,
  QueueError,
  type RecipientQueue,
  type RelayClient,
  type Response,
  secureQueue,
  sendMessage,
  subscribeQueue,
  toHex,
  utf8,
} from '@graphchat/core';
import { connect, crypto, PushInbox, startTestRelay } from './test-support/harness.js';
import type { RunningRelay } from './server.js';

const err = (code: string): Response => ({ type: 'ERR', code }) as Response;

describe('queue lifecycle over WebSocket', () => {
  let relay: RunningRelay;
  let recipient: RelayClient;
  let sender: RelayClient;
  let inbox: PushInbox;
  let queue: RecipientQueue;
  let senderKey: KeyPair;

  before(async () => {
    relay = await startTestRelay();
    recipient = await connect(relay.address);
    sender = await connect(relay.address);
    inbox = new PushInbox(recipient);
    senderKey = crypto.ed25519KeyPair();
  });
  after(async () => {
    recipient.close();
    sender.close();
    await relay.close();
  });

  it('PING is answered with PONG', async () => {
    assert.deepEqual(await sender.command(new Uint8Array(0), { type: 'PING' }, null), { type: 'PONG' });
  });

  it('NEW creates a queue with distinct random recipient and sender ids', async () => {
    queue = await createQueue(recipient, crypto);
    assert.equal(queue.recipientId.length, 24);
    assert.equal(queue.senderId.length, 24);
    assert.notEqual(toHex(queue.recipientId), toHex(queue.senderId));
    const other = await createQueue(recipient, crypto);
    assert.notEqual(toHex(other.recipientId), toHex(queue.recipientId));
    assert.notEqual(toHex(other.senderId), toHex(queue.senderId));
  });

  it('NEW signed by a key other than the one it registers is refused', async () => {
    const key = crypto.ed25519KeyPair();
    const dh = crypto.x25519KeyPair();
    const response = await recipient.command(new Uint8Array(0), { type: 'NEW', recipientAuthKey: key.publicKey, recipientDhKey: dh.publicKey, password: '' }, crypto.ed25519KeyPair().secretKey);
    assert.deepEqual(response, err('AUTH'));
  });

  it('an unsecured queue accepts an unsigned confirmation but not a signed message', async () => {
    await sendMessage(sender, queue.senderId, null, utf8('confirmation'));
    assert.deepEqual(await sender.command(queue.senderId, { type: 'SEND', body: utf8('x') }, senderKey.secretKey), err('AUTH'));
  });

  it('SUB delivers the pending message, decryptable only with the queue secret', async () => {
    await subscribeQueue(recipient, queue);
    const push = await inbox.next();
    assert.equal(push.response.type, 'MSG');
    if (push.response.type !== 'MSG') return;
    assert.equal(toHex(push.recipientId), toHex(queue.recipientId));
    const message = openMessage(crypto, queue, push.response.msgId, push.response.encryptedBody);
    assert.equal(new TextDecoder().decode(message.body), 'confirmation');
    assert.equal(message.authorized, false);
    assert.ok(Math.abs(message.timestamp - Date.now()) < 60_000);
    await ackMessage(recipient, queue, push.response.msgId);
  });

  it('KEY secures the queue once; the same key again is a harmless retry, another is DUPLICATE', async () => {
    await secureQueue(recipient, queue, senderKey.publicKey);
    await secureQueue(recipient, queue, senderKey.publicKey);
    await assert.rejects(secureQueue(recipient, queue, crypto.ed25519KeyPair().publicKey), (e: QueueError) => e.response.type === 'ERR' && e.response.code === 'DUPLICATE');
  });

  it('a secured queue refuses unsigned and wrongly signed messages', async () => {
    assert.deepEqual(await sender.command(queue.senderId, { type: 'SEND', body: utf8('x') }, null), err('AUTH'));
    assert.deepEqual(await sender.command(queue.senderId, { type: 'SEND', body: utf8('x') }, crypto.ed25519KeyPair().secretKey), err('AUTH'));
    assert.ok(await inbox.quiet(200));
  });

  it('delivers the next message only after the previous one is acknowledged', async () => {
    await sendMessage(sender, queue.senderId, senderKey, utf8('one'));
    await sendMessage(sender, queue.senderId, senderKey, utf8('two'));
    const first = await inbox.next();
    assert.ok(first.response.type === 'MSG');
    const m1 = openMessage(crypto, queue, first.response.msgId, first.response.encryptedBody);
    assert.equal(new TextDecoder().decode(m1.body), 'one');
    assert.equal(m1.authorized, true);
    assert.ok(await inbox.quiet(300), 'second message pushed before ACK');
    await ackMessage(recipient, queue, first.response.msgId);
    const second = await inbox.next();
    assert.ok(second.response.type === 'MSG');
    assert.equal(new TextDecoder().decode(openMessage(crypto, queue, second.response.msgId, second.response.encryptedBody).body), 'two');
    assert.deepEqual(await recipient.command(queue.recipientId, { type: 'ACK', msgId: first.response.msgId }, queue.recipientKey.secretKey), err('NO_MSG'));
    await ackMessage(recipient, queue, second.response.msgId);
  });

  it('the bytes a sender sends never appear in what the recipient receives', async () => {
    const body = crypto.randomBytes(200);
    await sendMessage(sender, queue.senderId, senderKey, body);
    const push = await inbox.next();
    assert.ok(push.response.type === 'MSG');
    const received = toHex(push.response.encryptedBody);
    assert.ok(!received.includes(toHex(body.subarray(0, 16))));
    assert.ok(!received.includes(toHex(queue.senderId)));
    await ackMessage(recipient, queue, push.response.msgId);
  });

  it('recipient commands need the recipient key; the sender key does not work for them', async () => {
    for (const command of [{ type: 'SUB' }, { type: 'GET' }, { type: 'OFF' }, { type: 'DEL' }] as const) {
      assert.deepEqual(await sender.command(queue.recipientId, command, senderKey.secretKey), err('AUTH'));
      assert.deepEqual(await sender.command(queue.recipientId, command, null), err('AUTH'));
    }
    assert.deepEqual(await sender.command(queue.senderId, { type: 'GET' }, queue.recipientKey.secretKey), err('AUTH'), 'sender id is not a recipient id');
  });

  it('GET polls the oldest message, and NO_MSG when there is none', async () => {
    const poller = await createQueue(sender, crypto);
    assert.deepEqual(await sender.command(poller.recipientId, { type: 'GET' }, poller.recipientKey.secretKey), err('NO_MSG'));
    await sendMessage(recipient, poller.senderId, null, utf8('polled'));
    const got = await sender.command(poller.recipientId, { type: 'GET' }, poller.recipientKey.secretKey);
    assert.ok(got.type === 'MSG');
    assert.equal(new TextDecoder().decode(openMessage(crypto, poller, got.msgId, got.encryptedBody).body), 'polled');
    await ackMessage(sender, poller, got.msgId);
    assert.deepEqual(await sender.command(poller.recipientId, { type: 'GET' }, poller.recipientKey.secretKey), err('NO_MSG'));
  });

  it('OFF suspends the queue: sending fails, the recipient still reads what is there', async () => {
    await sendMessage(sender, queue.senderId, senderKey, utf8('before off'));
    const push = await inbox.next();
    assert.ok(push.response.type === 'MSG');
    assert.deepEqual(await recipient.command(queue.recipientId, { type: 'OFF' }, queue.recipientKey.secretKey), { type: 'OK' });
    assert.deepEqual(await sender.command(queue.senderId, { type: 'SEND', body: utf8('after') }, senderKey.secretKey), err('AUTH'));
    await ackMessage(recipient, queue, push.response.msgId);
  });

  it('DEL removes the queue: every command on it then fails with AUTH', async () => {
    assert.deepEqual(await recipient.command(queue.recipientId, { type: 'DEL' }, queue.recipientKey.secretKey), { type: 'OK' });
    assert.deepEqual(await recipient.command(queue.recipientId, { type: 'SUB' }, queue.recipientKey.secretKey), err('AUTH'));
    assert.deepEqual(await sender.command(queue.senderId, { type: 'SEND', body: utf8('x') }, senderKey.secretKey), err('AUTH'));
  });

  it('a command sent to a queue that never existed fails with the same AUTH', async () => {
    assert.deepEqual(await recipient.command(crypto.randomBytes(24), { type: 'SUB' }, queue.recipientKey.secretKey), err('AUTH'));
    assert.deepEqual(await sender.command(crypto.randomBytes(24), { type: 'SEND', body: utf8('x') }, null), err('AUTH'));
  });

  it('commands batched in one block are answered in order', async () => {
    const q = await createQueue(recipient, crypto);
    assert.deepEqual(
      await sender.commands([
        { entityId: q.senderId, command: { type: 'SEND', body: utf8('a') }, signingKey: null },
        { entityId: new Uint8Array(0), command: { type: 'PING' }, signingKey: null },
        { entityId: q.recipientId, command: { type: 'GET' }, signingKey: null },
      ]),
      [{ type: 'OK' }, { type: 'PONG' }, err('AUTH')],
    );
  });

  it('a SEND body over the limit is answered LARGE_MSG', async () => {
    const q = await createQueue(recipient, crypto);
    assert.throws(() => encodeCommand({ type: 'SEND', body: new Uint8Array(limits.MAX_MESSAGE_BODY + 1) }), RangeError);
    // Only a client that bypasses the encoder can send one.
    const oversize = new ByteWriter().shortBytes(utf8('SEND')).longBytes(new Uint8Array(limits.MAX_MESSAGE_BODY + 1)).finish();
    const answered = new Promise<Response>((resolve) => (sender.onUncorrelated = resolve));
    sender.sendTransmissions([encodeTransmission(new Uint8Array(0), encodeSigned(new Uint8Array(0), q.senderId, oversize))]);
    assert.deepEqual(await answered, err('LARGE_MSG'));
    await sendMessage(sender, q.senderId, null, new Uint8Array(limits.MAX_MESSAGE_BODY));
  });

  it('the relay counts what it did, in aggregate', async () => {
    const before = { ...relay.relay.counters };
    const q = await createQueue(recipient, crypto);
    await subscribeQueue(recipient, q);
    await sendMessage(sender, q.senderId, null, utf8('counted'));
    const push = await inbox.next();
    assert.ok(push.response.type === 'MSG');
    assert.equal(relay.relay.counters.messagesSent, before.messagesSent + 1);
    assert.equal(relay.relay.counters.messagesDelivered, before.messagesDelivered + 1);
    assert.equal(relay.relay.counters.connections, 2);
  });
});

describe('subscriptions', () => {
  it('a second subscriber takes over the queue and the first is told END', async () => {
    const relay = await startTestRelay();
    const first = await connect(relay.address);
    const second = await connect(relay.address);
    const sender = await connect(relay.address);
    const firstInbox = new PushInbox(first);
    const secondInbox = new PushInbox(second);
    const q = await createQueue(first, crypto);
    await subscribeQueue(first, q);
    await sendMessage(sender, q.senderId, null, utf8('pushed to the first, not acknowledged'));
    const firstPush = await firstInbox.next();
    assert.ok(firstPush.response.type === 'MSG');
    await subscribeQueue(second, q);
    const end = await firstInbox.next();
    assert.equal(end.response.type, 'END');
    assert.equal(toHex(end.recipientId), toHex(q.recipientId));
    const redelivered = await secondInbox.next();
    assert.ok(redelivered.response.type === 'MSG');
    assert.equal(toHex(redelivered.response.msgId), toHex(firstPush.response.msgId), 'the unacknowledged message goes to the new subscriber');
    await ackMessage(second, q, redelivered.response.msgId);
    await sendMessage(sender, q.senderId, null, utf8('to the new subscriber'));
    const push = await secondInbox.next();
    assert.equal(push.response.type, 'MSG');
    assert.ok(await firstInbox.quiet(200));
    for (const c of [first, second, sender]) c.close();
    await relay.close();
  });

  it('closing a subscribed connection lets another subscribe and receive what was not acknowledged', async () => {
    const relay = await startTestRelay();
    const first = await connect(relay.address);
    const q = await createQueue(first, crypto);
    const inbox1 = new PushInbox(first);
    await subscribeQueue(first, q);
    await sendMessage(first, q.senderId, null, utf8('unacked'));
    const delivered = await inbox1.next();
    first.close();
    const second = await connect(relay.address);
    const inbox2 = new PushInbox(second);
    await subscribeQueue(second, q);
    const again = await inbox2.next();
    assert.ok(delivered.response.type === 'MSG' && again.response.type === 'MSG');
    assert.equal(toHex(again.response.msgId), toHex(delivered.response.msgId), 'same message, redelivered');
    second.close();
    await relay.close();
  });
});
