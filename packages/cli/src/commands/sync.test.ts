import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rekeyedNotice, type AgentEvent, type MoveStep } from '@graphchat/client';
import { jsonLine } from '../output.js';
import { run, withContacts } from '../test-support/run-main.js';
import { eventJson, eventLine } from './sync.js';

describe('sync: JSON and lines', () => {
  const names = (id: string): string => (id === 'c1' ? 'bob' : id);

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
      { event: 'move', contact: 'c1', step: 'keyed', relays: ['emp://f@h:1'] },
      { event: 'rekeyed', contact: 'c1', by: 'contact' },
    ];
    for (const event of events) {
      assert.deepEqual(JSON.parse(jsonLine(eventJson(event))), event);
    }
    assert.equal(jsonLine(eventJson(events[1]!)), '{"event":"message","contact":"c1","message":"m1","text":"hi","timestamp":5}\n');
  });

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

  it('move steps and rekeys, one readable line each', () => {
    const move = (step: MoveStep): string => eventLine({ event: 'move', contact: 'c1', step, relays: ['emp://c@h:3', 'emp://d@h:4'] }, names);
    assert.equal(move('added'), "moving bob's connection to emp://c@h:3, emp://d@h:4: new queues made and announced");
    assert.equal(move('keyed'), "moving bob's connection to emp://c@h:3, emp://d@h:4: bob's keys arrived");
    assert.equal(move('using'), "moving bob's connection to emp://c@h:3, emp://d@h:4: bob told to switch");
    assert.equal(move('done'), "moved bob's connection: bob now sends to emp://c@h:3, emp://d@h:4");
    assert.equal(move('peer-added'), 'bob is moving to emp://c@h:3, emp://d@h:4: keys sent');
    assert.equal(move('peer-switched'), 'bob moved: now sending to emp://c@h:3, emp://d@h:4');
    assert.equal(eventLine({ event: 'move', contact: 'c1', step: 'deleted', relays: ['emp://a:pw@h:1'] }, names), "old queue of bob's connection deleted on emp://a:***@h:1");
    assert.equal(eventLine({ event: 'rekeyed', contact: 'c1', by: 'this' }, names), `! bob: ${rekeyedNotice('this')}`);
    assert.match(eventLine({ event: 'rekeyed', contact: 'c1', by: 'contact' }, names), /^! bob: The contact asked for new keys/);
  });
});

describe('sync: device events (devices.md)', () => {
  const names = (id: string): string => (id === 'c1' ? 'bob' : id);

  it('one readable line each, the JSON as it is', () => {
    const events: [AgentEvent, string][] = [
      [{ event: 'device-linked', device: '0123456789abcdef', name: 'laptop' }, 'device laptop (0123456789abcdef) linked'],
      [{ event: 'device-removed', device: '0123456789abcdef', name: 'laptop', self: false }, 'device laptop (0123456789abcdef) removed'],
      [{ event: 'device-profile', profile: 'p1', name: 'Alice' }, 'profile Alice (p1) arrived from your other device'],
      [{ event: 'device-contact', contact: 'c1', name: 'bob' }, 'contact bob arrived from your other device: connected once they sync'],
      [{ event: 'device-sent', contact: 'c1', message: 'm1', text: 'hi', timestamp: 5 }, 'you (another device) to bob: hi'],
      [{ event: 'peer-device-removed', contact: 'c1' }, 'bob removed one of their devices'],
    ];
    for (const [event, line] of events) {
      assert.equal(eventLine(event, names), line);
      assert.deepEqual(JSON.parse(jsonLine(eventJson(event))), event);
    }
    assert.match(eventLine({ event: 'device-removed', device: '0123456789abcdef', name: 'phone', self: true }, names), /^this device \(phone\) was removed/);
  });
});

describe('graphchat sync', () => {
  it('sync prints every event as one JSON line and passes the timeout', async () => {
    const sessions = withContacts();
    sessions.agent.events = [
      { event: 'connected', contact: 'c2', name: 'carol' },
      { event: 'message', contact: 'c1', message: 'm9', text: 'hi', timestamp: 7 },
      { event: 'receipt', contact: 'c1', message: 'm1' },
    ];
    const result = await run(['--json', 'sync', '--timeout', '5'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.json(), sessions.agent.events);
    assert.deepEqual(sessions.agent.calls, ['sync 5000 1000', 'stop']);
    const human = await run(['sync'], { sessions });
    assert.deepEqual(human.stdout.lines(), ['connected to carol', 'bob: hi', '✓✓ delivered to bob (m1)']);
  });
});
