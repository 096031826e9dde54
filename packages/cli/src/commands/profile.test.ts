import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ProfileRecord } from '@graphchat/client';
import { jsonLine } from '../output.js';
import { run, withContacts } from '../test-support/run-main.js';
import { profileJson, profileLines } from './profile.js';

describe('profile: JSON and lines', () => {
  it('profile: {"profile","name",...,"relays"}', () => {
    const profile: ProfileRecord = {
      id: 'p1',
      profile: { displayName: 'alice', status: 'here' },
      relays: ['emp://f@h:1'],
      sessionPerConnection: false,
      createdAt: 0,
    };
    assert.equal(jsonLine(profileJson(profile)), '{"profile":"p1","name":"alice","status":"here","relays":["emp://f@h:1"]}\n');
  });

  it('own-profile lines are printable too', () => {
    const profile: ProfileRecord = {
      id: 'p1',
      profile: { displayName: 'ali\x1b[2Jce\u202e', fullName: 'A\u2066B\x07', status: 'away\x1b]0;x\x07 \u200f' },
      relays: ['emp://f:pw@h:1'],
      sessionPerConnection: false,
      createdAt: 0,
    };
    assert.deepEqual(profileLines(profile).slice(0, 4), [
      'name: ali\ufffd[2Jce\ufffd',
      'full name: A\ufffdB\ufffd',
      'status: away\ufffd]0;x\ufffd \ufffd',
      'relays: emp://f:***@h:1',
    ]);
  });
});

describe('graphchat profile', () => {
  it('profile shows and edits; an empty value removes a field', async () => {
    const sessions = withContacts();
    const shown = await run(['--json', 'profile'], { sessions });
    assert.deepEqual(shown.stdout.json(), [{ profile: 'p1', name: 'alice', relays: ['emp://f@h:1'] }]);
    const edited = await run(['--json', 'profile', '--name', 'al', '--status', 'away'], { sessions });
    assert.deepEqual(edited.stdout.json(), [{ profile: 'p1', name: 'al', status: 'away', relays: ['emp://f@h:1'] }]);
    await run(['profile', '--status', ''], { sessions });
    assert.deepEqual(sessions.agent.activeProfile().profile, { displayName: 'al' });
  });

  it('profile --image sets, and --image "" removes, the avatar; an oversized file is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-image-'));
    try {
      const sessions = withContacts();
      const png = join(dir, 'me.png');
      writeFileSync(png, Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 9));
      assert.equal((await run(['profile', '--image', png], { sessions })).code, 0);
      assert.deepEqual(sessions.agent.activeProfile().profile.image, Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 9));
      await run(['profile', '--image', ''], { sessions });
      assert.equal(sessions.agent.activeProfile().profile.image, undefined);
      const big = join(dir, 'big.png');
      writeFileSync(big, new Uint8Array(12_001));
      const refused = await run(['--json', 'profile', '--image', big], { sessions });
      assert.equal(refused.code, 2);
      assert.equal((refused.stdout.json()[0] as { error: string }).error, 'USAGE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
