// ByteWriter: fixed encodings of each field, growth, copies from finish,
// RangeError for values out of range, buffer reuse and the in-place
// fields (u32, longUtf8, written, finish(start)); and the u32 helpers
// putU32, getU32 and checkU32.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader, ByteWriter, checkU32, fromHex, getU32, putU32, toHex, utf8 } from './bytes.js';
import { MAX_U64 } from './test-support/bytes.js';

describe('ByteWriter', () => {
  it('writes u8 values as single bytes', () => {
    assert.equal(toHex(new ByteWriter().u8(0).u8(0x7f).u8(0xff).finish()), '007fff');
  });

  it('writes u16 values big-endian', () => {
    assert.equal(toHex(new ByteWriter().u16(0).u16(0x0102).u16(0xffff).finish()), '00000102ffff');
  });

  it('writes u64 values big-endian in eight bytes', () => {
    const cases: [number, string][] = [
      [0, '0000000000000000'],
      [1, '0000000000000001'],
      [0xffffffff, '00000000ffffffff'],
      [2 ** 32, '0000000100000000'],
      [0x0001020304050607, '0001020304050607'],
      [MAX_U64, '001fffffffffffff'],
    ];
    for (const [value, hex] of cases) assert.equal(toHex(new ByteWriter().u64(value).finish()), hex, String(value));
  });

  it('prefixes shortBytes with a one-byte length', () => {
    assert.equal(toHex(new ByteWriter().shortBytes(utf8('abc')).finish()), '03616263');
    assert.equal(toHex(new ByteWriter().shortBytes(new Uint8Array(0)).finish()), '00');
    const max = new Uint8Array(255).fill(0xee);
    assert.equal(toHex(new ByteWriter().shortBytes(max).finish()), 'ff' + 'ee'.repeat(255));
  });

  it('prefixes longBytes with a two-byte big-endian length', () => {
    assert.equal(toHex(new ByteWriter().longBytes(utf8('abc')).finish()), '0003616263');
    assert.equal(toHex(new ByteWriter().longBytes(new Uint8Array(0)).finish()), '0000');
    const big = new Uint8Array(0x0102).fill(0xaa);
    assert.equal(toHex(new ByteWriter().longBytes(big).finish()), '0102' + 'aa'.repeat(0x0102));
  });

  it('concatenates fields in call order', () => {
    const bytes = new ByteWriter().u8(1).u16(0x0203).u64(4).shortBytes(utf8('hi')).longBytes(utf8('yo')).bytes(fromHex('ff')).finish();
    assert.equal(toHex(bytes), '01' + '0203' + '0000000000000004' + '026869' + '0002796f' + 'ff');
  });

  it('grows past its initial capacity, including a capacity of zero', () => {
    for (const capacity of [0, 1, 3]) {
      const writer = new ByteWriter(capacity);
      for (let i = 0; i < 1000; i++) writer.u16(i);
      const bytes = writer.finish();
      assert.equal(bytes.length, 2000);
      assert.equal(writer.length, 2000);
      const reader = new ByteReader(bytes);
      for (let i = 0; i < 1000; i++) assert.equal(reader.u16(), i);
    }
  });

  it('returns a copy from finish that later writes do not change', () => {
    const writer = new ByteWriter(4).u8(1);
    const first = writer.finish();
    writer.u8(2);
    assert.equal(toHex(first), '01');
    assert.equal(toHex(writer.finish()), '0102');
  });

  it('throws RangeError for integers out of range or not integers', () => {
    const bad: [string, (w: ByteWriter) => unknown][] = [
      ['u8(-1)', (w) => w.u8(-1)],
      ['u8(256)', (w) => w.u8(256)],
      ['u8(1.5)', (w) => w.u8(1.5)],
      ['u8(NaN)', (w) => w.u8(Number.NaN)],
      ['u16(-1)', (w) => w.u16(-1)],
      ['u16(65536)', (w) => w.u16(65536)],
      ['u64(-1)', (w) => w.u64(-1)],
      ['u64(2^53)', (w) => w.u64(2 ** 53)],
      ['u64(0.5)', (w) => w.u64(0.5)],
      ['shortBytes(256 bytes)', (w) => w.shortBytes(new Uint8Array(256))],
      ['longBytes(65536 bytes)', (w) => w.longBytes(new Uint8Array(65536))],
    ];
    for (const [name, write] of bad) {
      const writer = new ByteWriter();
      assert.throws(() => write(writer), RangeError, name);
      assert.equal(writer.length, 0, `${name} wrote nothing`);
    }
  });
});

describe('u32 helpers', () => {
  it('putU32 and getU32 write and read big-endian at an offset', () => {
    const out = new Uint8Array(6);
    putU32(out, 1, 0xdeadbeef);
    assert.deepEqual(out, new Uint8Array([0, 0xde, 0xad, 0xbe, 0xef, 0]));
    assert.equal(getU32(out, 1), 0xdeadbeef);
  });

  it('checkU32 throws RangeError outside 0..2^32-1 and for non-integers', () => {
    checkU32(0);
    checkU32(0xffffffff);
    for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => checkU32(bad), RangeError, String(bad));
  });
});

describe('ByteWriter buffers and in-place fields', () => {
  it('writes u32 big-endian and reads it back', () => {
    const bytes = new ByteWriter().u32(0).u32(0x01020304).u32(0xffffffff).finish();
    assert.equal(toHex(bytes), '0000000001020304ffffffff');
    const reader = new ByteReader(bytes);
    assert.deepEqual([reader.u32(), reader.u32(), reader.u32()], [0, 0x01020304, 0xffffffff]);
    assert.throws(() => new ByteWriter().u32(2 ** 32), RangeError);
  });

  it('longUtf8 writes what longBytes(utf8(text)) writes and returns the length', () => {
    for (const text of ['', 'abc', 'ü€😀', 'x'.repeat(5000)]) {
      const writer = new ByteWriter(100).u8(7);
      assert.equal(writer.longUtf8(text), utf8(text).length);
      assert.deepEqual(writer.finish(), new ByteWriter().u8(7).longBytes(utf8(text)).finish());
    }
  });

  it('longUtf8 throws RangeError past 0xffff bytes and leaves the writer as it was', () => {
    const writer = new ByteWriter(100).u8(1);
    assert.throws(() => writer.longUtf8('€'.repeat(30000)), RangeError);
    assert.deepEqual(writer.finish(), Uint8Array.of(1));
  });

  it('written() is a view of the bytes so far; finish(start) copies from start', () => {
    const writer = new ByteWriter(200).bytes(utf8('ctx')).u8(1).u16(2);
    assert.equal(toHex(writer.written()), toHex(utf8('ctx')) + '010002');
    assert.equal(toHex(writer.finish(3)), '010002');
    assert.throws(() => writer.u8(1), TypeError);
    assert.throws(() => writer.finish(), TypeError);
  });

  it('results stay intact when writers reuse buffers, and a writer goes on after finish', () => {
    const first = new ByteWriter(1000).bytes(new Uint8Array(300).fill(0xaa));
    const a = first.finish();
    const b = new ByteWriter(1000).bytes(new Uint8Array(300).fill(0xbb)).finish();
    first.u8(0xcc);
    assert.ok(a.every((x) => x === 0xaa) && a.length === 300);
    assert.ok(b.every((x) => x === 0xbb) && b.length === 300);
    const again = first.finish();
    assert.equal(again.length, 301);
    assert.equal(again[300], 0xcc);
    assert.equal(again[0], 0xaa);
  });

  it('a writer that grows past its buffer keeps what it wrote', () => {
    const writer = new ByteWriter(100);
    for (let i = 0; i < 40_000; i++) writer.u8(i & 0xff);
    const bytes = writer.finish();
    assert.equal(bytes.length, 40_000);
    assert.ok(bytes.every((x, i) => x === (i & 0xff)));
  });
});
