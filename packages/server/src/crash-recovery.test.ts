import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ackMessage, createQueue, openMessage, secureQueue, sendMessage, subscribeQueue } from '@graphchat/client';
import { fromUtf8, toHex, utf8 } from '@graphchat/core';
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
});
