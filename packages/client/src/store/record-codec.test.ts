// The record codec: store records as JSON text and back, bytes included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { connection, message, profile } from '../test-support/sample-records.js';
import { decodeRecord, encodeRecord, RecordCodecError } from './record-codec.js';

describe('record codec', () => {
  it('round-trips store records, byte arrays included, as Uint8Array', () => {
    for (const record of [profile('p1'), connection('c1', 'p1'), message('m1', 'c1', { envelope: null, hash: null })]) {
      const decoded = decodeRecord<typeof record>(encodeRecord(record));
      assert.deepEqual(decoded, record);
    }
    const decoded = decodeRecord<{ a: Uint8Array[] }>(encodeRecord({ a: [new Uint8Array([1, 2]), new Uint8Array(0)] }));
    assert.equal(Object.getPrototypeOf(decoded.a[0]), Uint8Array.prototype);
    assert.deepEqual(decoded.a[1], new Uint8Array(0));
  });

  it('writes bytes as {"$b": base64url} and drops undefined properties', () => {
    assert.equal(encodeRecord({ k: new Uint8Array([0xfb, 0xff]), u: undefined, n: null }), '{"k":{"$b":"-_8"},"n":null}');
  });

  it('encodes a subarray view as just its bytes', () => {
    const buffer = new Uint8Array([1, 2, 3, 4, 5]);
    assert.deepEqual(decodeRecord(encodeRecord(buffer.subarray(1, 3))), new Uint8Array([2, 3]));
  });

  it('round-trips arbitrary JSON-like values with bytes', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(), fc.constant(null), fc.uint8Array());
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string().filter((k) => k !== '$b' && k !== '__proto__'), tie('node'), { noNullPrototype: true })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        assert.deepEqual(decodeRecord(encodeRecord(v)), v);
      }),
    );
  });

  it('refuses what it could not decode faithfully', () => {
    for (const bad of [{ $b: 'x' }, { n: Number.NaN }, { n: Infinity }, [undefined], { d: new Date(0) }, { f: () => 1 }, { m: new Map() }]) {
      assert.throws(() => encodeRecord(bad), RecordCodecError, JSON.stringify(bad));
    }
  });
});
