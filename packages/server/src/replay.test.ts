import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, encodeCommand, encodeSigned, encodeTransmission, type Response, secureQueue, sendMessage, signatureInput, utf8 } from '@graphchat/core';
import { connect, crypto, PushInbox, startTestRelay } from './test-support/harness.js';

describe('replay protection', () => {
  it('a signed command captured in one session is rejected in another', async () => {
    const relay = await startTestRelay();
    const owner = await connect(relay.address);
    const queue = await createQueue(owner, crypto);
    const senderKey = crypto.ed25519KeyPair();
    await secureQueue(owner, queue, senderKey.publicKey);

    // The honest sender's SEND, as it went over its session (corrId empty so any answer is uncorrelated).
    const sender = await connect(relay.address);
    const signed = encodeSigned(new Uint8Array(0), queue.senderId, encodeCommand({ type: 'SEND', body: utf8('pay 10') }));
    const signature = crypto.ed25519Sign(senderKey.secretKey, signatureInput(sender.session.id, signed));
    const captured = encodeTransmission(signature, signed);
    const first = new Promise<Response>((resolve) => (sender.onUncorrelated = resolve));
    sender.sendTransmissions([captured]);
    assert.deepEqual(await first, { type: 'OK' });

    // An attacker (or the relay operator's proxy) replays the exact bytes in its own session.
    const attacker = await connect(relay.address);
    const replayed = new Promise<Response>((resolve) => (attacker.onUncorrelated = resolve));
    attacker.sendTransmissions([captured]);
    assert.deepEqual(await replayed, { type: 'ERR', code: 'AUTH' });

    // Only the one message reached the queue.
    const inbox = new PushInbox(owner);
    await owner.command(queue.recipientId, { type: 'SUB' }, queue.recipientKey.secretKey);
    const push = await inbox.next();
    assert.ok(push.response.type === 'MSG');
    await owner.command(queue.recipientId, { type: 'ACK', msgId: push.response.msgId }, queue.recipientKey.secretKey);
    assert.ok(await inbox.quiet(300));
    await sendMessage(sender, queue.senderId, senderKey, utf8('still works'));
    for (const c of [owner, sender, attacker]) c.close();
    await relay.close();
  });

  it('a recipient command signed for another session does not subscribe or delete', async () => {
    const relay = await startTestRelay();
    const owner = await connect(relay.address);
    const queue = await createQueue(owner, crypto);
    const attacker = await connect(relay.address);
    for (const command of [{ type: 'SUB' }, { type: 'DEL' }, { type: 'GET' }] as const) {
      const signed = encodeSigned(new Uint8Array(0), queue.recipientId, encodeCommand(command));
      const stolen = encodeTransmission(crypto.ed25519Sign(queue.recipientKey.secretKey, signatureInput(owner.session.id, signed)), signed);
      const answer = new Promise<Response>((resolve) => (attacker.onUncorrelated = resolve));
      attacker.sendTransmissions([stolen]);
      assert.deepEqual(await answer, { type: 'ERR', code: 'AUTH' }, command.type);
    }
    assert.deepEqual(await owner.command(queue.recipientId, { type: 'GET' }, queue.recipientKey.secretKey), { type: 'ERR', code: 'NO_MSG' }, 'queue still exists');
    owner.close();
    attacker.close();
    await relay.close();
  });

  it('an unsigned ACK is accepted only from the session that subscribed to the queue', async () => {
    const relay = await startTestRelay();
    const owner = await connect(relay.address);
    const queue = await createQueue(owner, crypto);
    const inbox = new PushInbox(owner);
    await sendMessage(owner, queue.senderId, null, utf8('m'));
    const other = await connect(relay.address);
    // Before subscribing, even the owner's session must sign.
    assert.deepEqual(await owner.command(queue.recipientId, { type: 'ACK', msgId: new Uint8Array(24) }, null), { type: 'ERR', code: 'AUTH' });
    await owner.command(queue.recipientId, { type: 'SUB' }, queue.recipientKey.secretKey);
    const push = await inbox.next();
    assert.ok(push.response.type === 'MSG');
    const ack = { type: 'ACK', msgId: push.response.msgId } as const;
    assert.deepEqual(await other.command(queue.recipientId, ack, null), { type: 'ERR', code: 'AUTH' }, 'another session');
    // Subscribing to one queue does not authorize unsigned ACKs on another.
    const unsubscribed = await createQueue(owner, crypto);
    await sendMessage(owner, unsubscribed.senderId, null, utf8('n'));
    const polled = await owner.command(unsubscribed.recipientId, { type: 'GET' }, null);
    assert.deepEqual(polled, { type: 'ERR', code: 'AUTH' });
    const peek = await other.command(unsubscribed.recipientId, { type: 'GET' }, unsubscribed.recipientKey.secretKey);
    assert.ok(peek.type === 'MSG');
    assert.deepEqual(await owner.command(unsubscribed.recipientId, { type: 'ACK', msgId: peek.msgId }, null), { type: 'ERR', code: 'AUTH' }, 'another queue');
    assert.deepEqual(await owner.command(queue.recipientId, ack, null), { type: 'OK' });
    owner.close();
    other.close();
    await relay.close();
  });
});
