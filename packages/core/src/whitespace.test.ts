import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimLinkWhitespace } from './whitespace.js';

describe('trimLinkWhitespace', () => {
  it('removes space, tab, LF and CR at both ends, and keeps them inside', () => {
    assert.equal(trimLinkWhitespace(' \t\r\n a \t\r\nb \r\n\t '), 'a \t\r\nb');
    assert.equal(trimLinkWhitespace(' \t\r\n'), '');
    assert.equal(trimLinkWhitespace(''), '');
  });

  it("keeps every other character that String.prototype.trim() or Unicode's White_Space would remove", () => {
    for (const code of [0x0b, 0x0c, 0x85, 0xa0, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff]) {
      const space = String.fromCharCode(code);
      assert.equal(trimLinkWhitespace(`${space}a${space}`), `${space}a${space}`, `U+${code.toString(16).padStart(4, '0')}`);
    }
  });
});
