import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run, withContacts } from '../test-support/run-main.js';

describe('graphchat profile routing', () => {
  it('shows the default, sets each setting, and shows the new one', async () => {
    const sessions = withContacts();
    const shown = await run(['--json', 'profile', 'routing'], { sessions });
    assert.deepEqual(shown.stdout.json(), [{ profile: 'p1', privateRouting: 'unknown-relays' }]);
    for (const [word, setting] of [
      ['always', 'always'],
      ['never', 'never'],
      ['unknown', 'unknown-relays'],
    ] as const) {
      const set = await run(['--json', 'profile', 'routing', word], { sessions });
      assert.equal(set.code, 0);
      assert.deepEqual(set.stdout.json(), [{ profile: 'p1', privateRouting: setting }]);
      assert.equal(sessions.agent.calls.at(-1), `setPrivateRouting p1 ${setting}`);
    }
    const lines = await run(['profile', 'routing', 'never'], { sessions });
    assert.match(lines.stdout.text, /^private routing: never \(messages go directly/);
  });

  it('refuses another word', async () => {
    const refused = await run(['--json', 'profile', 'routing', 'sometimes'], { sessions: withContacts() });
    assert.equal(refused.code, 2);
    assert.equal((refused.stdout.json()[0] as { error: string }).error, 'USAGE');
  });
});
