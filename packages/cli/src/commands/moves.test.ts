import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeContact } from '../test-support/fake-agent.js';
import { assertOneErrorLine, run, withContacts } from '../test-support/run-main.js';

describe('graphchat rotate and rekey', () => {
  it('rotate asks the agent to move the connection: {"contact","rotate":"wanted"}', async () => {
    const sessions = withContacts();
    const json = await run(['--json', 'rotate', 'bob'], { sessions });
    assert.equal(json.code, 0);
    assert.deepEqual(json.stdout.json(), [{ contact: 'c1', rotate: 'wanted' }]);
    assert.deepEqual(sessions.agent.calls, ['rotate c1']);
    const human = await run(['rotate', 'c1'], { sessions });
    assert.match(human.stdout.text, /^the connection with bob moves to new queues: run "graphchat sync"/);
  });

  it('rekey asks for a new agreement: {"contact","rekey":"offered"}', async () => {
    const sessions = withContacts();
    const json = await run(['--json', 'rekey', 'bob'], { sessions });
    assert.equal(json.code, 0);
    assert.deepEqual(json.stdout.json(), [{ contact: 'c1', rekey: 'offered' }]);
    assert.deepEqual(sessions.agent.calls, ['rekey c1']);
    const human = await run(['rekey', 'bob'], { sessions });
    assert.match(human.stdout.text, /security code changes; compare it again \("graphchat code c1"\)/);
  });

  it("an older contact's graphchat, a pending contact, a missing one: clear errors, exit 1; usage: exit 2", async () => {
    const sessions = withContacts();
    sessions.agent.contactList.push(fakeContact('c9', 'old', { version: 2 }));
    for (const command of ['rotate', 'rekey']) {
      const older = await run(['--json', command, 'old'], { sessions });
      assert.equal(older.code, 1);
      assert.equal((older.stdout.json()[0] as { error: string }).error, 'UNSUPPORTED_VERSION');
      assertOneErrorLine(older, /^graphchat: this connection speaks graph-chat version 2 \(one side's graphchat was older when it was made\): it cannot move relays, rotate or rekey/);
      const pending = await run([command, 'carol'], { sessions });
      assert.equal(pending.code, 1);
      assertOneErrorLine(pending, /not joined yet/);
      const unknown = await run([command, 'zed'], { sessions });
      assert.equal(unknown.code, 1);
      assert.equal((await run([command], { sessions })).code, 2);
      assert.equal((await run([command, 'bob', 'x'], { sessions })).code, 2);
    }
  });
});
