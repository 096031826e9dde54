import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../output.js';
import { fakeContact } from '../test-support/fake-agent.js';
import { run, withContacts, withRequest } from '../test-support/run-main.js';
import { contactJson, contactLine } from './contacts.js';

describe('contacts: JSON and lines', () => {
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

  it('contacts show status, verification and unread', () => {
    const line = contactLine(fakeContact('c1', 'bob', { verified: true }), 2);
    assert.match(line, /^bob {2}connected {2}✓ verified {2}\[2 unread\] {2}by link {2}c1$/);
    assert.match(contactLine(fakeContact('c2', '', { status: 'pending' })), /^\(unnamed c2\) {2}pending {2}by link {2}c2$/);
    assert.equal(contactLine(fakeContact('c3', 'dora', { status: 'pending', request: true })), 'dora  pending  asks to connect (accept or decline)  by link  c3');
    assert.equal(contactLine(fakeContact('c4', 'eve', { channel: 'scanned', verified: true })), 'eve  connected  ✓ verified  scanned in person  c4');
    assert.equal(contactLine(fakeContact('c5', 'fay', { status: 'failed', failure: 'declined' })), 'fay  failed  (declined)  by link  c5');
  });
});

describe('graphchat contacts and contact', () => {
  it('contacts: one line per contact', async () => {
    const result = await run(['--json', 'contacts'], { sessions: withContacts() });
    assert.equal(
      result.stdout.text,
      '{"contact":"c1","name":"bob","status":"connected","verified":false,"channel":"link"}\n' +
        '{"contact":"c2","name":"carol","status":"pending","verified":false,"channel":"link"}\n',
    );
    const human = await run(['contacts'], { sessions: withContacts() });
    assert.deepEqual(human.stdout.lines(), ['bob  connected  by link  c1', 'carol  pending  by link  c2']);
  });

  it('contacts leaves failed contacts out; --all lists them with "failure"', async () => {
    const sessions = withContacts();
    sessions.agent.contactList.push(
      fakeContact('c3', 'dora', { status: 'failed', failure: 'declined', channel: 'scanned' }),
      fakeContact('c4', 'eve', { channel: 'scanned', verified: true }),
    );
    const result = await run(['--json', 'contacts'], { sessions });
    assert.deepEqual(result.stdout.json(), [
      { contact: 'c1', name: 'bob', status: 'connected', verified: false, channel: 'link' },
      { contact: 'c2', name: 'carol', status: 'pending', verified: false, channel: 'link' },
      { contact: 'c4', name: 'eve', status: 'connected', verified: true, channel: 'scanned' },
    ]);
    const all = await run(['--json', 'contacts', '--all'], { sessions });
    assert.deepEqual(all.stdout.json()[2], { contact: 'c3', name: 'dora', status: 'failed', verified: false, channel: 'scanned', failure: 'declined' });
    assert.equal(all.stdout.json().length, 4);
    const human = await run(['contacts'], { sessions });
    assert.deepEqual(human.stdout.lines(), [
      'bob  connected  by link  c1',
      'carol  pending  by link  c2',
      'eve  connected  ✓ verified  scanned in person  c4',
      '1 failed, not shown: "graphchat contacts --all" lists them',
    ]);
    const humanAll = await run(['contacts', '--all'], { sessions });
    assert.equal(humanAll.stdout.lines()[2], 'dora  failed  (declined)  scanned in person  c3');
  });

  it('contacts mark pending requests with "request": true', async () => {
    const result = await run(['--json', 'contacts'], { sessions: withRequest() });
    assert.deepEqual(result.stdout.json(), [
      { contact: 'c1', name: 'bob', status: 'connected', verified: false, channel: 'link' },
      { contact: 'c2', name: 'carol', status: 'pending', verified: false, channel: 'link' },
      { contact: 'c3', name: 'dora', status: 'pending', verified: false, channel: 'link', request: true },
    ]);
    const human = await run(['contacts'], { sessions: withRequest() });
    assert.match(human.stdout.lines()[2]!, /^dora {2}pending {2}asks to connect/);
  });

  it("contact shows the contact's profile: full name, status, image size", async () => {
    const sessions = withContacts();
    const profile = { displayName: 'bob', fullName: 'Robert B.', status: 'on the road', image: new Uint8Array(321) };
    sessions.agent.contactList[0] = fakeContact('c1', 'bob', { profile });
    const json = await run(['--json', 'contact', 'bob'], { sessions });
    assert.deepEqual(json.stdout.json(), [
      {
        contact: 'c1',
        name: 'bob',
        status: 'connected',
        verified: false,
        channel: 'link',
        fullName: 'Robert B.',
        profileStatus: 'on the road',
        imageBytes: 321,
        version: 3,
        queues: [{ relay: 'emp://f@h:1' }],
        peerQueues: [{ relay: 'emp://g@k:2' }],
        move: null,
        rotateAt: null,
        pairs: 1,
        otherDevicePairs: 0,
      },
    ]);
    const human = await run(['contact', 'bob'], { sessions });
    assert.match(human.stdout.text, /full name: Robert B\.\nstatus: on the road\nimage: 321 bytes\nreceives at: emp:\/\/f@h:1\nsends to: emp:\/\/g@k:2\ngraph-chat version 3\n$/);
  });

  it('contact shows the relays of the connection, a move under way and the next rotation', async () => {
    const sessions = withContacts();
    sessions.agent.contactList[0] = fakeContact('c1', 'bob', {
      queues: [{ relay: 'emp://a@h:1', state: 'retiring' }, { relay: 'emp://c@h:3', state: 'new' }],
      peerQueues: [{ relay: 'emp://b@h:2' }],
      move: { step: 'using', since: 1_000 },
      rotateAt: 86_400_000,
    });
    const [json] = (await run(['--json', 'contact', 'c1'], { sessions })).stdout.json() as Record<string, unknown>[];
    assert.deepEqual(
      { version: json!.version, queues: json!.queues, peerQueues: json!.peerQueues, move: json!.move, rotateAt: json!.rotateAt },
      {
        version: 3,
        queues: [{ relay: 'emp://a@h:1', state: 'retiring' }, { relay: 'emp://c@h:3', state: 'new' }],
        peerQueues: [{ relay: 'emp://b@h:2' }],
        move: { step: 'using', since: 1000 },
        rotateAt: 86_400_000,
      },
    );
    const human = (await run(['contact', 'c1'], { sessions })).stdout.lines();
    assert.deepEqual(human.slice(1), [
      'receives at: emp://a@h:1 (retiring), emp://c@h:3 (new)',
      'sends to: emp://b@h:2',
      'graph-chat version 3',
      'moving its queues: using since 1970-01-01T00:00:01.000Z',
      'next rotation: 1970-01-02T00:00:00.000Z',
    ]);
    sessions.agent.contactList[0] = fakeContact('c1', 'bob', { version: 2 });
    assert.match((await run(['contact', 'c1'], { sessions })).stdout.text, /graph-chat version 2 \(one side's graphchat was older when you connected\): this connection cannot move relays or rekey/);
  });

  it('a contact shared by another of my devices shows "connecting" until this device is paired with it', async () => {
    const sessions = withContacts();
    sessions.agent.contactList[0] = fakeContact('c1', 'bob', { pairs: 0, otherDevicePairs: 1, connecting: true });
    const [listed] = (await run(['--json', 'contacts'], { sessions })).stdout.json() as Record<string, unknown>[];
    assert.equal(listed!.connecting, true);
    const [details] = (await run(['--json', 'contact', 'c1'], { sessions })).stdout.json() as Record<string, unknown>[];
    assert.deepEqual([details!.connecting, details!.pairs, details!.otherDevicePairs], [true, 0, 1]);
    const human = (await run(['contact', 'c1'], { sessions })).stdout.lines();
    assert.match(human[0]!, /connecting this device/);
    assert.ok(human.includes('device pairs: 0 from this device, 1 from your other devices'));
    sessions.agent.contactList[0] = fakeContact('c1', 'bob');
    const [paired] = (await run(['--json', 'contacts'], { sessions })).stdout.json() as Record<string, unknown>[];
    assert.equal('connecting' in paired!, false, 'absent once paired, as "request"');
  });
});
