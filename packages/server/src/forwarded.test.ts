// The destination's side of forwarding (EMP §7.7 RFWD) without sockets:
// what it executes, what it refuses, and the bound on what it remembers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeResponse,
  decodeTransmission,
  encodeCommand,
  encodeSigned,
  encodeTransmission,
  openForwardResponse,
  sealForward,
  utf8,
  type Response,
  type Transmission,
} from '@graphchat/core';
import { ForwardedReceiver } from './forwarded.js';
import { crypto } from './test-support/harness.js';

const EMPTY = new Uint8Array(0);
const SESSION = crypto.randomBytes(32);
const staticKey = crypto.x25519KeyPair();

function receiver(sent: string[], maxForwards?: number): ForwardedReceiver {
  return new ForwardedReceiver({
    crypto,
    staticKey,
    sessionId: SESSION,
    send: async (_t: Transmission, body: Uint8Array): Promise<Response> => {
      sent.push(new TextDecoder().decode(body));
      return { type: 'OK' };
    },
    ...(maxForwards !== undefined ? { maxForwards } : {}),
  });
}

const outer: Transmission = { signature: EMPTY, signed: EMPTY, corrId: EMPTY, entityId: EMPTY, message: EMPTY };

function sealedSend(text: string) {
  const inner = encodeTransmission(EMPTY, encodeSigned(utf8('i'), new Uint8Array(24).fill(2), encodeCommand({ type: 'SEND', body: utf8(text) })));
  return sealForward(crypto, SESSION, staticKey.publicKey, inner);
}

function opened(answer: Response, responseKey: Uint8Array): Response {
  assert.equal(answer.type, 'RRES');
  if (answer.type !== 'RRES') throw new Error('not RRES');
  return decodeResponse(decodeTransmission(openForwardResponse(crypto, responseKey, answer.sealedResponse)!).message);
}

describe('a forwarded transmission at the destination', () => {
  it('executes a SEND once; the same seal again is AUTH', async () => {
    const sent: string[] = [];
    const forwarded = receiver(sent);
    const seal = sealedSend('hi');
    const command = { type: 'RFWD' as const, ephemeralKey: seal.ephemeralKey, sealed: seal.sealed };
    assert.deepEqual(opened(await forwarded.receive(outer, command), seal.responseKey), { type: 'OK' });
    assert.deepEqual(await forwarded.receive(outer, command), { type: 'ERR', code: 'AUTH' });
    assert.deepEqual(sent, ['hi']);
  });

  it(`remembers a bounded number of forwards: past it, LIMIT, and nothing is executed`, async () => {
    const sent: string[] = [];
    const forwarded = receiver(sent, 2);
    for (const text of ['a', 'b']) {
      const seal = sealedSend(text);
      assert.equal((await forwarded.receive(outer, { type: 'RFWD', ephemeralKey: seal.ephemeralKey, sealed: seal.sealed })).type, 'RRES');
    }
    const third = sealedSend('c');
    assert.deepEqual(await forwarded.receive(outer, { type: 'RFWD', ephemeralKey: third.ephemeralKey, sealed: third.sealed }), { type: 'ERR', code: 'LIMIT' });
    assert.deepEqual(sent, ['a', 'b']);
  });

  it('answers an inner transmission that does not decode SYNTAX, sealed', async () => {
    const forwarded = receiver([]);
    const seal = sealForward(crypto, SESSION, staticKey.publicKey, utf8('not a transmission'));
    const answer = await forwarded.receive(outer, { type: 'RFWD', ephemeralKey: seal.ephemeralKey, sealed: seal.sealed });
    assert.deepEqual(opened(answer, seal.responseKey), { type: 'ERR', code: 'SYNTAX' });
  });
});
