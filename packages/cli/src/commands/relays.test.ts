import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeContact } from '../test-support/fake-agent.js';
import { assertOneErrorLine, run, withContacts } from '../test-support/run-main.js';
import { moveJson, moveLine, relayJson, relayLine } from './relays.js';

describe('relays: JSON and lines', () => {
  it('one object per relay, one per move', () => {
    const row = { address: 'emp://f:pw@h:1', listed: true, connections: 2, leaving: 0, up: null, reachable: true };
    assert.deepEqual(relayJson(row), { relay: 'emp://f:pw@h:1', listed: true, reachable: true, connections: 2, leaving: 0 });
    assert.equal(relayLine(row), 'emp://f:***@h:1  reachable  2 connections');
    assert.equal(relayLine({ ...row, listed: false, reachable: false, connections: 1, leaving: 3 }), 'emp://f:***@h:1  unreachable  1 connection  3 queues leaving');
    const move = { contact: fakeContact('c1', 'bob'), step: 'keyed' as const, since: 0 };
    assert.deepEqual(moveJson(move), { move: 'keyed', contact: 'c1', name: 'bob', since: 0 });
    assert.match(moveLine(move), /^bob: keyed \(.*\) since 1970-01-01T00:00:00\.000Z {2}c1$/);
  });
});

describe('graphchat relays', () => {
  it('lists the relays, probed, then those no longer listed, then the moves under way', async () => {
    const sessions = withContacts();
    const agent = sessions.agent;
    agent.profiles = agent.profiles.map((p) => ({ ...p, relays: ['emp://f@h:1', 'emp://g@h:2'] }));
    agent.relayConnections.set('emp://f@h:1', 1);
    agent.unreachable.add('emp://g@h:2');
    agent.leavingRelays = [{ address: 'emp://old@h:9', listed: false, connections: 0, leaving: 2, up: null }];
    agent.contactList[0] = fakeContact('c1', 'bob', { move: { step: 'added', since: 5 } });
    const json = await run(['--json', 'relays'], { sessions });
    assert.equal(json.code, 0);
    assert.deepEqual(json.stdout.json(), [
      { relay: 'emp://f@h:1', listed: true, reachable: true, connections: 1, leaving: 0 },
      { relay: 'emp://g@h:2', listed: true, reachable: false, connections: 0, leaving: 0 },
      { relay: 'emp://old@h:9', listed: false, reachable: true, connections: 0, leaving: 2 },
      { move: 'added', contact: 'c1', name: 'bob', since: 5 },
    ]);
    assert.deepEqual(
      agent.calls.filter((c) => c.startsWith('testRelay')).sort(),
      ['testRelay emp://f@h:1', 'testRelay emp://g@h:2', 'testRelay emp://old@h:9'],
      'every relay probed',
    );
    const human = await run(['relays'], { sessions });
    assert.deepEqual(human.stdout.lines().slice(0, 5), [
      'emp://f@h:1  reachable  1 connection',
      'emp://g@h:2  unreachable  0 connections',
      'no longer listed, still holding queues:',
      'emp://old@h:9  reachable  0 connections  2 queues leaving',
      'moves under way:',
    ]);
    agent.contactList[0] = fakeContact('c1', 'bob');
    agent.leavingRelays = [];
    assert.equal((await run(['relays'], { sessions })).stdout.lines().at(-1), 'no moves under way');
  });

  it('relays add and remove change the list and print the new one', async () => {
    const sessions = withContacts();
    const added = await run(['--json', 'relays', 'add', 'emp://n@h:5'], { sessions });
    assert.equal(added.code, 0);
    assert.ok(sessions.agent.calls.includes('addRelay p1 emp://n@h:5'));
    assert.deepEqual(
      added.stdout.json().map((row) => (row as { relay: string }).relay),
      ['emp://f@h:1', 'emp://n@h:5'],
    );
    const human = await run(['relays', 'remove', 'emp://f@h:1'], { sessions });
    assert.equal(human.code, 0);
    assert.deepEqual(human.stdout.lines().slice(0, 2), ['removed emp://f@h:1: connections move on the next "graphchat sync"', 'emp://n@h:5  reachable  0 connections']);
    assert.deepEqual(sessions.agent.activeProfile().relays, ['emp://n@h:5']);
    assert.equal(sessions.agent.calls.at(-1), 'stop', 'the agent is stopped after the probes');
  });

  it('errors: a duplicate, one not listed, the last one, a missing or extra argument', async () => {
    const sessions = withContacts();
    const duplicate = await run(['--json', 'relays', 'add', 'emp://f@h:1'], { sessions });
    assert.equal(duplicate.code, 1);
    assert.equal((duplicate.stdout.json()[0] as { error: string }).error, 'BAD_RELAY_ADDRESS');
    assertOneErrorLine(duplicate, /on the list already/);
    const missing = await run(['relays', 'remove', 'emp://x@h:1'], { sessions });
    assert.equal(missing.code, 1);
    assertOneErrorLine(missing, /not on the list/);
    const last = await run(['--json', 'relays', 'remove', 'emp://f@h:1'], { sessions });
    assert.equal((last.stdout.json()[0] as { error: string }).error, 'NO_RELAYS');
    for (const argv of [['relays', 'add'], ['relays', 'add', 'a', 'b'], ['relays', 'list']]) {
      const usage = await run(argv, { sessions });
      assert.equal(usage.code, 2, argv.join(' '));
    }
  });
});
