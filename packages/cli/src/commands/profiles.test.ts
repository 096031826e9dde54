import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProfileRecord } from '@graphchat/client';
import { jsonLine } from '../output.js';
import { assertOneErrorLine, run, withContacts } from '../test-support/run-main.js';
import { profileJson } from './profile.js';
import { profileListJson, profileListLine } from './profiles.js';

describe('profiles: JSON and lines', () => {
  it('profiles: {"profile","name","active"}', () => {
    const profile: ProfileRecord = { id: 'p2', profile: { displayName: 'work', fullName: 'W' }, relays: ['emp://f@h:1'], sessionPerConnection: true, createdAt: 0 };
    assert.equal(jsonLine(profileListJson(profile, false)), '{"profile":"p2","name":"work","active":false}\n');
    assert.equal(profileListLine(profile, true), '* work  p2');
    assert.equal(profileListLine({ ...profile, profile: { displayName: 'x\x1b[2J' } }, false), '  x\ufffd[2J  p2');
    assert.equal(
      jsonLine(profileJson(profile)),
      '{"profile":"p2","name":"work","fullName":"W","relays":["emp://f@h:1"],"sessionPerConnection":true}\n',
    );
  });
});

describe('graphchat profiles and profile use', () => {
  it('profiles: one line each, "active" marks the active one', async () => {
    const sessions = withContacts();
    await run(['profile', 'new', '--name', 'work'], { sessions });
    const result = await run(['--json', 'profiles'], { sessions });
    assert.deepEqual(result.stdout.json(), [
      { profile: 'p1', name: 'alice', active: true },
      { profile: 'p2', name: 'work', active: false },
    ]);
    const human = await run(['profiles'], { sessions });
    assert.deepEqual(human.stdout.lines(), ['* alice  p1', '  work  p2']);
  });

  it('profile use by name or id; unknown is NO_PROFILE, ambiguous names are refused', async () => {
    const sessions = withContacts();
    await run(['profile', 'new', '--name', 'work'], { sessions });
    const byName = await run(['--json', 'profile', 'use', 'work'], { sessions });
    assert.equal(byName.code, 0);
    assert.deepEqual(byName.stdout.json(), [{ profile: 'p2', name: 'work', active: true }]);
    assert.equal(sessions.agent.activeProfile().id, 'p2');
    const shown = await run(['--json', 'profile'], { sessions });
    assert.equal((shown.stdout.json()[0] as { name: string }).name, 'work');
    const byId = await run(['profile', 'use', 'p1'], { sessions });
    assert.deepEqual(byId.stdout.lines(), ['active profile: alice (p1)']);
    const unknown = await run(['--json', 'profile', 'use', 'nobody'], { sessions });
    assert.equal(unknown.code, 1);
    assert.deepEqual(unknown.stdout.json(), [{ error: 'NO_PROFILE', message: 'no profile nobody' }]);
    await run(['profile', 'new', '--name', 'work'], { sessions });
    const ambiguous = await run(['--json', 'profile', 'use', 'work'], { sessions });
    assert.notEqual(ambiguous.code, 0);
    assertOneErrorLine(ambiguous, /2 profiles are named "work": use the profile id/);
    assert.equal(sessions.agent.activeProfile().id, 'p1');
  });
});
