import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeAgent } from '../test-support/fake-agent.js';
import { run, withContacts } from '../test-support/run-main.js';
import { linkJson } from './invite.js';

describe('invite: JSON', () => {
  it('invite: {"link"} (and "qr" with --qr)', () => {
    assert.deepEqual(linkJson('graphchat:x', null), { link: 'graphchat:x' });
    assert.deepEqual(linkJson('graphchat:x', 'QR'), { link: 'graphchat:x', qr: 'QR' });
  });
});

describe('graphchat invite', () => {
  it('invite: {"link"}, with --qr also the code', async () => {
    const plain = await run(['--json', 'invite'], { sessions: withContacts() });
    assert.equal(plain.code, 0);
    assert.deepEqual(plain.stdout.json(), [{ link: new FakeAgent().link }]);
    const qr = await run(['--json', 'invite', '--qr'], { sessions: withContacts() });
    const link = new FakeAgent().link;
    assert.deepEqual(qr.stdout.json(), [{ link, qr: `QR(${link.length})\n` }]);
    const human = await run(['invite', '--qr'], { sessions: withContacts() });
    assert.deepEqual(human.stdout.lines().slice(0, 2), [link, `QR(${link.length})`]);
  });
});
