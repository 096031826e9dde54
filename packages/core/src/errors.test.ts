import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgreementError } from './agreement/errors.js';
import { ChatError } from './chat/errors.js';
import { RelayClientError } from './emp/client.js';
import { ForwardError } from './emp/forward-client.js';
import { QueueError } from './emp/queue.js';
import { CodedError, CryptoError, DecodeError, SessionError } from './errors.js';
import { RatchetError } from './ratchet/errors.js';

describe('CodedError', () => {
  it('every typed error of core is a CodedError with its own name, its code and its message', () => {
    const errors: [CodedError<string>, string, string][] = [
      [new DecodeError('TRUNCATED', 'm'), 'DecodeError', 'TRUNCATED'],
      [new CryptoError('DECRYPT', 'm'), 'CryptoError', 'DECRYPT'],
      [new SessionError('FRAME', 'm'), 'SessionError', 'FRAME'],
      [new AgreementError('BAD_KEY', 'm'), 'AgreementError', 'BAD_KEY'],
      [new ChatError('BAD_LINK', 'm'), 'ChatError', 'BAD_LINK'],
      [new RatchetError('DECRYPT', 'm'), 'RatchetError', 'DECRYPT'],
      [new RelayClientError('TIMEOUT', 'm'), 'RelayClientError', 'TIMEOUT'],
      [new ForwardError('PROXY', 'm'), 'ForwardError', 'PROXY'],
    ];
    for (const [error, name, code] of errors) {
      assert.ok(error instanceof CodedError && error instanceof Error, name);
      assert.equal(error.name, name);
      assert.equal(error.code, code);
      assert.equal(error.message, 'm');
      assert.equal(String(error), `${name}: m`);
    }
  });

  it('keeps a cause', () => {
    const cause = new Error('underneath');
    assert.equal(new DecodeError('INVALID', 'm', { cause }).cause, cause);
  });

  it("QueueError's code is the relay's ERR code, or UNEXPECTED_RESPONSE for an answer of another type", () => {
    const refused = new QueueError({ type: 'ERR', code: 'AUTH' });
    assert.equal(refused.code, 'AUTH');
    assert.equal(refused.message, 'relay answered ERR AUTH');
    assert.deepEqual(refused.response, { type: 'ERR', code: 'AUTH' });
    const unexpected = new QueueError({ type: 'OK' });
    assert.equal(unexpected.code, 'UNEXPECTED_RESPONSE');
    assert.equal(unexpected.name, 'QueueError');
  });
});
