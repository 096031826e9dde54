// The client's checks on what a forwarding relay answers (EMP §7.7, §7.8),
// over a stand-in for the relay: a key that does not match the address, an
// old session, and answers that do not open or answer something else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../bytes.js';
import { sodiumCrypto as crypto } from '../crypto/sodium.js';
import { parseRelayAddress } from './address.js';
import type { RelayClient } from './client.js';
import { encodeResponse, encodeSigned, encodeTransmission, type Command, type Response } from './commands.js';
import { ForwardError, forwardSend, openProxy, type ProxyRoute } from './forward-client.js';
import { openForward, sealForwardResponse } from './forward-seal.js';

const relay = crypto.x25519KeyPair();
const destination = parseRelayAddress(`emp://${'A'.repeat(43)}@d.example:5223`);
const matching = { ...destination, fingerprint: crypto.sha256(relay.publicKey) };
const EMPTY = new Uint8Array(0);

/** A relay session of `version` that answers every command with `answer`. */
function standIn(version: number, answer: (command: Command) => Response): RelayClient {
  return { session: { version }, command: async (_e: Uint8Array, command: Command) => answer(command) } as unknown as RelayClient;
}

const isForwardError = (code: ForwardError['code']) => (error: unknown) => error instanceof ForwardError && error.code === code;

describe('the client of a forwarding relay', () => {
  const sessionId = crypto.randomBytes(32);

  it('takes the route when the named key matches the fingerprint, and refuses one that does not', async () => {
    const pkey = standIn(2, () => ({ type: 'PKEY', sessionId, relayKey: relay.publicKey }));
    const route = await openProxy(pkey, crypto, matching);
    assert.deepEqual(route.proxyId, sessionId.slice(0, 24));
    await assert.rejects(openProxy(pkey, crypto, destination), isForwardError('IDENTITY'));
  });

  it('does not ask a relay of version 1, and reports its refusal', async () => {
    await assert.rejects(openProxy(standIn(1, () => ({ type: 'OK' })), crypto, matching), isForwardError('VERSION'));
    await assert.rejects(openProxy(standIn(2, () => ({ type: 'ERR', code: 'PROXY' })), crypto, matching), isForwardError('PROXY'));
  });

  it('refuses an answer that does not open, or answers another transmission', async () => {
    const route: ProxyRoute = { proxyId: sessionId.slice(0, 24), sessionId, relayKey: relay.publicKey };
    const send = { type: 'SEND' as const, body: utf8('x') };
    const garbage = standIn(2, () => ({ type: 'PRES', sealedResponse: crypto.randomBytes(144) }));
    await assert.rejects(forwardSend(garbage, crypto, route, new Uint8Array(24), send, null), isForwardError('RESPONSE'));
    // The destination itself (it holds the key) answering for another transmission: the corrId does not match.
    const otherCorrId = standIn(2, (command) => {
      if (command.type !== 'PFWD') throw new Error('expected PFWD');
      const opened = openForward(crypto, relay, sessionId, command.ephemeralKey, command.sealed)!;
      const answer = encodeTransmission(EMPTY, encodeSigned(utf8('zz'), EMPTY, encodeResponse({ type: 'OK' })));
      return { type: 'PRES', sealedResponse: sealForwardResponse(crypto, opened.responseKey, answer) };
    });
    await assert.rejects(forwardSend(otherCorrId, crypto, route, new Uint8Array(24), send, null), isForwardError('RESPONSE'));
    await assert.rejects(forwardSend(standIn(2, () => ({ type: 'ERR', code: 'PROXY' })), crypto, route, new Uint8Array(24), send, null), isForwardError('PROXY'));
  });
});
