import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentEvent, HistoryItem, ProfileRecord } from '@graphchat/client';
import { acceptedJson, addressJson, declinedJson } from './commands/address.js';
import { contactIdJson } from './commands/connect.js';
import { contactJson, contactLine } from './commands/contacts.js';
import { historyJson, historyLine } from './commands/history.js';
import { linkJson } from './commands/invite.js';
import { profileJson, profileLines } from './commands/profile.js';
import { profileListJson, profileListLine } from './commands/profiles.js';
import { isoTime, proofFailureLine, provenMessageLine } from './commands/proof.js';
import { codeJson, verifiedJson } from './commands/security-code.js';
import { messageIdJson } from './commands/send.js';
import { eventJson, eventLine } from './commands/sync.js';
import { errorJson, hideRelayPassword, hideRelayPasswords, jsonLine, Printer, printable } from './output.js';
import { Capture, fakeContact } from './test-support/fake-agent.js';

describe('JSON shapes', () => {
  it('one object per line, no raw line break inside', () => {
    const line = jsonLine({ text: 'two\nlines' });
    assert.equal(line, '{"text":"two\\nlines"}\n');
    assert.equal(line.indexOf('\n'), line.length - 1);
  });

  it('invite: {"link"} (and "qr" with --qr)', () => {
    assert.deepEqual(linkJson('graphchat:x', null), { link: 'graphchat:x' });
    assert.deepEqual(linkJson('graphchat:x', 'QR'), { link: 'graphchat:x', qr: 'QR' });
  });

  it('connect: {"contact"}', () => {
    assert.equal(jsonLine(contactIdJson('c1')), '{"contact":"c1"}\n');
  });

  it('contacts: {"contact","name","status","verified","channel"}, and "failure" only when failed', () => {
    for (const status of ['pending', 'connected'] as const) {
      const contact = fakeContact('c1', 'bob', { status, verified: status === 'connected' });
      assert.equal(
        jsonLine(contactJson(contact)),
        `{"contact":"c1","name":"bob","status":"${status}","verified":${status === 'connected'},"channel":"link"}\n`,
      );
    }
    assert.equal(
      jsonLine(contactJson(fakeContact('c1', 'bob', { channel: 'scanned', verified: true }))),
      '{"contact":"c1","name":"bob","status":"connected","verified":true,"channel":"scanned"}\n',
    );
    const failed = fakeContact('c1', 'bob', { status: 'failed', failure: 'keys\ndo not match at emp://f:pw@h:1' });
    assert.equal(
      jsonLine(contactJson(failed)),
      '{"contact":"c1","name":"bob","status":"failed","verified":false,"channel":"link","failure":"keys do not match at emp://f:***@h:1"}\n',
    );
  });

  it('contacts: "request": true only for a request waiting to be accepted', () => {
    const request = fakeContact('c1', 'bob', { status: 'pending', request: true });
    assert.equal(jsonLine(contactJson(request)), '{"contact":"c1","name":"bob","status":"pending","verified":false,"channel":"link","request":true}\n');
    // Declined (failed) or accepted and connected: no "request".
    const keys = ['contact', 'name', 'status', 'verified', 'channel'];
    assert.deepEqual(Object.keys(contactJson({ ...request, status: 'failed' })), [...keys, 'failure']);
    assert.deepEqual(Object.keys(contactJson({ ...request, status: 'connected' })), keys);
    assert.deepEqual(Object.keys(contactJson(fakeContact('c2', 'x', { status: 'pending' }))), keys);
  });

  it('address, accept, decline', () => {
    assert.equal(jsonLine(addressJson('graphchat:/address#x', null)), '{"address":"graphchat:/address#x"}\n');
    assert.deepEqual(addressJson('a', 'QR'), { address: 'a', qr: 'QR' });
    assert.equal(jsonLine(acceptedJson('c1')), '{"contact":"c1","accepted":true}\n');
    assert.equal(jsonLine(declinedJson('c1')), '{"contact":"c1","declined":true}\n');
  });

  it('profiles: {"profile","name","active"}', () => {
    const profile: ProfileRecord = { id: 'p2', profile: { displayName: 'work', fullName: 'W' }, relays: ['emp://f@h:1'], sessionPerConnection: true, createdAt: 0 };
    assert.equal(jsonLine(profileListJson(profile, false)), '{"profile":"p2","name":"work","active":false}\n');
    assert.equal(profileListLine(profile, true), '* work  p2');
    assert.equal(profileListLine({ ...profile, profile: { displayName: 'x\x1b[2J' } }, false), '  x\ufffd[2J  p2');
    assert.equal(
      jsonLine(profileJson(profile)),
      '{"profile":"p2","name":"work","fullName":"W","relays":["emp://f@h:1"],"sessionPerConnection":true}\n',
    );
  });

  it('send: {"message"}', () => {
    assert.equal(jsonLine(messageIdJson('m1')), '{"message":"m1"}\n');
  });

  it('history: {"message","direction","text","status","timestamp"}', () => {
    const item: HistoryItem = { id: 'm1', direction: 'received', text: 'hi', status: 'received', timestamp: 1700000000000, seq: 3 };
    assert.equal(jsonLine(historyJson(item)), '{"message":"m1","direction":"received","text":"hi","status":"received","timestamp":1700000000000}\n');
  });

  it('sync: every event as it is', () => {
    const events: AgentEvent[] = [
      { event: 'connected', contact: 'c1', name: 'bob' },
      { event: 'message', contact: 'c1', message: 'm1', text: 'hi', timestamp: 5 },
      { event: 'sent', contact: 'c1', message: 'm2' },
      { event: 'receipt', contact: 'c1', message: 'm2' },
      { event: 'profile', contact: 'c1', name: 'robert' },
      { event: 'request', contact: 'c2', name: 'dora' },
      { event: 'relay-down', relay: 'emp://f@h:1', reason: 'refused' },
      { event: 'relay-up', relay: 'emp://f@h:1' },
      { event: 'rejected', contact: null, reason: 'bad signature' },
      { event: 'failed', contact: 'c1', reason: 'key substituted' },
    ];
    for (const event of events) {
      assert.deepEqual(JSON.parse(jsonLine(eventJson(event))), event);
    }
    assert.equal(jsonLine(eventJson(events[1]!)), '{"event":"message","contact":"c1","message":"m1","text":"hi","timestamp":5}\n');
  });

  it('profile, code, verify', () => {
    const profile: ProfileRecord = {
      id: 'p1',
      profile: { displayName: 'alice', status: 'here' },
      relays: ['emp://f@h:1'],
      sessionPerConnection: false,
      createdAt: 0,
    };
    assert.equal(jsonLine(profileJson(profile)), '{"profile":"p1","name":"alice","status":"here","relays":["emp://f@h:1"]}\n');
    assert.equal(jsonLine(codeJson('c1', '123 456')), '{"contact":"c1","code":"123 456"}\n');
    assert.equal(jsonLine(verifiedJson('c1', true)), '{"contact":"c1","verified":true}\n');
  });

  it('errors: {"error","message"} on one line', () => {
    assert.equal(jsonLine(errorJson('NO_CONTACT', 'no contact\n "x"')), '{"error":"NO_CONTACT","message":"no contact \\"x\\""}\n');
  });
});

describe('human lines', () => {
  const names = (id: string): string => (id === 'c1' ? 'bob' : id);

  it('events name the contact', () => {
    assert.equal(eventLine({ event: 'message', contact: 'c1', message: 'm', text: 'hi', timestamp: 0 }, names), 'bob: hi');
    assert.match(eventLine({ event: 'sent', contact: 'c1', message: 'm' }, names), /^✓ sent to bob/);
    assert.match(eventLine({ event: 'receipt', contact: 'c1', message: 'm' }, names), /^✓✓ delivered to bob/);
    assert.equal(eventLine({ event: 'connected', contact: 'c1', name: '' }, names), 'connected to bob');
    assert.match(eventLine({ event: 'failed', contact: 'c1', reason: 'x' }, names), /connection with bob failed: x/);
    assert.match(eventLine({ event: 'rejected', contact: null, reason: 'forged' }, names), /^rejected a message: forged$/);
    assert.equal(eventLine({ event: 'request', contact: 'c7', name: 'dora' }, names), 'dora asks to connect: graphchat accept c7');
    assert.equal(eventLine({ event: 'accepted', contact: 'c7', name: 'dora' }, names), 'dora joined through your invitation: connected once they sync');
  });

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

  it('own-profile lines are printable too', () => {
    const profile: ProfileRecord = {
      id: 'p1',
      profile: { displayName: 'ali\x1b[2Jce\u202e', fullName: 'A\u2066B\x07', status: 'away\x1b]0;x\x07 \u200f' },
      relays: ['emp://f:pw@h:1'],
      sessionPerConnection: false,
      createdAt: 0,
    };
    assert.deepEqual(profileLines(profile).slice(0, 4), [
      'name: ali\ufffd[2Jce\ufffd',
      'full name: A\ufffdB\ufffd',
      'status: away\ufffd]0;x\ufffd \ufffd',
      'relays: emp://f:***@h:1',
    ]);
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

  it('contacts show status, verification and unread', () => {
    const line = contactLine(fakeContact('c1', 'bob', { verified: true }), 2);
    assert.match(line, /^bob {2}connected {2}✓ verified {2}\[2 unread\] {2}by link {2}c1$/);
    assert.match(contactLine(fakeContact('c2', '', { status: 'pending' })), /^\(unnamed c2\) {2}pending {2}by link {2}c2$/);
    assert.equal(contactLine(fakeContact('c3', 'dora', { status: 'pending', request: true })), 'dora  pending  asks to connect (accept or decline)  by link  c3');
    assert.equal(contactLine(fakeContact('c4', 'eve', { channel: 'scanned', verified: true })), 'eve  connected  ✓ verified  scanned in person  c4');
    assert.equal(contactLine(fakeContact('c5', 'fay', { status: 'failed', failure: 'declined' })), 'fay  failed  (declined)  by link  c5');
  });

  it('history lines carry ticks', () => {
    const base = { id: 'm', text: 'hi', timestamp: 0, seq: 1 } as const;
    assert.match(historyLine({ ...base, direction: 'sent', status: 'delivered' }, 'bob'), /\] me: hi {2}✓✓$/);
    assert.match(historyLine({ ...base, direction: 'sent', status: 'sent' }, 'bob'), /\] me: hi {2}✓$/);
    assert.match(historyLine({ ...base, direction: 'received', status: 'received' }, 'bob'), /\] bob: hi$/);
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

  it('proof lines: a text on one line and printable, any signed timestamp, failures with or without a place', () => {
    const message = {
      position: 3,
      sender: 'joiner' as const,
      signingKey: 'abcdefghijklmnopqrstuvwxyz',
      seq: 4,
      timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      type: 'text' as const,
      text: 'two\nlines \u001b[2J \u202e',
      hash: '00',
      receipt: { seq: 7, timestamp: Date.UTC(2026, 0, 2, 3, 4, 6) },
    };
    assert.equal(
      provenMessageLine(message),
      `3. joiner (abcdefgh) seq 4 2026-01-02T03:04:05.006Z (sender's clock) text "two\\nlines \ufffd[2J \ufffd"; receipt: seq 7 at 2026-01-02T03:04:06.000Z`,
    );
    assert.match(provenMessageLine({ ...message, type: 'hello', text: null, receipt: null }), /\(sender's clock\) hello; no receipt in the bundle$/);
    assert.equal(isoTime(2 ** 53 - 1), '9007199254740991 ms');
    assert.equal(proofFailureLine({ code: 'GAP', where: 'envelopes[2]', message: 'missing' }), 'GAP envelopes[2]: missing');
    assert.equal(proofFailureLine({ code: 'BAD_FORMAT', where: null, message: 'unsupported version \u001b\n1' }), 'BAD_FORMAT: unsupported version \ufffd 1');
  });
});
