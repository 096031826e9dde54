// equalBytes (contents, not buffers; lengths first) and concatBytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes, equalBytes, fromHex, toHex } from './bytes.js';

describe('equalBytes', () => {
  it('is true for equal contents, including two empty arrays', () => {
    assert.equal(equalBytes(fromHex('0102'), fromHex('0102')), true);
    assert.equal(equalBytes(new Uint8Array(0), new Uint8Array(0)), true);
  });

  it('is false when any byte differs, first or last', () => {
    assert.equal(equalBytes(fromHex('0102'), fromHex('0002')), false);
    assert.equal(equalBytes(fromHex('0102'), fromHex('0103')), false);
  });

  it('is false for different lengths, even when one is a prefix of the other', () => {
    assert.equal(equalBytes(fromHex('01'), fromHex('0100')), false);
    assert.equal(equalBytes(new Uint8Array(0), fromHex('00')), false);
  });

  it('compares views by their contents, not their buffers', () => {
    const buffer = fromHex('0102030102');
    assert.equal(equalBytes(buffer.subarray(0, 2), buffer.subarray(3, 5)), true);
  });

  it('agrees with comparing hex encodings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        assert.equal(equalBytes(a, b), toHex(a) === toHex(b));
        assert.equal(equalBytes(a, concatBytes(a)), true);
      }),
    );
  });
});

describe('concatBytes', () => {
  it('joins parts in order', () => {
    assert.equal(toHex(concatBytes(fromHex('01'), new Uint8Array(0), fromHex('0203'))), '010203');
    assert.equal(concatBytes().length, 0);
  });
});
