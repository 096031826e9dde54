import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../output.js';
import { assertOneErrorLine, run, withContacts } from '../test-support/run-main.js';
import { contactIdJson } from './connect.js';

describe('connect: JSON', () => {
  it('connect: {"contact"}', () => {
    assert.equal(jsonLine(contactIdJson('c1')), '{"contact":"c1"}\n');
  });
});

describe('graphchat connect', () => {
  it('connect: {"contact"}; --scanned records the channel; a used invitation is an error', async () => {
    const sessions = withContacts();
    const result = await run(['--json', 'connect', 'LINK'], { sessions });
    assert.deepEqual(result.stdout.json(), [{ contact: 'c-joined' }]);
    await run(['connect', '--scanned', 'LINK2'], { sessions });
    assert.deepEqual(sessions.agent.calls, ['connect LINK link', 'connect LINK2 scanned']);
    const used = await run(['--json', 'connect', 'used'], { sessions });
    assert.equal(used.code, 1);
    assert.deepEqual(used.stdout.json(), [{ error: 'INVITATION_USED', message: 'this invitation was already used' }]);
    assertOneErrorLine(used, /^graphchat: this invitation was already used$/);
  });
});
