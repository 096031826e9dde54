// Checks the `forwarding` section of docs/protocol/vectors/edge-messaging.json
// (EMP §7.8) on both crypto backends: the encodings of the version 2
// commands and responses, and one forwarded SEND sealed and opened.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, toHex } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { loadVectors } from '../test-support/vectors.js';
import { decodeCommand, decodeResponse, decodeTransmission, encodeCommand, encodeResponse, type Command, type Response } from './commands.js';
import { forwardKeys, openForward, openForwardResponse, sealForward, sealForwardResponse } from './forward-seal.js';

type JsonMessage = { readonly type: string } & Record<string, string>;
interface Seal {
  readonly [field: string]: string;
}
interface Vectors {
  readonly forwarding: {
    readonly commands: readonly { comment: string; command: JsonMessage; encoded: string }[];
    readonly responses: readonly { comment: string; response: JsonMessage; encoded: string }[];
    readonly seal: Seal;
  };
}

const { forwarding } = loadVectors<Vectors>('edge-messaging.json');
const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];
const TEXT_FIELDS = new Set(['type', 'relay']);

function fromJson(message: JsonMessage): Record<string, unknown> {
  return Object.fromEntries(Object.entries(message).map(([name, value]) => [name, TEXT_FIELDS.has(name) ? value : fromHex(value)]));
}

describe('edge-messaging vectors: forwarding encodings', () => {
  test('cover every forwarding command and response', () => {
    assert.deepEqual(forwarding.commands.map((c) => c.command.type).sort(), ['PFWD', 'PRXY', 'RFWD']);
    assert.deepEqual(forwarding.responses.map((r) => r.response.type).sort(), ['PKEY', 'PRES', 'RRES']);
  });
  for (const c of forwarding.commands) {
    test(c.comment, () => {
      const command = fromJson(c.command) as unknown as Command;
      assert.equal(toHex(encodeCommand(command)), c.encoded);
      assert.deepEqual(decodeCommand(fromHex(c.encoded)), command);
    });
  }
  for (const r of forwarding.responses) {
    test(r.comment, () => {
      const response = fromJson(r.response) as unknown as Response;
      assert.equal(toHex(encodeResponse(response)), r.encoded);
      assert.deepEqual(decodeResponse(fromHex(r.encoded)), response);
    });
  }
});

describe('edge-messaging vectors: forwarding seal', () => {
  const v = forwarding.seal;
  const hex = (name: string): Uint8Array => fromHex(v[name]!);
  for (const crypto of backends) {
    test(`keys, seal and open [${crypto.name}]`, () => {
      assert.equal(toHex(crypto.x25519PublicKey(hex('ephemeralSecret'))), v['ephemeralKey']);
      const shared = crypto.x25519(hex('ephemeralSecret'), hex('relayKey'));
      assert.equal(toHex(shared), v['sharedSecret']);
      const keys = forwardKeys(crypto, shared, hex('sessionId'), hex('ephemeralKey'), hex('relayKey'));
      assert.equal(toHex(keys.requestKey), v['requestKey']);
      assert.equal(toHex(keys.responseKey), v['responseKey']);
      const sealed = sealForward(crypto, hex('sessionId'), hex('relayKey'), hex('transmission'), { publicKey: hex('ephemeralKey'), secretKey: hex('ephemeralSecret') });
      assert.equal(toHex(sealed.sealed), v['sealed']);
      const staticKey = { publicKey: hex('relayKey'), secretKey: hex('relayStaticSecret') };
      const opened = openForward(crypto, staticKey, hex('sessionId'), hex('ephemeralKey'), hex('sealed'));
      assert.equal(toHex(opened!.transmission), v['transmission']);
      assert.equal(toHex(sealForwardResponse(crypto, hex('responseKey'), hex('responseTransmission'))), v['sealedResponse']);
      assert.equal(toHex(openForwardResponse(crypto, hex('responseKey'), hex('sealedResponse'))!), v['responseTransmission']);
    });
  }

  test('the PFWD transmission carries the sealed bytes under the proxy id', () => {
    const t = decodeTransmission(hex('pfwdTransmission'));
    assert.equal(toHex(t.entityId), v['sessionId']!.slice(0, 48));
    const command = decodeCommand(t.message);
    assert.equal(command.type, 'PFWD');
    assert.equal(command.type === 'PFWD' && toHex(command.sealed), v['sealed']);
  });
});
