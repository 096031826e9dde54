import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run, withContacts } from '../test-support/run-main.js';
import { formatDuration, parseDuration } from './rotation.js';

describe('profile rotation: durations', () => {
  it('parses 7d, 12h, 30m, 2s, 500ms, 1.5h and off; formats back', () => {
    assert.equal(parseDuration('7d'), 7 * 86_400_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.equal(parseDuration('off'), 0);
    for (const bad of ['', '7', 'd', '-1d', '1y', '0s', 'soon']) assert.equal(parseDuration(bad), null, bad);
    assert.equal(formatDuration(7 * 86_400_000), '7d');
    assert.equal(formatDuration(5_400_000), '90m');
    assert.equal(formatDuration(2000), '2s');
    assert.equal(formatDuration(1500), '1500ms');
    assert.equal(formatDuration(0), 'off');
  });
});

describe('graphchat profile rotation', () => {
  it('shows the default (7 days), sets a period, turns it off', async () => {
    const sessions = withContacts();
    const shown = await run(['--json', 'profile', 'rotation'], { sessions });
    assert.deepEqual(shown.stdout.json(), [{ profile: 'p1', rotation: '7d', rotationMs: 604_800_000 }]);
    assert.match((await run(['profile', 'rotation'], { sessions })).stdout.text, /^queue rotation: every 7d \(the default\)/);
    const set = await run(['--json', 'profile', 'rotation', '12h'], { sessions });
    assert.deepEqual(set.stdout.json(), [{ profile: 'p1', rotation: '12h', rotationMs: 43_200_000 }]);
    assert.equal(sessions.agent.calls.at(-1), 'setRotation p1 43200000');
    const off = await run(['profile', 'rotation', 'off'], { sessions });
    assert.match(off.stdout.text, /^queue rotation: off/);
    assert.equal(sessions.agent.calls.at(-1), 'setRotation p1 0');
  });

  it('refuses what is not a duration', async () => {
    const refused = await run(['--json', 'profile', 'rotation', 'weekly'], { sessions: withContacts() });
    assert.equal(refused.code, 2);
    assert.equal((refused.stdout.json()[0] as { error: string }).error, 'USAGE');
  });
});
