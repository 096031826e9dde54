import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contactLine } from './commands/contacts.js';
import { historyLine } from './commands/history.js';
import { profileListLine } from './commands/profiles.js';
import { eventLine } from './commands/sync.js';
import { errorJson, hideRelayPassword, hideRelayPasswords, jsonLine, Printer, printable } from './output.js';
import { Capture, fakeContact } from './test-support/fake-agent.js';

describe('JSON shapes', () => {
  it('one object per line, no raw line break inside', () => {
    const line = jsonLine({ text: 'two\nlines' });
    assert.equal(line, '{"text":"two\\nlines"}\n');
    assert.equal(line.indexOf('\n'), line.length - 1);
  });











  it('errors: {"error","message"} on one line', () => {
    assert.equal(jsonLine(errorJson('NO_CONTACT', 'no contact\n "x"')), '{"error":"NO_CONTACT","message":"no contact \\"x\\""}\n');
  });
});

describe('human lines', () => {
  const names = (id: string): string => (id === 'c1' ? 'bob' : id);


  it('control characters from a contact never reach the terminal', () => {
    assert.equal(printable('a\x1b[2Jb\r\x07c\u009bd\ne\tf'), 'a\ufffd[2Jb\ufffd\ufffdc\ufffdd\ne\tf');
    assert.equal(eventLine({ event: 'message', contact: 'c1', message: 'm', text: '\x1b]0;pwned\x07', timestamp: 0 }, names), 'bob: \ufffd]0;pwned\ufffd');
    assert.doesNotMatch(historyLine({ id: 'm', direction: 'received', text: 'x\x1b[1A', status: 'received', timestamp: 0, seq: 1 }, 'bob'), /\x1b/);
    assert.doesNotMatch(contactLine(fakeContact('c9', 'ev\x1bil')), /\x1b/);
  });

  it('bidi controls from a contact never reach the terminal (no reordered or disguised names and texts)', () => {
    const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f'];
    assert.equal(printable(bidi.join('')), '\ufffd'.repeat(bidi.length));
    // Other non-ASCII text stays, right-to-left script included.
    assert.equal(printable('שלום, zoë 👋 \u200d'), 'שלום, zoë 👋 \u200d');
    const bidiPattern = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    assert.equal(eventLine({ event: 'message', contact: 'c1', message: 'm', text: 'pay \u202e0001\u202c now', timestamp: 0 }, names), 'bob: pay \ufffd0001\ufffd now');
    assert.doesNotMatch(eventLine({ event: 'request', contact: 'c7', name: 'ad\u2067min\u2069' }, names), bidiPattern);
    assert.doesNotMatch(historyLine({ id: 'm', direction: 'received', text: '\u200fx', status: 'received', timestamp: 0, seq: 1 }, 'bob'), bidiPattern);
    assert.doesNotMatch(contactLine(fakeContact('c9', 'evil\u202egnp.exe')), bidiPattern);
    assert.doesNotMatch(profileListLine({ id: 'p1', profile: { displayName: '\u202ework' }, relays: [], sessionPerConnection: false, createdAt: 0 }, true), bidiPattern);
  });


  it('relay passwords are not shown', () => {
    assert.equal(hideRelayPassword('emp://abc:s3cret@host:5223'), 'emp://abc:***@host:5223');
    assert.equal(hideRelayPassword('emp://abc@host:5223'), 'emp://abc@host:5223');
    assert.equal(
      hideRelayPasswords('cannot reach emp://abc:pw@h:1: no; emp://def@h:2 and emp://g:p%40ss@h'),
      'cannot reach emp://abc:***@h:1: no; emp://def@h:2 and emp://g:***@h',
    );
    assert.doesNotMatch(eventLine({ event: 'relay-up', relay: 'emp://abc:s3cret@host:1' }, names), /s3cret/);
  });



  it('the printer writes JSON or the human lines', () => {
    const json = new Capture();
    new Printer(json, true).emit({ a: 1 }, ['x', 'y']);
    new Printer(json, true).note('not in json');
    assert.equal(json.text, '{"a":1}\n');
    const human = new Capture();
    new Printer(human, false).emit({ a: 1 }, ['x', 'y']);
    new Printer(human, false).note('z');
    assert.equal(human.text, 'x\ny\nz\n');
  });

});
