import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeContact } from '../test-support/fake-agent.js';
import { run, withContacts } from '../test-support/run-main.js';

describe('graphchat otr', () => {
  it('on and off ask the contact: {"contact","proposed"}', async () => {
    const sessions = withContacts();
    const on = await run(['--json', 'otr', 'on', 'bob'], { sessions });
    assert.equal(on.code, 0);
    assert.deepEqual(on.stdout.json(), [{ contact: 'c1', proposed: 'on' }]);
    const off = await run(['otr', 'off', 'bob'], { sessions });
    assert.deepEqual(off.stdout.lines(), ['asked bob to go back on the record: it switches once they agree ("graphchat sync" sends the request)']);
    assert.deepEqual(sessions.agent.calls, ['proposeMode c1 true', 'proposeMode c1 false']);
  });

  it('accept agrees to the contact\'s request: {"contact","offTheRecord"}', async () => {
    const sessions = withContacts();
    sessions.agent.contactList.push(fakeContact('c5', '', { status: 'pending', modeRequest: { offTheRecord: true } }));
    const json = await run(['--json', 'otr', 'accept', 'c5'], { sessions });
    assert.deepEqual(json.stdout.json(), [{ contact: 'c5', offTheRecord: true }]);
    const human = await run(['otr', 'accept', 'c5'], { sessions });
    assert.deepEqual(human.stdout.lines(), ['agreed: the conversation with (unnamed c5) goes off the record']);
    assert.deepEqual(sessions.agent.calls, ['acceptMode c5', 'acceptMode c5']);
  });
});
