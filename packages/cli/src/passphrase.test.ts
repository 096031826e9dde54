import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from './errors.js';
import type { GlobalOptions } from './global-options.js';
import { resolvePassphrase } from './passphrase.js';

describe('passphrase', () => {
  const options = (passphraseFile: string | null): GlobalOptions => ({ dir: 'd', passphraseFile, json: false, help: false, version: false });
  const files: Record<string, string> = { '/p': 'secret\nsecond line\n', '/crlf': 'win\r\n', '/empty': '\n', '/one': 'only' };
  const readFile = (path: string): string => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return content;
  };

  it('from the file: first line, without its line break', () => {
    assert.equal(resolvePassphrase(options('/p'), { env: {}, readFile }), 'secret');
    assert.equal(resolvePassphrase(options('/crlf'), { env: {}, readFile }), 'win');
    assert.equal(resolvePassphrase(options('/one'), { env: {}, readFile }), 'only');
  });

  it('the file wins over the environment; else GRAPHCHAT_PASSPHRASE', () => {
    assert.equal(resolvePassphrase(options('/p'), { env: { GRAPHCHAT_PASSPHRASE: 'env' }, readFile }), 'secret');
    assert.equal(resolvePassphrase(options(null), { env: { GRAPHCHAT_PASSPHRASE: 'env' }, readFile }), 'env');
  });

  it('none: null (the caller asks or fails); an empty variable counts as none', () => {
    assert.equal(resolvePassphrase(options(null), { env: {}, readFile }), null);
    assert.equal(resolvePassphrase(options(null), { env: { GRAPHCHAT_PASSPHRASE: '' }, readFile }), null);
  });

  it('a missing or empty file is NO_PASSPHRASE', () => {
    for (const path of ['/missing', '/empty']) {
      assert.throws(
        () => resolvePassphrase(options(path), { env: {}, readFile }),
        (error: unknown) => error instanceof CliError && error.code === 'NO_PASSPHRASE' && error.message.includes(path),
      );
    }
  });
});
