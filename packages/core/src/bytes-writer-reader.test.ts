// ByteWriter and ByteReader together, as properties: any sequence of fields
// reads back as written, and any bytes under any sequence of reads either
// decode or fail with DecodeError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ByteReader, ByteWriter } from './bytes.js';
import { DecodeError } from './errors.js';

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
