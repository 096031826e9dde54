import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, formatRelayAddress, parseRelayAddress, QueueError, SessionError } from '@graphchat/core';
import { connect, crypto, startTestRelay, tempDir } from './test-support/harness.js';

describe('relay identity and access', () => {
  it('a client refuses a relay whose key does not match the fingerprint in the address', async () => {
    const relay = await startTestRelay();
    const address = parseRelayAddress(relay.address);
    const wrong = formatRelayAddress({ ...address, fingerprint: crypto.randomBytes(32) });
    await assert.rejects(connect(wrong), (e: SessionError) => e instanceof SessionError && e.code === 'IDENTITY');
    // A different relay (another key) at the right host and port is refused too.
    const impostor = await startTestRelay();
    const redirected = formatRelayAddress({ ...address, port: parseRelayAddress(impostor.address).port });
    await assert.rejects(connect(redirected), (e: SessionError) => e.code === 'IDENTITY');
    (await connect(relay.address)).close();
    await relay.close();
    await impostor.close();
  });

  it('the identity key is created once and kept: the address survives a restart', async () => {
    const dataDir = tempDir();
    const a = await startTestRelay({ dataDir });
    const port = a.port;
    await a.close();
    const b = await startTestRelay({ dataDir, port });
    assert.equal(b.address, a.address);
    await b.close();
  });

  it('a private relay creates queues only with its password, and the address carries it', async () => {
    const relay = await startTestRelay({ password: 's3cret pass/word' });
    const address = parseRelayAddress(relay.address);
    assert.equal(address.password, 's3cret pass/word');
    const client = await connect(relay.address);
    await assert.rejects(createQueue(client, crypto, ''), (e: QueueError) => e.response.type === 'ERR' && e.response.code === 'AUTH');
    await assert.rejects(createQueue(client, crypto, 'wrong'), (e: QueueError) => e.response.type === 'ERR' && e.response.code === 'AUTH');
    const queue = await createQueue(client, crypto, address.password);
    assert.equal(queue.recipientId.length, 24);
    client.close();
    await relay.close();
  });
});
