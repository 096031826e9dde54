// ByteReader: the fixed examples read back, DecodeError TRUNCATED, TRAILING
// and INVALID where input runs out, is left over or is out of range, copies
// and subarray views, and view().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader, fromHex, toHex, utf8 } from './bytes.js';
import { isDecodeError, MAX_U64 } from './test-support/bytes.js';

describe('ByteReader', () => {
  it('reads the fixed examples back', () => {
    const reader = new ByteReader(fromHex('007fff' + '0102ffff' + '001fffffffffffff' + '0000000100000000' + '03616263' + '0003616263'));
    assert.equal(reader.u8(), 0);
    assert.equal(reader.u8(), 0x7f);
    assert.equal(reader.u8(), 0xff);
    assert.equal(reader.u16(), 0x0102);
    assert.equal(reader.u16(), 0xffff);
    assert.equal(reader.u64(), MAX_U64);
    assert.equal(reader.u64(), 2 ** 32);
    assert.deepEqual(reader.shortBytes(), utf8('abc'));
    assert.deepEqual(reader.longBytes(), utf8('abc'));
    assert.equal(reader.remaining, 0);
    reader.end();
  });

  it('rejects a u64 of 2^53 or more with DecodeError INVALID', () => {
    for (const hex of ['0020000000000000', '8000000000000000', 'ffffffffffffffff']) {
      assert.throws(() => new ByteReader(fromHex(hex)).u64(), isDecodeError('INVALID'), hex);
    }
  });

  it('throws DecodeError TRUNCATED without consuming anything when input runs out', () => {
    const reads: [string, string, (r: ByteReader) => unknown][] = [
      ['u8', '', (r) => r.u8()],
      ['u16', '01', (r) => r.u16()],
      ['u64', '01020304050607', (r) => r.u64()],
      ['bytes(3)', '0102', (r) => r.bytes(3)],
      ['shortBytes length', '', (r) => r.shortBytes()],
      ['longBytes length', '00', (r) => r.longBytes()],
    ];
    for (const [name, hex, read] of reads) {
      const reader = new ByteReader(fromHex(hex));
      assert.throws(() => read(reader), isDecodeError('TRUNCATED'), name);
      assert.equal(reader.offset, 0, name);
    }
  });

  it('throws DecodeError TRUNCATED when a length prefix promises more bytes than remain', () => {
    assert.throws(() => new ByteReader(fromHex('0361')).shortBytes(), isDecodeError('TRUNCATED'));
    assert.throws(() => new ByteReader(fromHex('000361')).longBytes(), isDecodeError('TRUNCATED'));
  });

  it('end throws DecodeError TRAILING while bytes remain', () => {
    const reader = new ByteReader(fromHex('0102'));
    reader.u8();
    assert.throws(() => reader.end(), isDecodeError('TRAILING'));
    reader.u8();
    reader.end();
  });

  it('rest returns everything left and leaves the reader at the end', () => {
    const reader = new ByteReader(fromHex('01020304'));
    reader.u8();
    assert.equal(toHex(reader.rest()), '020304');
    assert.equal(reader.remaining, 0);
    assert.equal(reader.rest().length, 0);
    reader.end();
  });

  it('returns copies, so mutating a result leaves the input intact', () => {
    const input = fromHex('02aabb');
    const field = new ByteReader(input).shortBytes();
    field.fill(0);
    assert.equal(toHex(input), '02aabb');
  });

  it('reads a subarray view from its own start, not the underlying buffer start', () => {
    const buffer = fromHex('ffff0102030405060708ffff');
    const reader = new ByteReader(buffer.subarray(2, 10));
    assert.equal(reader.u16(), 0x0102);
    assert.equal(reader.remaining, 6);
    assert.equal(toHex(reader.rest()), '030405060708');
  });

  it('throws RangeError, without moving, for a negative or fractional length', () => {
    const reader = new ByteReader(fromHex('010203'));
    reader.u8();
    for (const length of [-1, 0.5, Number.NaN]) {
      assert.throws(() => reader.bytes(length), RangeError, String(length));
      assert.equal(reader.offset, 1);
    }
  });
});

describe('ByteReader.view', () => {
  it('returns a view of the input, bounds-checked like bytes()', () => {
    const input = Uint8Array.of(1, 2, 3, 4);
    const reader = new ByteReader(input);
    reader.u8();
    const view = reader.view(2);
    assert.deepEqual([...view], [2, 3]);
    assert.equal(view.buffer, input.buffer);
    assert.throws(() => reader.view(2), isDecodeError('TRUNCATED'));
  });
});
