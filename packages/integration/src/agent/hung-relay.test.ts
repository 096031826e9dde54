/**
 * A relay that accepts the TCP connection but never answers the WebSocket
 * upgrade (a hung process, a stalled proxy): connecting must fail with a
 * time-out, not crash the process. Closing a `ws` socket that is still
 * connecting emits 'error' on the next tick; with no listener left that was an
 * uncaught exception.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { formatRelayAddress, RelayClient, RelayClientError } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { webSocket } from './agent-fixtures.js';

describe('connecting to a relay that never answers', () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let address = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    address = formatRelayAddress({ fingerprint: new Uint8Array(32), password: '', host: '127.0.0.1', port, tls: false });
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('rejects with TIMEOUT and throws nothing afterwards', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await assert.rejects(RelayClient.connect(address, { crypto: sodiumCrypto, webSocket, timeoutMs: 200 }), (error: unknown) => {
        assert.ok(error instanceof RelayClientError);
        assert.equal(error.code, 'TIMEOUT');
        return true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(uncaught.map((e) => (e as Error).message), []);
  });
});
