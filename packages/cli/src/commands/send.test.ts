import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../output.js';
import { fakeContact } from '../test-support/fake-agent.js';
import { run, withContacts } from '../test-support/run-main.js';
import { messageIdJson } from './send.js';

describe('send: JSON', () => {
  it('send: {"message"}', () => {
    assert.equal(jsonLine(messageIdJson('m1')), '{"message":"m1"}\n');
  });
});

describe('graphchat send', () => {
  it('send by name or id: {"message"}; unknown contact is NO_CONTACT', async () => {
    const sessions = withContacts();
    const result = await run(['--json', 'send', 'bob', 'hello bob'], { sessions });
    assert.deepEqual(result.stdout.json(), [{ message: 'm1' }]);
    await run(['send', 'c2', 'hi'], { sessions });
    assert.deepEqual(sessions.agent.calls, ['send c1 hello bob', 'send c2 hi']);
    const missing = await run(['--json', 'send', 'dave', 'hi'], { sessions });
    assert.equal(missing.code, 1);
    assert.equal((missing.stdout.json()[0] as { error: string }).error, 'NO_CONTACT');
  });

  it('ambiguous names are an error', async () => {
    const sessions = withContacts();
    sessions.agent.contactList.push(fakeContact('c3', 'bob'));
    const result = await run(['--json', 'send', 'bob', 'hi'], { sessions });
    assert.equal(result.code, 1);
    assert.equal((result.stdout.json()[0] as { error: string }).error, 'AMBIGUOUS_CONTACT');
  });
});
