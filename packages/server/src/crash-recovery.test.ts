import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ackMessage, createQueue, fromUtf8, openMessage, secureQueue, sendMessage, subscribeQueue, toHex, utf8 } from '@graphchat/core';
import { connect, crypto, killHard, killSpawnedRelays, portOf, PushInbox, spawnRelay, tempDir } from './test-support/harness.js';

const N = 300;

describe('crash recovery', () => {
  after(killSpawnedRelays);

  it('after kill -9 and a restart, every queue and every acknowledged-to-sender message is there, exactly once', async () => {
    const dataDir = tempDir();
    const first = await spawnRelay(dataDir, ['--queue-quota', '1000']);
    const recipient = await connect(first.address);
    const sender = await connect(first.address);
    const queue = await createQueue(recipient, crypto);
    const senderKey = crypto.ed25519KeyPair();
    await secureQueue(recipient, queue, senderKey.publicKey);
    recipient.close();

    // Each send resolves only after the relay answered OK; kill -9 follows the last OK immediately.
    const sent: string[] = [];
    for (let i = 0; i < N; i += 20) {
      const batch = Array.from({ length: 20 }, (_, j) => `message ${i + j}`);
      const responses = await sender.commands(batch.map((text) => ({ entityId: queue.senderId, command: { type: 'SEND', body: utf8(text) }, signingKey: senderKey.secretKey })));
      assert.ok(responses.every((r) => r.type === 'OK'), JSON.stringify(responses));
      sent.push(...batch);
    }
    await killHard(first);
    sender.close();

    const second = await spawnRelay(dataDir, ['--queue-quota', '1000', '--port', String(portOf(first.address))]);
    assert.equal(second.address, first.address, 'same identity key and address after restart');
    const client = await connect(second.address);
    const inbox = new PushInbox(client);
    await subscribeQueue(client, queue);
    const received: string[] = [];
    const ids = new Set<string>();
    for (let i = 0; i < N; i++) {
      const push = await inbox.next();
      assert.ok(push.response.type === 'MSG');
      ids.add(toHex(push.response.msgId));
      received.push(fromUtf8(openMessage(crypto, queue, push.response.msgId, push.response.encryptedBody).body));
      await ackMessage(client, queue, push.response.msgId);
    }
    assert.deepEqual(received, sent, 'exactly the sent messages, in order');
    assert.equal(ids.size, N);
    assert.ok(await inbox.quiet(300), 'nothing beyond what was sent');
    // The sender key survived too: the queue is still secured.
    await sendMessage(client, queue.senderId, senderKey, utf8('after restart'));
    assert.deepEqual(await client.command(queue.senderId, { type: 'SEND', body: utf8('x') }, null), { type: 'ERR', code: 'AUTH' });
    client.close();
    await killHard(second);
  });

  it('kill -9 in the middle of traffic loses nothing that was answered OK', async () => {
    const dataDir = tempDir();
    const first = await spawnRelay(dataDir, ['--queue-quota', '100000']);
    const client = await connect(first.address);
    const queue = await createQueue(client, crypto);
    const sent = new Set<string>();
    const acknowledged: string[] = [];
    let next = 0;
    let running = true;
    const pump = async () => {
      while (running) {
        const batch = Array.from({ length: 10 }, () => `m${next++}`);
        batch.forEach((text) => sent.add(text));
        try {
          const responses = await client.commands(batch.map((text) => ({ entityId: queue.senderId, command: { type: 'SEND', body: utf8(text) }, signingKey: null })));
          responses.forEach((r, i) => r.type === 'OK' && acknowledged.push(batch[i]!));
        } catch {
          return; // the relay died mid-batch: these were never answered OK
        }
      }
    };
    const pumps = [pump(), pump(), pump()];
    await new Promise((resolve) => setTimeout(resolve, 400));
    await killHard(first);
    running = false;
    await Promise.all(pumps);
    assert.ok(acknowledged.length > 50, `only ${acknowledged.length} messages acknowledged before the kill`);

    const second = await spawnRelay(dataDir, ['--queue-quota', '100000', '--port', String(portOf(first.address))]);
    const reader = await connect(second.address);
    const inbox = new PushInbox(reader);
    await subscribeQueue(reader, queue);
    const received = new Set<string>();
    for (;;) {
      let push;
      try {
        push = await inbox.next(1000);
      } catch {
        break;
      }
      assert.ok(push.response.type === 'MSG');
      const text = fromUtf8(openMessage(crypto, queue, push.response.msgId, push.response.encryptedBody).body);
      assert.ok(sent.has(text), `unknown message ${text}`);
      assert.ok(!received.has(text), `duplicate ${text}`);
      received.add(text);
      await ackMessage(reader, queue, push.response.msgId);
    }
    const lost = acknowledged.filter((text) => !received.has(text));
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged messages lost`);
    reader.close();
    await killHard(second);
  });
});

