// Checks docs/protocol/vectors/edge-messaging.json both ways: our encoders
// produce every listed encoding, our decoders give back every listed field,
// and every case listed as invalid is rejected with DecodeError.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, toHex, utf8 } from '../bytes.js';
import type { Crypto } from '../crypto/crypto.js';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { CryptoError, DecodeError } from '../errors.js';
import { loadVectors } from '../test-support/vectors.js';
import { formatRelayAddress, parseRelayAddress, relayFingerprint, relayUrl } from './address.js';
import { decodeBlock, encodeBlock, packBlocks } from './block.js';
import {
  decodeCommand,
  decodeResponse,
  decodeTransmission,
  encodeCommand,
  encodeResponse,
  encodeSigned,
  encodeTransmission,
  signatureInput,
  type Command,
  type Response,
} from './commands.js';
import { ERROR_CODES } from './error-codes.js';
import {
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
  HANDSHAKE_PROLOGUE,
  negotiateVersion,
} from './handshake.js';
import { decryptQueueMessage, encryptQueueMessage, queueSecret } from './message-crypto.js';

/** A command or response as the file lists it: byte fields in hex, `password` and `code` as text. */
type JsonMessage = { readonly type: string } & Record<string, string>;
interface Range {
  readonly min: number;
  readonly max: number;
}
interface Vectors {
  readonly comment: string;
  readonly commands: readonly { comment: string; command: JsonMessage; encoded: string }[];
  readonly responses: readonly { comment: string; response: JsonMessage; encoded: string }[];
  readonly transmissions: readonly {
    comment: string;
    sessionId?: string;
    ed25519Seed?: string;
    ed25519PublicKey?: string;
    corrId: string;
    entityId: string;
    command?: JsonMessage;
    response?: JsonMessage;
    message: string;
    signed: string;
    signature: string;
    transmission: string;
  }[];
  readonly blocks: {
    readonly valid: readonly (BlockJson & { transmissions: readonly string[] })[];
    readonly invalid: readonly BlockJson[];
  };
  readonly addresses: {
    readonly relayStaticSecret: string;
    readonly relayStaticPublic: string;
    readonly fingerprint: string;
    readonly fingerprintBase64url: string;
    readonly valid: readonly {
      comment: string;
      address: string;
      fingerprint: string;
      password: string;
      host: string;
      port: number;
      tls: boolean;
      url: string;
      formatted: string;
    }[];
    readonly invalid: readonly { comment: string; address: string }[];
  };
  readonly handshake: {
    readonly prologue: string;
    readonly clientHello: readonly (Range & { comment: string; encoded: string })[];
    readonly serverHello: readonly (Range & { comment: string; version: number; encoded: string })[];
    readonly invalidClientHello: readonly { comment: string; encoded: string }[];
    readonly invalidServerHello: readonly { comment: string; encoded: string }[];
    readonly negotiation: readonly { comment: string; client: Range; server: Range; version: number }[];
  };
  readonly messageCrypto: readonly {
    comment: string;
    recipientDhSecret: string;
    recipientDhPublic: string;
    serverDhSecret: string;
    serverDhPublic: string;
    queueSecret: string;
    msgId: string;
    timestamp: number;
    authorized: boolean;
    body: string;
    plaintext: string;
    encryptedBody: string;
  }[];
  readonly invalid: readonly {
    comment: string;
    kind: 'command' | 'response' | 'transmission';
    encoded: string;
    error: DecodeError['code'];
  }[];
}
interface BlockJson {
  readonly comment: string;
  readonly length: number;
  readonly prefix: string;
  readonly suffix: string;
}

const vectors = loadVectors<Vectors>('edge-messaging.json');
const backends: readonly Crypto[] = [nobleCrypto, sodiumCrypto];
const TEXT_FIELDS = new Set(['type', 'password', 'code']);

function fromJson(message: JsonMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message)) out[name] = TEXT_FIELDS.has(name) ? value : fromHex(value);
  return out;
}
const commandFromJson = (message: JsonMessage): Command => fromJson(message) as unknown as Command;
const responseFromJson = (message: JsonMessage): Response => fromJson(message) as unknown as Response;

/** prefix || zeros || suffix, `length` bytes in all. */
function blockFromJson(block: BlockJson): Uint8Array {
  const prefix = fromHex(block.prefix);
  const suffix = fromHex(block.suffix);
  assert.ok(prefix.length + suffix.length <= block.length, 'prefix and suffix exceed the length');
  const out = new Uint8Array(block.length);
  out.set(prefix, 0);
  out.set(suffix, block.length - suffix.length);
  return out;
}

function isDecodeError(code?: DecodeError['code']) {
  return (error: unknown): boolean => error instanceof DecodeError && (code === undefined || error.code === code);
}

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe('edge-messaging vectors: commands', () => {
  test('cover every command type', () => {
    const types = new Set(vectors.commands.map((c) => c.command.type));
    assert.deepEqual([...types].sort(), ['ACK', 'DEL', 'GET', 'KEY', 'NEW', 'OFF', 'PING', 'SEND', 'SUB']); // version 2's are under `forwarding`
  });

  for (const c of vectors.commands) {
    test(c.comment, () => {
      const command = commandFromJson(c.command);
      assert.equal(toHex(encodeCommand(command)), c.encoded);
      assert.deepEqual(decodeCommand(fromHex(c.encoded)), command);
    });
  }
});

describe('edge-messaging vectors: responses', () => {
  test('cover every response type and several error codes', () => {
    const types = new Set(vectors.responses.map((r) => r.response.type));
    assert.deepEqual([...types].sort(), ['END', 'ERR', 'IDS', 'MSG', 'OK', 'PONG']);
    const codes = vectors.responses.filter((r) => r.response.type === 'ERR').map((r) => r.response['code']);
    assert.ok(codes.length >= 3);
    for (const code of codes) assert.ok((ERROR_CODES as readonly (string | undefined)[]).includes(code), `unknown code ${code}`);
  });

  for (const r of vectors.responses) {
    test(r.comment, () => {
      const response = responseFromJson(r.response);
      assert.equal(toHex(encodeResponse(response)), r.encoded);
      assert.deepEqual(decodeResponse(fromHex(r.encoded)), response);
    });
  }
});

describe('edge-messaging vectors: transmissions', () => {
  test('include a signed NEW and a signed SEND', () => {
    const signed = vectors.transmissions.filter((t) => t.signature !== '').map((t) => t.command?.type);
    assert.ok(signed.includes('NEW') && signed.includes('SEND'));
  });

  for (const t of vectors.transmissions) {
    test(t.comment, () => {
      const message = t.command ? encodeCommand(commandFromJson(t.command)) : encodeResponse(responseFromJson(t.response!));
      assert.equal(toHex(message), t.message);
      const signed = encodeSigned(fromHex(t.corrId), fromHex(t.entityId), message);
      assert.equal(toHex(signed), t.signed);
      assert.equal(toHex(encodeTransmission(fromHex(t.signature), signed)), t.transmission);

      const decoded = decodeTransmission(fromHex(t.transmission));
      assert.equal(toHex(decoded.signature), t.signature);
      assert.equal(toHex(decoded.signed), t.signed);
      assert.equal(toHex(decoded.corrId), t.corrId);
      assert.equal(toHex(decoded.entityId), t.entityId);
      assert.equal(toHex(decoded.message), t.message);
      if (t.command) assert.deepEqual(decodeCommand(decoded.message), commandFromJson(t.command));
      else assert.deepEqual(decodeResponse(decoded.message), responseFromJson(t.response!));
    });

    if (t.signature === '') continue;
    for (const crypto of backends) {
      test(`${t.comment} [signature, ${crypto.name}]`, () => {
        const keyPair = crypto.ed25519KeyPairFromSeed(fromHex(t.ed25519Seed!));
        assert.equal(toHex(keyPair.publicKey), t.ed25519PublicKey);
        const input = signatureInput(fromHex(t.sessionId!), fromHex(t.signed));
        assert.equal(toHex(input), t.sessionId! + t.signed);
        // Ed25519 is deterministic: every implementation makes this exact signature.
        assert.equal(toHex(crypto.ed25519Sign(keyPair.secretKey, input)), t.signature);
        const signature = fromHex(t.signature);
        assert.equal(crypto.ed25519Verify(keyPair.publicKey, input, signature), true);
        // Bound to the session: the same bytes under another session id do not verify.
        const otherSession = signatureInput(flipBit(fromHex(t.sessionId!), 0), fromHex(t.signed));
        assert.equal(crypto.ed25519Verify(keyPair.publicKey, otherSession, signature), false);
        assert.equal(crypto.ed25519Verify(keyPair.publicKey, flipBit(input, input.length - 1), signature), false);
        assert.equal(crypto.ed25519Verify(keyPair.publicKey, input, flipBit(signature, 10)), false);
      });
    }
  }

  test('the signed NEW is signed with the key it registers, and SEND with the KEY command key', () => {
    const signedNew = vectors.transmissions.find((t) => t.command?.type === 'NEW' && t.signature !== '')!;
    assert.equal(signedNew.ed25519PublicKey, signedNew.command!['recipientAuthKey']);
    const signedSend = vectors.transmissions.find((t) => t.command?.type === 'SEND' && t.signature !== '')!;
    const key = vectors.commands.find((c) => c.command.type === 'KEY')!;
    assert.equal(signedSend.ed25519PublicKey, key.command['senderAuthKey']);
  });
});

describe('edge-messaging vectors: blocks', () => {
  for (const b of vectors.blocks.valid) {
    test(b.comment, () => {
      const block = blockFromJson(b);
      const transmissions = b.transmissions.map(fromHex);
      assert.deepEqual(encodeBlock(transmissions), block);
      assert.deepEqual(decodeBlock(block), transmissions);
      assert.deepEqual(packBlocks(transmissions), [block]);
    });
  }

  test('include a block with two transmissions and the rejections asked for', () => {
    assert.ok(vectors.blocks.valid.some((b) => b.transmissions.length === 2));
    assert.ok(vectors.blocks.invalid.length >= 3);
  });

  for (const b of vectors.blocks.invalid) {
    test(`rejects: ${b.comment}`, () => {
      assert.throws(() => decodeBlock(blockFromJson(b)), isDecodeError());
    });
  }
});

describe('edge-messaging vectors: addresses', () => {
  const a = vectors.addresses;

  for (const crypto of backends) {
    test(`the fingerprint is SHA-256 of the relay static key [${crypto.name}]`, () => {
      const publicKey = crypto.x25519PublicKey(fromHex(a.relayStaticSecret));
      assert.equal(toHex(publicKey), a.relayStaticPublic);
      assert.equal(toHex(relayFingerprint(crypto, publicKey)), a.fingerprint);
    });
  }

  for (const v of a.valid) {
    test(v.comment, () => {
      const parsed = parseRelayAddress(v.address);
      assert.deepEqual(
        { fingerprint: toHex(parsed.fingerprint), password: parsed.password, host: parsed.host, port: parsed.port, tls: parsed.tls },
        { fingerprint: v.fingerprint, password: v.password, host: v.host, port: v.port, tls: v.tls },
      );
      assert.equal(toHex(parsed.fingerprint), a.fingerprint);
      assert.equal(relayUrl(parsed), v.url);
      assert.equal(formatRelayAddress(parsed), v.formatted);
      assert.deepEqual(parseRelayAddress(v.formatted), parsed);
    });
  }

  test('cover the cases asked for', () => {
    assert.ok(a.valid.some((v) => v.password !== '' && v.address.includes('%')), 'percent-encoded password');
    assert.ok(a.valid.some((v) => v.port === 443 && v.tls && !v.address.includes('?')), 'default port, tls');
    assert.ok(a.valid.some((v) => v.port !== 443 && !v.tls && !v.address.includes('?')), 'other port, no tls');
    assert.ok(a.valid.some((v) => v.address.endsWith('?tls=1')), 'tls override');
    assert.ok(a.valid.some((v) => v.host.startsWith('[')), 'IPv6 host');
  });

  for (const v of a.invalid) {
    test(`rejects: ${v.comment}`, () => {
      assert.throws(() => parseRelayAddress(v.address), isDecodeError());
    });
  }
});

describe('edge-messaging vectors: handshake', () => {
  const h = vectors.handshake;

  test('prologue', () => {
    assert.equal(toHex(HANDSHAKE_PROLOGUE), h.prologue);
    assert.equal(toHex(utf8('graphchat-emp')), h.prologue);
  });

  for (const c of h.clientHello) {
    test(`client hello: ${c.comment}`, () => {
      assert.equal(toHex(encodeClientHello({ min: c.min, max: c.max })), c.encoded);
      assert.deepEqual(decodeClientHello(fromHex(c.encoded)), { min: c.min, max: c.max });
    });
  }
  for (const s of h.serverHello) {
    test(`server hello: ${s.comment}`, () => {
      const hello = { min: s.min, max: s.max, version: s.version };
      assert.equal(toHex(encodeServerHello(hello)), s.encoded);
      assert.deepEqual(decodeServerHello(fromHex(s.encoded)), hello);
    });
  }
  for (const c of h.invalidClientHello) {
    test(`rejects client hello: ${c.comment}`, () => {
      assert.throws(() => decodeClientHello(fromHex(c.encoded)), isDecodeError());
    });
  }
  for (const s of h.invalidServerHello) {
    test(`rejects server hello: ${s.comment}`, () => {
      assert.throws(() => decodeServerHello(fromHex(s.encoded)), isDecodeError());
    });
  }
  test('negotiation', () => {
    assert.ok(h.negotiation.some((n) => n.version === 0), 'a case without overlap');
    for (const n of h.negotiation) assert.equal(negotiateVersion(n.client, n.server), n.version, n.comment);
  });
});

describe('edge-messaging vectors: message encryption', () => {
  for (const m of vectors.messageCrypto) {
    for (const crypto of backends) {
      test(`${m.comment} [${crypto.name}]`, () => {
        const recipientSecret = fromHex(m.recipientDhSecret);
        const serverSecret = fromHex(m.serverDhSecret);
        assert.equal(toHex(crypto.x25519PublicKey(recipientSecret)), m.recipientDhPublic);
        assert.equal(toHex(crypto.x25519PublicKey(serverSecret)), m.serverDhPublic);
        // The recipient and the relay derive the same secret from their own halves.
        const recipientSide = queueSecret(crypto, recipientSecret, fromHex(m.serverDhPublic));
        const relaySide = queueSecret(crypto, serverSecret, fromHex(m.recipientDhPublic));
        assert.equal(toHex(recipientSide), m.queueSecret);
        assert.equal(toHex(relaySide), m.queueSecret);

        const msgId = fromHex(m.msgId);
        const encrypted = fromHex(m.encryptedBody);
        const message = { timestamp: m.timestamp, authorized: m.authorized, body: fromHex(m.body) };
        assert.equal(toHex(encryptQueueMessage(crypto, relaySide, msgId, message)), m.encryptedBody);
        const decrypted = decryptQueueMessage(crypto, recipientSide, msgId, encrypted);
        assert.deepEqual(
          { timestamp: decrypted.timestamp, authorized: decrypted.authorized, body: toHex(decrypted.body) },
          { timestamp: m.timestamp, authorized: m.authorized, body: m.body },
        );
        const plaintext = crypto.xchacha20Poly1305Decrypt(recipientSide, msgId, new Uint8Array(0), encrypted);
        assert.equal(plaintext && toHex(plaintext), m.plaintext);

        const isDecrypt = (error: unknown): boolean => error instanceof CryptoError && error.code === 'DECRYPT';
        assert.throws(() => decryptQueueMessage(crypto, recipientSide, msgId, flipBit(encrypted, 0)), isDecrypt);
        assert.throws(() => decryptQueueMessage(crypto, recipientSide, flipBit(msgId, 0), encrypted), isDecrypt);
        assert.throws(() => decryptQueueMessage(crypto, flipBit(recipientSide, 0), msgId, encrypted), isDecrypt);
      });
    }
  }
});

describe('edge-messaging vectors: invalid encodings', () => {
  test('cover the cases asked for', () => {
    const comments = vectors.invalid.map((v) => v.comment).join('\n');
    for (const needle of ['Unknown command tag', 'Truncated NEW', 'Trailing', '63-byte signature', '23-byte entity id', '25-byte correlation id']) {
      assert.ok(comments.includes(needle), needle);
    }
  });

  const decoders = { command: decodeCommand, response: decodeResponse, transmission: decodeTransmission };
  for (const v of vectors.invalid) {
    test(`rejects ${v.kind}: ${v.comment}`, () => {
      assert.throws(() => decoders[v.kind](fromHex(v.encoded)), isDecodeError(v.error));
    });
  }
});
