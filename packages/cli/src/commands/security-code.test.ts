import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../output.js';
import { run, withContacts } from '../test-support/run-main.js';
import { codeJson, verifiedJson } from './security-code.js';

describe('code and verify: JSON', () => {
  it('code, verify', () => {
    assert.equal(jsonLine(codeJson('c1', '123 456')), '{"contact":"c1","code":"123 456"}\n');
    assert.equal(jsonLine(verifiedJson('c1', true)), '{"contact":"c1","verified":true}\n');
  });
});

describe('graphchat code and verify', () => {
  it('code and verify; a wrong code is CODE_MISMATCH', async () => {
    const sessions = withContacts();
    const code = await run(['--json', 'code', 'bob'], { sessions });
    assert.deepEqual(code.stdout.json(), [{ contact: 'c1', code: '12345 67890' }]);
    const humanCode = await run(['code', 'bob'], { sessions });
    assert.equal(humanCode.stdout.text, '12345 67890\n');
    const qr = await run(['--json', 'code', 'bob', '--qr'], { sessions });
    assert.deepEqual(qr.stdout.json(), [{ contact: 'c1', code: '12345 67890', qr: 'QR(11)\n' }], 'the QR code carries the digits alone');
    const wrong = await run(['--json', 'verify', 'bob', '11111', '22222'], { sessions });
    assert.equal(wrong.code, 1);
    assert.equal((wrong.stdout.json()[0] as { error: string }).error, 'CODE_MISMATCH');
    const right = await run(['--json', 'verify', 'bob', '12345', '67890'], { sessions });
    assert.equal(right.code, 0);
    assert.deepEqual(right.stdout.json(), [{ contact: 'c1', verified: true }]);
  });
});
