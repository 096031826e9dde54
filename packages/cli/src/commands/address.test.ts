import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../output.js';
import { assertOneErrorLine, run, withContacts, withRequest } from '../test-support/run-main.js';
import { acceptedJson, addressJson, declinedJson } from './address.js';

describe('address, accept, decline: JSON', () => {
  it('address, accept, decline', () => {
    assert.equal(jsonLine(addressJson('graphchat:/address#x', null)), '{"address":"graphchat:/address#x"}\n');
    assert.deepEqual(addressJson('a', 'QR'), { address: 'a', qr: 'QR' });
    assert.equal(jsonLine(acceptedJson('c1')), '{"contact":"c1","accepted":true}\n');
    assert.equal(jsonLine(declinedJson('c1')), '{"contact":"c1","declined":true}\n');
  });
});

describe('graphchat address, accept, decline', () => {
  it('address: {"address"}, with --qr also the code', async () => {
    const sessions = withContacts();
    const address = sessions.agent.address;
    const result = await run(['--json', 'address'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.json(), [{ address }]);
    const qr = await run(['--json', 'address', '--qr'], { sessions });
    assert.deepEqual(qr.stdout.json(), [{ address, qr: `QR(${address.length})\n` }]);
    const human = await run(['address', '--qr'], { sessions });
    assert.deepEqual(human.stdout.lines().slice(0, 2), [address, `QR(${address.length})`]);
    assert.deepEqual(sessions.agent.calls, ['contactAddress', 'contactAddress', 'contactAddress']);
  });

  it('accept by name: {"contact","accepted"}; then no longer a request', async () => {
    const sessions = withRequest();
    const result = await run(['--json', 'accept', 'dora'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.json(), [{ contact: 'c3', accepted: true }]);
    assert.deepEqual(sessions.agent.calls, ['acceptRequest c3']);
    const again = await run(['--json', 'accept', 'c3'], { sessions });
    assert.equal(again.code, 1);
    assert.deepEqual(again.stdout.json(), [{ error: 'NOT_A_REQUEST', message: 'c3 is not a pending request' }]);
    const human = await run(['accept', 'bob'], { sessions });
    assertOneErrorLine(human, /c1 is not a pending request/);
  });

  it('decline by id: {"contact","declined"}', async () => {
    const sessions = withRequest();
    const result = await run(['--json', 'decline', 'c3'], { sessions });
    assert.deepEqual(result.stdout.json(), [{ contact: 'c3', declined: true }]);
    assert.deepEqual(sessions.agent.calls, ['declineRequest c3']);
    const human = await run(['decline', 'dora'], { sessions });
    assert.equal(human.code, 1);
    const missing = await run(['--json', 'decline', 'zed'], { sessions });
    assert.equal((missing.stdout.json()[0] as { error: string }).error, 'NO_CONTACT');
  });
});
