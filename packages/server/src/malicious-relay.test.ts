// The client side of the protocol against a relay that misbehaves after an
// honest handshake: it must fail cleanly (typed errors, closed session), never crash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  acceptClientHandshake,
  type EmpSession,
  encodeBlock,
  encodeResponse,
  encodeSigned,
  encodeTransmission,
  formatRelayAddress,
  limits,
  RelayClient,
  RelayClientError,
  relayFingerprint,
} from '@graphchat/core';
import { crypto, webSocket } from './test-support/harness.js';

type Behaviour = (ws: WebSocket, session: EmpSession) => void;

describe('a client facing a malicious relay', () => {
  const staticKey = crypto.x25519KeyPair();
  let server: WebSocketServer;
  let address: string;
  let behaviour: Behaviour = () => {};

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (ws) => {
      ws.once('message', (data: Buffer) => {
        const { message2, session } = acceptClientHandshake(crypto, staticKey, new Uint8Array(data));
        ws.send(message2);
        ws.on('message', () => behaviour(ws, session!));
      });
    });
    const port = (server.address() as { port: number }).port;
    address = formatRelayAddress({ fingerprint: relayFingerprint(crypto, staticKey.publicKey), password: '', host: '127.0.0.1', port, tls: false });
  });
  after(() => server.close());

  const ping = async (b: Behaviour): Promise<unknown> => {
    behaviour = b;
    const client = await RelayClient.connect(address, { crypto, webSocket, timeoutMs: 500 });
    try {
      return await client.command(new Uint8Array(0), { type: 'PING' }, null);
    } catch (error) {
      return error;
    } finally {
      client.close();
    }
  };
  const response = (bytes: Uint8Array) => encodeTransmission(new Uint8Array(0), encodeSigned(new Uint8Array([0, 0, 0, 1]), new Uint8Array(0), bytes));

  it('works with an honest reply (the fake relay is sound)', async () => {
    assert.deepEqual(await ping((ws, s) => ws.send(s.seal(encodeBlock([response(encodeResponse({ type: 'PONG' }))])))), { type: 'PONG' });
  });

  it('closes the session on a forged or resized frame', async () => {
    for (const frame of [crypto.randomBytes(limits.BLOCK_SIZE), crypto.randomBytes(100)]) {
      const result = await ping((ws) => ws.send(frame));
      assert.ok(result instanceof RelayClientError && result.code === 'CLOSED', String(result));
    }
  });

  it('ignores malformed and unknown responses: the command times out instead', async () => {
    const bad = [
      new Uint8Array([3, 0x4e, 0x4f, 0x50]), // unknown tag "NOP"
      new Uint8Array([3, 0x45, 0x52, 0x52, 2, 0x58, 0x58]), // ERR with an unknown code
      new Uint8Array([2, 0x4f, 0x4b, 0]), // OK with trailing bytes
    ];
    for (const message of bad) {
      const result = await ping((ws, s) => ws.send(s.seal(encodeBlock([response(message)]))));
      assert.ok(result instanceof RelayClientError && result.code === 'TIMEOUT', String(result));
    }
    const wrongCorrId = encodeTransmission(new Uint8Array(0), encodeSigned(new Uint8Array([9]), new Uint8Array(0), encodeResponse({ type: 'PONG' })));
    const result = await ping((ws, s) => ws.send(s.seal(encodeBlock([wrongCorrId]))));
    assert.ok(result instanceof RelayClientError && result.code === 'TIMEOUT');
  });

  it('closes the session on a block that does not decode', async () => {
    const block = encodeBlock([response(encodeResponse({ type: 'PONG' }))]);
    block[block.length - 1] = 1; // non-zero padding
    const result = await ping((ws, s) => ws.send(s.seal(block)));
    assert.ok(result instanceof RelayClientError && result.code === 'CLOSED', String(result));
  });
});
