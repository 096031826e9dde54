import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from '../store/errors.js';
import { FakeSessions } from '../test-support/fake-agent.js';
import { assertOneErrorLine, run, withContacts } from '../test-support/run-main.js';

describe('graphchat init and profile new', () => {
  it('init creates the database and the profile', async () => {
    const sessions = new FakeSessions();
    const result = await run(['--json', '--dir', 'd', 'init', '--name', 'alice', '--server', 'emp://a@h:1', '--server', 'emp://b@h:2', '--full-name', 'Alice A'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(sessions.opened, [{ dir: 'd', passphrase: 'pw', create: true }]);
    assert.deepEqual(result.stdout.json(), [
      { profile: 'p1', name: 'alice', fullName: 'Alice A', relays: ['emp://a@h:1', 'emp://b@h:2'] },
    ]);
    assert.equal(sessions.closed, 1);
    assert.equal(sessions.discarded, 0);
  });

  it('a failed init removes the database it created', async () => {
    const sessions = new FakeSessions();
    const result = await run(['--json', 'init', '--name', 'alice', '--server', 'nonsense'], { sessions });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stdout.json(), [{ error: 'BAD_RELAY_ADDRESS', message: 'not a relay address' }]);
    assert.equal(sessions.discarded, 1);
    assert.equal(sessions.closed, 0);
  });

  it('an existing database: ALREADY_INITIALIZED', async () => {
    const sessions = new FakeSessions();
    sessions.failWith = new StoreError('ALREADY_INITIALIZED', 'a store already exists');
    const result = await run(['--dir', 'd', 'init', '--name', 'a', '--server', 'emp://a@h:1'], { sessions });
    assert.equal(result.code, 1);
    assertOneErrorLine(result, /d already holds a database/);
  });

  it('init --session-per-connection reaches the agent and shows in the profile', async () => {
    const sessions = new FakeSessions();
    const result = await run(['--json', 'init', '--name', 'alice', '--server', 'emp://a@h:1', '--session-per-connection'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(sessions.agent.calls, ['createProfile alice emp://a@h:1 session-per-connection']);
    assert.deepEqual(result.stdout.json(), [{ profile: 'p1', name: 'alice', relays: ['emp://a@h:1'], sessionPerConnection: true }]);
  });

  it('profile new: servers default to the active profile\'s; it does not become active', async () => {
    const sessions = withContacts();
    const result = await run(['--json', 'profile', 'new', '--name', 'work'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.json(), [{ profile: 'p2', name: 'work', relays: ['emp://f@h:1'] }]);
    const own = await run(['--json', 'profile', 'new', '--name', 'anon', '--server', 'emp://x@h:9', '--session-per-connection'], { sessions });
    assert.deepEqual(own.stdout.json(), [{ profile: 'p3', name: 'anon', relays: ['emp://x@h:9'], sessionPerConnection: true }]);
    assert.deepEqual(sessions.agent.calls, ['createProfile work emp://f@h:1', 'createProfile anon emp://x@h:9 session-per-connection']);
    assert.equal(sessions.agent.activeProfile().id, 'p1');
    const bad = await run(['--json', 'profile', 'new', '--name', 'x', '--server', 'nonsense'], { sessions });
    assert.equal(bad.code, 1);
    assert.equal((bad.stdout.json()[0] as { error: string }).error, 'BAD_RELAY_ADDRESS');
  });
});
