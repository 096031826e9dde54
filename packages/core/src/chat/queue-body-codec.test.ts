// Queue bodies (graph-chat §3): encodeQueueBody/decodeQueueBody round trips
// and layouts of confirmations, messages and batches, DecodeError for
// anything malformed, and TOO_LARGE past 16,000 bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../bytes.js';
import { assertPrefixesFail, bytes, isChatError, isDecodeError } from '../test-support/chat-codec.js';
import { MAX_CONFIRMATION_PLAINTEXT, MAX_MESSAGE_PLAINTEXT } from './envelope.js';
import { BATCH_OVERHEAD, batchQueueBodies, decodeQueueBody, encodeQueueBody, QUEUE_BODY_VERSION, type QueueBody } from './queue-body.js';

describe('queue bodies', () => {
  const header = new Uint8Array(40).fill(4);
  const ciphertext = new Uint8Array(40 + 256).fill(5);
  const keys = { dh: new Uint8Array(32).fill(1), ephemeral: new Uint8Array(32).fill(2), sig: new Uint8Array(32).fill(3), ciphertext: new Uint8Array(1088).fill(6) };
  const confirmation: QueueBody = { type: 'confirmation', keys, header, ciphertext };
  const message: QueueBody = { type: 'message', header, ciphertext };
  const ciphertextArb = fc.integer({ min: 1, max: 56 }).chain((blocks) => bytes(40 + 256 * blocks));

  test('decodeQueueBody() inverts encodeQueueBody()', () => {
    fc.assert(
      fc.property(bytes(40), ciphertextArb, (h, c) => assert.deepEqual(decodeQueueBody(encodeQueueBody({ type: 'message', header: h, ciphertext: c })), { type: 'message', header: h, ciphertext: c })),
      { numRuns: 50 },
    );
    assert.deepEqual(decodeQueueBody(encodeQueueBody(confirmation)), confirmation);
    // A resync is carried as it is; openResync checks its signature before reading it (resync.test.ts).
    const resync = { type: 'resync', resync: Uint8Array.of(1, 2, 3) } as const;
    assert.deepEqual(decodeQueueBody(encodeQueueBody(resync)), resync);
    assert.deepEqual([...encodeQueueBody(resync).subarray(0, 2)], [4, 4]);
    assert.deepEqual([...encodeQueueBody(resync, 3).subarray(0, 2)], [3, 4]);
    assert.deepEqual([...encodeQueueBody(resync, 2).subarray(0, 2)], [2, 4]);
    // All versions spoken have the same layouts: a version 2 or 3 body decodes to the same body.
    for (const body of [message, confirmation, resync, { type: 'batch', messages: [{ header, ciphertext }, { header, ciphertext }] } as const]) {
      for (const version of [2, 3, 4]) {
        assert.deepEqual(decodeQueueBody(encodeQueueBody(body, version)), body);
        assert.equal(encodeQueueBody(body, version)[0], version);
        assert.deepEqual(encodeQueueBody(body, version).subarray(1), encodeQueueBody(body, 4).subarray(1));
      }
    }
    assert.equal(QUEUE_BODY_VERSION, 4);
  });

  test('layouts: version (the connection\'s, 2, 3 or 4), tag, [confirmation keys], header, ciphertext', () => {
    const m = encodeQueueBody(message);
    assert.deepEqual([...m.subarray(0, 3)], [4, 2, 4]);
    assert.equal(m.length, 2 + 40 + 296);
    assert.deepEqual([...encodeQueueBody(message, 3).subarray(0, 3)], [3, 2, 4]);
    assert.deepEqual([...encodeQueueBody(message, 2).subarray(0, 3)], [2, 2, 4]);
    const c = encodeQueueBody(confirmation);
    assert.deepEqual([...c.subarray(0, 4)], [4, 1, 1, 1]);
    assert.equal(c.length, 2 + 1185 + 40 + 296);
    assert.deepEqual([...encodeQueueBody(confirmation, 3).subarray(0, 4)], [3, 1, 1, 1]);
    assert.deepEqual([...encodeQueueBody(confirmation, 2).subarray(0, 4)], [2, 1, 1, 1]);
    for (const version of [0, 1, 5, 255]) assert.throws(() => encodeQueueBody(message, version), RangeError, `version ${version}`);
  });

  test('unknown version or tag, truncation, bad confirmation keys and bad ciphertext lengths are DecodeError', () => {
    const c = encodeQueueBody(confirmation);
    const m = encodeQueueBody(message);
    assertPrefixesFail(c, decodeQueueBody);
    assertPrefixesFail(m, decodeQueueBody);
    for (const [version, tag] of [[0, 1], [1, 2], [5, 2], [255, 2], [2, 0], [2, 5], [3, 0], [3, 5], [4, 0], [4, 5]] as const) {
      assert.throws(() => decodeQueueBody(concatBytes(Uint8Array.of(version, tag), m.subarray(2))), isDecodeError, `version ${version}, tag ${tag}`);
    }
    for (const version of [2, 3, 4]) assert.equal(decodeQueueBody(concatBytes(Uint8Array.of(version, 2), m.subarray(2))).type, 'message', `version ${version}`);
    const badKeys = c.slice();
    badKeys[2] = 2;
    assert.throws(() => decodeQueueBody(badKeys), isDecodeError);
    assert.throws(() => decodeQueueBody(concatBytes(m, Uint8Array.of(0))), isDecodeError, 'trailing byte');
    assert.throws(() => decodeQueueBody(concatBytes(m, new Uint8Array(256 * 62))), isDecodeError, 'over 16,000 bytes');
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(295) }), RangeError);
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(40) }), RangeError);
    assert.throws(() => encodeQueueBody({ ...message, header: new Uint8Array(39) }), RangeError);
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(40 + 256 * 63) }), isChatError('TOO_LARGE'));
  });

  test('a batch decodes to its messages, in order, and is the batch of their encoded bodies', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes(40), fc.integer({ min: 1, max: 4 }).chain((blocks) => bytes(40 + 256 * blocks))), { minLength: 2, maxLength: 10 }), (pairs) => {
        const messages = pairs.map(([h, c]) => ({ header: h, ciphertext: c }));
        const encoded = encodeQueueBody({ type: 'batch', messages });
        assert.deepEqual(decodeQueueBody(encoded), { type: 'batch', messages });
        const bodies = messages.map((m) => encodeQueueBody({ type: 'message', ...m }));
        assert.deepEqual(batchQueueBodies(bodies), encoded);
        assert.equal(encoded.length, BATCH_OVERHEAD + bodies.reduce((sum, body) => sum + body.length, 0));
      }),
      { numRuns: 30 },
    );
  });

  test('batch layout: version, tag 3, then length:u16 || header || ciphertext per message', () => {
    const other = { header: new Uint8Array(40).fill(7), ciphertext: new Uint8Array(40 + 512).fill(8) };
    const b = encodeQueueBody({ type: 'batch', messages: [{ header, ciphertext }, other] });
    assert.deepEqual([...b.subarray(0, 5)], [4, 3, 0x01, 0x50, 4]); // 0x0150 = 40 + 296
    // A batch keeps the version of its bodies, which must all share it.
    const v2 = [encodeQueueBody(message, 2), encodeQueueBody({ type: 'message', ...other }, 2)];
    assert.deepEqual(batchQueueBodies(v2), encodeQueueBody({ type: 'batch', messages: [{ header, ciphertext }, other] }, 2));
    assert.deepEqual([...batchQueueBodies(v2).subarray(0, 2)], [2, 3]);
    assert.throws(() => batchQueueBodies([encodeQueueBody(message, 2), encodeQueueBody(message, 3)]), RangeError);
    assert.throws(() => batchQueueBodies([encodeQueueBody(message, 3), encodeQueueBody(message, 2)]), RangeError);
    assert.throws(() => batchQueueBodies([encodeQueueBody(message, 4), encodeQueueBody(message, 3)]), RangeError);
    assert.deepEqual([...batchQueueBodies([encodeQueueBody(message, 3), encodeQueueBody(message, 3)]).subarray(0, 2)], [3, 3]);
    assert.equal(b[2 + 2 + 336], 0x02); // 40 + 552 = 0x0250
    assert.equal(b[2 + 2 + 336 + 1], 0x50);
    assert.equal(b.length, 2 + (2 + 336) + (2 + 592));
  });

  test('a batch of fewer than 2, of other bodies, or with a bad item or length is refused', () => {
    const m = encodeQueueBody(message);
    const b = batchQueueBodies([m, m]);
    assertPrefixesFail(b, decodeQueueBody);
    assert.throws(() => decodeQueueBody(b.subarray(0, 2 + 2 + 336)), isDecodeError, 'one message');
    assert.throws(() => decodeQueueBody(Uint8Array.of(2, 3)), isDecodeError, 'no message');
    assert.throws(() => decodeQueueBody(concatBytes(b, Uint8Array.of(0))), isDecodeError, 'trailing byte');
    const longer = b.slice();
    longer[3]! += 1;
    assert.throws(() => decodeQueueBody(longer), isDecodeError, 'item length off by one');
    const shortItem = concatBytes(b, Uint8Array.of(0, 39), new Uint8Array(39));
    assert.throws(() => decodeQueueBody(shortItem), isDecodeError, 'item shorter than a header');
    assert.throws(() => batchQueueBodies([m]), RangeError);
    assert.throws(() => encodeQueueBody({ type: 'batch', messages: [{ header, ciphertext }] }), RangeError);
    assert.throws(() => batchQueueBodies([m, encodeQueueBody(confirmation)]), RangeError);
    assert.throws(() => batchQueueBodies([m, b]), RangeError);
    const large = encodeQueueBody({ ...message, ciphertext: new Uint8Array(40 + 256 * 32) });
    assert.throws(() => batchQueueBodies([large, large]), isChatError('TOO_LARGE'));
  });

  test('the largest padded plaintexts fit their queue bodies', () => {
    encodeQueueBody({ ...message, ciphertext: new Uint8Array(40 + MAX_MESSAGE_PLAINTEXT) });
    encodeQueueBody({ ...confirmation, ciphertext: new Uint8Array(40 + MAX_CONFIRMATION_PLAINTEXT) });
    assert.throws(() => encodeQueueBody({ ...message, ciphertext: new Uint8Array(40 + MAX_MESSAGE_PLAINTEXT + 256) }), isChatError('TOO_LARGE'));
    assert.throws(() => encodeQueueBody({ ...confirmation, ciphertext: new Uint8Array(40 + MAX_CONFIRMATION_PLAINTEXT + 256) }), isChatError('TOO_LARGE'));
  });
});
