// The text encodings of bytes: hex, base64url (RFC 4648 §5, unpadded) and
// UTF-8; fixed examples, round trips, and DecodeError INVALID for malformed
// text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromBase64url, fromHex, fromUtf8, toBase64url, toHex, utf8 } from './bytes.js';
import { DecodeError } from './errors.js';
import { isDecodeError } from './test-support/bytes.js';

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
