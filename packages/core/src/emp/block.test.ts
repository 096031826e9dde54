import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../errors.js';
import { decodeBlock, encodeBlock, MAX_TRANSMISSION_SIZE, packBlocks } from './block.js';
import { BLOCK_PLAINTEXT_SIZE } from './limits.js';

const MAX_COUNT = 255;

/** A transmission of `length` bytes; random content when short, a cheap fill pattern when long. */
const transmissionArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 2, arbitrary: fc.tuple(fc.nat({ max: 2000 }), fc.nat({ max: 255 })).map(([n, seed]) => pattern(n, seed)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2000, max: MAX_TRANSMISSION_SIZE }), fc.nat({ max: 255 })).map(([n, seed]) => pattern(n, seed)) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, MAX_TRANSMISSION_SIZE - 1, MAX_TRANSMISSION_SIZE).map((n) => pattern(n, n & 0xff)) },
);

/** Non-zero-heavy content that differs between transmissions, so a mix-up shows. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 31) & 0xff;
  return out;
}

/** Bytes of a block that the header and transmissions use; the rest is padding. */
function usedLength(transmissions: readonly Uint8Array[]): number {
  return transmissions.reduce((sum, t) => sum + 2 + t.length, 1);
}

function assertZeroPadding(block: Uint8Array, used: number): void {
  for (let i = used; i < block.length; i++) {
    if (block[i] !== 0) assert.fail(`padding byte ${i} is ${block[i]}`);
  }
}

function decodeOrDecodeError(block: Uint8Array): Uint8Array[] | undefined {
  try {
    return decodeBlock(block);
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

const isDecodeError = (error: unknown): boolean => error instanceof DecodeError;
const isRangeError = (error: unknown): boolean => error instanceof RangeError;

describe('blocks: packing and round trips', () => {
  test('packBlocks then decodeBlock gives back the same transmissions in order, in greedily filled, zero-padded blocks', () => {
    const lists = fc.oneof(
      fc.array(transmissionArb, { maxLength: 30 }),
      // Many tiny transmissions: the 255-per-block count limit decides the split.
      fc.array(fc.uint8Array({ maxLength: 3 }), { minLength: 200, maxLength: 800 }),
    );
    fc.assert(
      fc.property(lists, (transmissions) => {
        const blocks = packBlocks(transmissions);
        const decoded = blocks.map((block) => decodeBlock(block));
        assert.deepEqual(decoded.flat(), transmissions);
        for (const [i, block] of blocks.entries()) {
          const batch = decoded[i]!;
          assert.equal(block.length, BLOCK_PLAINTEXT_SIZE);
          assert.ok(batch.length >= 1 && batch.length <= MAX_COUNT);
          assertZeroPadding(block, usedLength(batch));
          // Greedy: a block is only closed when the next transmission does not fit in it.
          const next = decoded[i + 1]?.[0];
          if (next) assert.ok(batch.length === MAX_COUNT || usedLength(batch) + 2 + next.length > BLOCK_PLAINTEXT_SIZE);
        }
        if (transmissions.length === 0) assert.equal(blocks.length, 0);
      }),
      { numRuns: 300 },
    );
  });

  test('decodeBlock(encodeBlock(ts)) deep-equals ts for any list that fits', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 60 }), (transmissions) => {
        const block = encodeBlock(transmissions);
        assert.deepEqual(decodeBlock(block), transmissions);
        assertZeroPadding(block, usedLength(transmissions));
      }),
      { numRuns: 500 },
    );
  });

  test('several large transmissions take several blocks', () => {
    const transmissions = [pattern(10000, 1), pattern(10000, 2), pattern(10000, 3), pattern(6000, 4)];
    const blocks = packBlocks(transmissions);
    assert.equal(blocks.length, 3);
    assert.deepEqual(blocks.map((b) => decodeBlock(b).length), [1, 1, 2]);
    assert.deepEqual(blocks.flatMap((b) => decodeBlock(b)), transmissions);
  });

  test('the block layout: count, then length:u16 and bytes for each transmission, then zeros', () => {
    const block = encodeBlock([new Uint8Array([0xaa, 0xbb]), new Uint8Array(0), new Uint8Array([0xcc])]);
    assert.deepEqual(block.subarray(0, 11), new Uint8Array([3, 0, 2, 0xaa, 0xbb, 0, 0, 0, 1, 0xcc, 0]));
    assertZeroPadding(block, 10);
  });

  test('a transmission of MAX_TRANSMISSION_SIZE fills a block exactly; one byte more is refused', () => {
    const full = pattern(MAX_TRANSMISSION_SIZE, 7);
    assert.equal(MAX_TRANSMISSION_SIZE, BLOCK_PLAINTEXT_SIZE - 3);
    const [block, ...rest] = packBlocks([full]);
    assert.equal(rest.length, 0);
    assert.deepEqual(decodeBlock(block!), [full]);
    assert.throws(() => packBlocks([pattern(MAX_TRANSMISSION_SIZE + 1, 7)]), isRangeError);
    assert.throws(() => encodeBlock([pattern(MAX_TRANSMISSION_SIZE + 1, 7)]), isRangeError);
  });

  test('255 transmissions fit one block, the 256th starts a new one', () => {
    const tiny = Array.from({ length: 256 }, (_, i) => new Uint8Array([i & 0xff]));
    assert.equal(packBlocks(tiny.slice(0, 255)).length, 1);
    const blocks = packBlocks(tiny);
    assert.equal(blocks.length, 2);
    assert.deepEqual(decodeBlock(blocks[1]!), [tiny[255]]);
  });

  test('encodeBlock refuses 0 or 256 transmissions and transmissions that overflow the block', () => {
    assert.throws(() => encodeBlock([]), isRangeError);
    assert.throws(() => encodeBlock(Array.from({ length: 256 }, () => new Uint8Array(0))), isRangeError);
    assert.throws(() => encodeBlock([pattern(8000, 1), pattern(8000, 2), pattern(400, 3)]), isRangeError);
  });
});

describe('blocks: rejecting invalid blocks', () => {
  const valid = encodeBlock([new Uint8Array([1, 2, 3])]);

  test('count 0 (an all-zero block)', () => {
    assert.throws(() => decodeBlock(new Uint8Array(BLOCK_PLAINTEXT_SIZE)), isDecodeError);
  });

  test('a non-zero padding byte anywhere in the padding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: BLOCK_PLAINTEXT_SIZE - 1 }), fc.integer({ min: 1, max: 255 }), (at, value) => {
        const block = valid.slice();
        block[at] = value;
        assert.throws(() => decodeBlock(block), isDecodeError);
      }),
    );
  });

  test('a length running past the end of the block', () => {
    for (const length of [BLOCK_PLAINTEXT_SIZE - 2, 0xffff]) {
      const block = new Uint8Array(BLOCK_PLAINTEXT_SIZE);
      block[0] = 1;
      new DataView(block.buffer).setUint16(1, length);
      assert.throws(() => decodeBlock(block), isDecodeError);
    }
    // The boundary: a length exactly reaching the end is valid.
    const block = new Uint8Array(BLOCK_PLAINTEXT_SIZE);
    block[0] = 1;
    new DataView(block.buffer).setUint16(1, MAX_TRANSMISSION_SIZE);
    assert.deepEqual(decodeBlock(block), [new Uint8Array(MAX_TRANSMISSION_SIZE)]);
  });

  test('a count larger than the transmissions present', () => {
    // count 3 over one 3-byte transmission: the zero padding reads as two empty transmissions.
    const block = valid.slice();
    block[0] = 3;
    assert.deepEqual(decodeBlock(block), [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(0)]);
    // count 255: the 255th length is at bytes 509-510; a length there running past the end fails.
    const tooMany = new Uint8Array(BLOCK_PLAINTEXT_SIZE);
    tooMany[0] = 255;
    tooMany[1 + 2 * 254] = 0xff;
    assert.throws(() => decodeBlock(tooMany), isDecodeError);
  });

  test('blocks of the wrong size', () => {
    for (const size of [0, 1, BLOCK_PLAINTEXT_SIZE - 1, BLOCK_PLAINTEXT_SIZE + 1]) {
      const block = new Uint8Array(size);
      if (size > 0) block[0] = 1;
      assert.throws(() => decodeBlock(block), isDecodeError);
    }
  });
});

describe('blocks: decoding arbitrary bytes', () => {
  test('decodeBlock of arbitrary short inputs throws DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assert.throws(() => decodeBlock(bytes), isDecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  test('decodeBlock of a random header and body, zero-padded and with stray bytes, succeeds or throws DecodeError; what decodes re-encodes to the same block', () => {
    const blockArb = fc
      .tuple(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.tuple(fc.nat({ max: BLOCK_PLAINTEXT_SIZE - 1 }), fc.nat({ max: 255 })), { maxLength: 3 }),
      )
      .map(([prefix, strays]) => {
        const block = new Uint8Array(BLOCK_PLAINTEXT_SIZE);
        block.set(prefix);
        for (const [at, value] of strays) block[at] = value;
        return block;
      });
    fc.assert(
      fc.property(blockArb, (block) => {
        const transmissions = decodeOrDecodeError(block);
        if (transmissions) assert.deepEqual(encodeBlock(transmissions), block);
      }),
      { numRuns: 2000 },
    );
  });

  test('decodeBlock of damaged valid blocks succeeds or throws DecodeError', () => {
    const damaged = fc
      .tuple(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat({ max: 400 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }),
      )
      .map(([transmissions, changes]) => {
        const block = encodeBlock(transmissions);
        for (const [at, value] of changes) block[at] = value;
        return block;
      });
    fc.assert(
      fc.property(damaged, (block) => {
        const transmissions = decodeOrDecodeError(block);
        if (transmissions) assert.deepEqual(encodeBlock(transmissions), block);
      }),
      { numRuns: 2000 },
    );
  });
});
