import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nobleCrypto } from '../crypto/noble.js';
import { sodiumCrypto } from '../crypto/sodium.js';
import { securityCode, securityCodeMatches } from './security-code.js';

describe('security code', () => {
  test('six groups of five digits, equal on both backends, different for different AD', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), fc.uint8Array({ maxLength: 1400 }), (ad, other) => {
        const code = securityCode(nobleCrypto, ad);
        assert.match(code, /^\d{5}( \d{5}){5}$/);
        assert.equal(securityCode(sodiumCrypto, ad), code);
        if (Buffer.compare(ad, other) !== 0) assert.notEqual(securityCode(nobleCrypto, other), code);
      }),
      { numRuns: 200 },
    );
  });

  test('securityCodeMatches() ignores whitespace only', () => {
    const code = securityCode(nobleCrypto, new Uint8Array(10));
    assert.ok(securityCodeMatches(code, code));
    assert.ok(securityCodeMatches(code, code.replace(/ /g, '')));
    assert.ok(securityCodeMatches(`  ${code.replace(/ /g, '\n')} `, code));
    const changed = (code[0] === '1' ? '2' : '1') + code.slice(1);
    assert.ok(!securityCodeMatches(code, changed));
    assert.ok(!securityCodeMatches(code, code.slice(0, -1)));
    assert.ok(!securityCodeMatches(code, code + '0'));
    assert.ok(!securityCodeMatches('', ''));
    assert.ok(!securityCodeMatches('abc', 'abc'));
  });
});
