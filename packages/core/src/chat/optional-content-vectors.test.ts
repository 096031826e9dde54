// docs/protocol/vectors/optional-content.json: content types 64..127 are
// optional (graph-chat §4.2): one this version does not know decodes as an
// opaque item that encodes back to the same bytes, inside a signed envelope
// too; every other unknown type is malformed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, toHex } from '../bytes.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { DecodeError } from '../errors.js';
import { loadVectors } from '../test-support/vectors.js';
import { decodeContent, encodeContent, OPTIONAL_CONTENT_TAGS } from './content.js';
import { openEnvelope, signEnvelope, ZERO_HASH } from './envelope.js';
import { offeredVersion, versionOffer } from './version-offer.js';

interface OptionalVectors {
  readonly optional: readonly { readonly comment: string; readonly bytes: string; readonly tag: number; readonly body: string }[];
  readonly malformed: readonly { readonly comment: string; readonly bytes: string }[];
  readonly version_offer: {
    readonly valid: readonly { readonly comment: string; readonly bytes: string; readonly highest: number }[];
    readonly malformed: readonly { readonly comment: string; readonly bytes: string }[];
  };
}

const vectors = loadVectors<OptionalVectors>('optional-content.json');

describe('optional-content.json', () => {
  test('each optional item decodes to its tag and body, and encodes back to the same bytes', () => {
    for (const item of vectors.optional) {
      const content = decodeContent(fromHex(item.bytes));
      assert.deepEqual(content, { type: 'optional', tag: item.tag, body: fromHex(item.body) }, item.comment);
      assert.equal(toHex(encodeContent(content)), item.bytes, item.comment);
    }
    assert.deepEqual([Math.min(...vectors.optional.map((o) => o.tag)), Math.max(...vectors.optional.map((o) => o.tag))], [OPTIONAL_CONTENT_TAGS.min, OPTIONAL_CONTENT_TAGS.max]);
  });

  test('every other unknown type is malformed', () => {
    for (const bad of vectors.malformed) assert.throws(() => decodeContent(fromHex(bad.bytes)), DecodeError, bad.comment);
  });

  test('an encoder refuses an optional item outside the range', () => {
    for (const tag of [0, 13, 63, 128, 255]) assert.throws(() => encodeContent({ type: 'optional', tag, body: new Uint8Array(0) }), RangeError);
  });

  test('a signed envelope with an optional item verifies and opens to it', () => {
    const key = sodiumCrypto.ed25519KeyPair();
    const content = { type: 'optional', tag: 77, body: Uint8Array.of(9, 8, 7) } as const;
    const signed = signEnvelope(sodiumCrypto, key.secretKey, { seq: 5, timestamp: 1_700_000_000_000, prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content });
    assert.deepEqual(openEnvelope(sodiumCrypto, key.publicKey, signed).content, content);
  });

  test('type 64 is the version offer (§8.9): one byte, 3..255', () => {
    for (const item of vectors.version_offer.valid) {
      assert.equal(offeredVersion(decodeContent(fromHex(item.bytes))), item.highest, item.comment);
      assert.equal(toHex(encodeContent(versionOffer(item.highest))), item.bytes, item.comment);
    }
    for (const bad of vectors.version_offer.malformed) assert.throws(() => offeredVersion(decodeContent(fromHex(bad.bytes))), DecodeError, bad.comment);
    for (const highest of [0, 2, 256, 3.5]) assert.throws(() => versionOffer(highest), RangeError);
    assert.equal(offeredVersion({ type: 'optional', tag: 65, body: Uint8Array.of(4) }), null, 'another optional type is no offer');
  });
});
