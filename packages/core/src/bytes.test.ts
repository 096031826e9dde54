import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ByteReader,
  ByteWriter,
  checkU32,
  concatBytes,
  equalBytes,
  fromBase64url,
  fromHex,
  fromUtf8,
  getU32,
  putU32,
  toBase64url,
  toHex,
  utf8,
} from './bytes.js';
import { DecodeError } from './errors.js';

function isDecodeError(code: DecodeError['code']) {
  return (error: unknown): boolean => error instanceof DecodeError && error.code === code;
}

const MAX_U64 = Number.MAX_SAFE_INTEGER;

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

// One field of a message, with the value it should read back as.
type Field =
  | { readonly kind: 'u8' | 'u16' | 'u64'; readonly value: number }
  | { readonly kind: 'bytes' | 'shortBytes' | 'longBytes'; readonly value: Uint8Array };

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: 0, max: 0xff }).map((value) => ({ kind: 'u8' as const, value })),
  fc.integer({ min: 0, max: 0xffff }).map((value) => ({ kind: 'u16' as const, value })),
  fc.oneof(fc.integer({ min: 0, max: 2 ** 32 }), fc.maxSafeNat()).map((value) => ({ kind: 'u64' as const, value })),
  fc.uint8Array({ maxLength: 40 }).map((value) => ({ kind: 'bytes' as const, value })),
  fc.uint8Array({ maxLength: 255 }).map((value) => ({ kind: 'shortBytes' as const, value })),
  fc.uint8Array({ maxLength: 600 }).map((value) => ({ kind: 'longBytes' as const, value })),
);

function writeField(writer: ByteWriter, field: Field): void {
  switch (field.kind) {
    case 'u8':
      writer.u8(field.value);
      break;
    case 'u16':
      writer.u16(field.value);
      break;
    case 'u64':
      writer.u64(field.value);
      break;
    case 'bytes':
      writer.bytes(field.value);
      break;
    case 'shortBytes':
      writer.shortBytes(field.value);
      break;
    case 'longBytes':
      writer.longBytes(field.value);
      break;
  }
}

function readField(reader: ByteReader, field: Field): number | Uint8Array {
  switch (field.kind) {
    case 'u8':
      return reader.u8();
    case 'u16':
      return reader.u16();
    case 'u64':
      return reader.u64();
    case 'bytes':
      return reader.bytes(field.value.length);
    case 'shortBytes':
      return reader.shortBytes();
    case 'longBytes':
      return reader.longBytes();
  }
}

// A reader call as a decoder might make it, whatever the bytes are.
type ReadOp =
  | { readonly op: 'u8' | 'u16' | 'u64' | 'shortBytes' | 'longBytes' | 'rest' | 'end' }
  | { readonly op: 'bytes'; readonly length: number };

const readOpArb: fc.Arbitrary<ReadOp> = fc.oneof(
  fc.constantFrom('u8', 'u16', 'u64', 'shortBytes', 'longBytes', 'rest', 'end').map((op) => ({ op })),
  fc.nat({ max: 300 }).map((length) => ({ op: 'bytes' as const, length })),
);

function runReadOp(reader: ByteReader, op: ReadOp): void {
  switch (op.op) {
    case 'u8':
      reader.u8();
      break;
    case 'u16':
      reader.u16();
      break;
    case 'u64':
      reader.u64();
      break;
    case 'shortBytes':
      reader.shortBytes();
      break;
    case 'longBytes':
      reader.longBytes();
      break;
    case 'rest':
      reader.rest();
      break;
    case 'end':
      reader.end();
      break;
    case 'bytes':
      reader.bytes(op.length);
      break;
  }
}

describe('ByteWriter and ByteReader properties', () => {
  it('read back every sequence of fields exactly as written, consuming all bytes', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 20 }), (fields) => {
        const writer = new ByteWriter(8);
        for (const field of fields) writeField(writer, field);
        const reader = new ByteReader(writer.finish());
        for (const field of fields) assert.deepEqual(readField(reader, field), field.value);
        reader.end();
      }),
    );
  });

  it('either succeed or throw DecodeError for any bytes and any sequence of reads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(readOpArb, { maxLength: 12 }), (input, ops) => {
        const reader = new ByteReader(input);
        for (const op of ops) {
          try {
            runReadOp(reader, op);
          } catch (error) {
            assert.ok(error instanceof DecodeError, `${op.op} threw ${String(error)}`);
            return;
          }
          assert.ok(reader.offset >= 0 && reader.offset <= input.length);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('hex', () => {
  it('encodes lowercase, two digits per byte', () => {
    assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
    assert.equal(toHex(new Uint8Array(0)), '');
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toHex(bytes);
        assert.match(text, /^([0-9a-f]{2})*$/);
        assert.deepEqual(fromHex(text), bytes);
      }),
    );
  });

  it('throws DecodeError INVALID for odd lengths and non-hex characters', () => {
    for (const text of ['0', 'abc', 'zz', '0g', ' 00', '00 ', '0x00', '-1']) {
      assert.throws(() => fromHex(text), isDecodeError('INVALID'), JSON.stringify(text));
    }
  });

  it('either decodes or throws DecodeError for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        try {
          fromHex(text);
        } catch (error) {
          assert.ok(error instanceof DecodeError);
        }
      }),
    );
  });
});

describe('base64url', () => {
  it('encodes the RFC 4648 §10 examples in the URL-safe alphabet without padding', () => {
    const examples: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of examples) {
      assert.equal(toBase64url(utf8(text)), encoded);
      assert.equal(fromUtf8(fromBase64url(encoded)), text);
    }
    assert.equal(toBase64url(fromHex('fbff')), '-_8');
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64url(bytes);
        assert.match(text, /^[A-Za-z0-9_-]*$/);
        assert.equal(text.length, Math.ceil((bytes.length * 4) / 3));
        assert.deepEqual(fromBase64url(text), bytes);
      }),
    );
  });

  it('throws DecodeError INVALID for padding, the standard alphabet, bad lengths and non-canonical trailing bits', () => {
    for (const text of ['Zg==', 'Zm8=', '+/8', 'Z', 'Zm9vY', 'Zh', 'Zm9 v', 'Zm9v\n']) {
      assert.throws(() => fromBase64url(text), isDecodeError('INVALID'), JSON.stringify(text));
    }
  });

  it('either decodes or throws DecodeError for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        try {
          fromBase64url(text);
        } catch (error) {
          assert.ok(error instanceof DecodeError);
        }
      }),
    );
  });
});

describe('utf8', () => {
  it('encodes fixed examples', () => {
    assert.equal(toHex(utf8('')), '');
    assert.equal(toHex(utf8('aé€😀')), '61' + 'c3a9' + 'e282ac' + 'f09f9880');
  });

  it('round-trips arbitrary well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        assert.equal(fromUtf8(utf8(text)), text);
      }),
    );
  });

  it('keeps a leading byte order mark', () => {
    assert.equal(fromUtf8(utf8('\uFEFFhi')), '\uFEFFhi');
    assert.equal(fromUtf8(fromHex('efbbbf6869')), '\uFEFFhi');
  });

  it('throws DecodeError INVALID for malformed UTF-8', () => {
    const malformed = [
      'ff', // never valid
      'c3', // truncated two-byte sequence
      '80', // lone continuation byte
      'c0af', // overlong encoding of '/'
      'eda080', // encoded surrogate U+D800
      'f4908080', // above U+10FFFF
    ];
    for (const hex of malformed) assert.throws(() => fromUtf8(fromHex(hex)), isDecodeError('INVALID'), hex);
  });

  it('either decodes or throws DecodeError for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
        try {
          assert.deepEqual(utf8(fromUtf8(bytes)), bytes);
        } catch (error) {
          assert.ok(error instanceof DecodeError);
        }
      }),
    );
  });
});

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
