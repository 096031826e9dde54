import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoreError } from './store/errors.js';
import { FakeSessions } from './test-support/fake-agent.js';
import { assertOneErrorLine, run, withContacts } from './test-support/run-main.js';

describe('main: help, version, usage errors', () => {
  it('--version', async () => {
    const result = await run(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout.text, /^graphchat \d+\.\d+\.\d+\n$/);
    const json = await run(['--json', '--version']);
    assert.match(JSON.stringify(json.stdout.json()), /^\[\{"version":"\d+\.\d+\.\d+"\}\]$/);
    assert.equal(result.sessions.opened.length, 0);
  });

  it('--help, help COMMAND and COMMAND --help need no passphrase', async () => {
    for (const argv of [['--help'], ['help'], ['help', 'send'], ['send', '--help'], ['--help', 'sync']]) {
      const result = await run(argv, { io: { env: {} } });
      assert.equal(result.code, 0, argv.join(' '));
      assert.match(result.stdout.text, /usage: graphchat/);
      assert.equal(result.stderr.text, '');
      assert.equal(result.sessions.opened.length, 0);
    }
  });

  it('no command without a terminal: usage error, exit 2', async () => {
    const result = await run([]);
    assert.equal(result.code, 2);
    assertOneErrorLine(result, /no command given/);
    assert.equal(result.stdout.text, '');
  });

  it('usage errors exit 2, with the JSON error line on stdout under --json', async () => {
    const result = await run(['--json', 'send', 'bob']);
    assert.equal(result.code, 2);
    assertOneErrorLine(result, /missing TEXT/);
    assert.deepEqual(result.stdout.json(), [{ error: 'USAGE', message: 'send: missing TEXT (usage: graphchat send CONTACT TEXT)' }]);
    const unknown = await run(['--json', 'dance']);
    assert.equal(unknown.code, 2);
    assert.deepEqual((unknown.stdout.json()[0] as { error: string }).error, 'USAGE');
    const misplaced = await run(['contacts', '--json']);
    assert.equal(misplaced.code, 2);
    assertOneErrorLine(misplaced, /--json is a global option/);
  });

  it('chat needs a terminal', async () => {
    const result = await run(['chat']);
    assert.equal(result.code, 2);
    assertOneErrorLine(result, /chat needs a terminal/);
  });

  it('a usage error is a JSON line too when --json is among the global options, even after the error', async () => {
    const jsonError = async (...argv: string[]) => (await run(argv)).stdout.json() as { error: string }[];
    assert.deepEqual((await jsonError('--json', 'x')).map((line) => line.error), ['USAGE']);
    assert.deepEqual(await jsonError('--dir', '--json', 'x'), []);
    assert.deepEqual((await jsonError('--dir', 'd', '--bogus', '--json', 'x')).map((line) => line.error), ['USAGE']);
    assert.deepEqual(await jsonError('send', 'bob', '--json'), []);
  });
});

describe('main: passphrase and opening', () => {
  it('no passphrase: NO_PASSPHRASE, exit 1, nothing opened', async () => {
    const result = await run(['--json', 'contacts'], { io: { env: {} } });
    assert.equal(result.code, 1);
    assert.equal((result.stdout.json()[0] as { error: string }).error, 'NO_PASSPHRASE');
    assertOneErrorLine(result, /GRAPHCHAT_PASSPHRASE/);
    assert.equal(result.sessions.opened.length, 0);
  });

  it('--passphrase-file and GRAPHCHAT_DIR reach the opener', async () => {
    const sessions = withContacts();
    const result = await run(['--passphrase-file', '/pf', 'contacts'], {
      sessions,
      io: { env: { GRAPHCHAT_DIR: '/state' }, readFile: (path) => (path === '/pf' ? 'from file\n' : '') },
    });
    assert.equal(result.code, 0);
    assert.deepEqual(sessions.opened, [{ dir: '/state', passphrase: 'from file', create: false }]);
    assert.equal(sessions.closed, 1);
  });

  it('on a terminal a missing passphrase is asked for (twice-checked by the prompt for init)', async () => {
    const asked: boolean[] = [];
    const sessions = new FakeSessions();
    const result = await run(['--dir', 'd', 'init', '--name', 'a', '--server', 'emp://f@h:1'], {
      sessions,
      io: { env: {}, isTTY: true },
      deps: { askPassphrase: async (create) => (asked.push(create), 'typed') },
    });
    assert.equal(result.code, 0);
    assert.deepEqual(asked, [true]);
    assert.deepEqual(sessions.opened, [{ dir: 'd', passphrase: 'typed', create: true }]);
  });

  it('store errors are one actionable line, exit 1', async () => {
    const cases: [StoreError, RegExp][] = [
      [new StoreError('WRONG_PASSPHRASE', 'x'), /^graphchat: wrong passphrase for d\/graphchat\.db$/],
      [new StoreError('NOT_INITIALIZED', 'x'), /no database in d: run "graphchat init/],
      [new StoreError('CORRUPT', 'cannot open d/graphchat.db: damaged'), /damaged/],
      [new StoreError('IN_USE', 'x'), /^graphchat: another graphchat process is using d \(only one at a time/],
    ];
    for (const [error, pattern] of cases) {
      const sessions = new FakeSessions();
      sessions.failWith = error;
      const result = await run(['--json', '--dir', 'd', 'contacts'], { sessions });
      assert.equal(result.code, 1);
      assertOneErrorLine(result, pattern);
      assert.equal((result.stdout.json()[0] as { error: string }).error, error.code);
    }
  });
});

describe('main: reporting', () => {















  it('an unexpected error: "internal error", exit 70, no stack trace', async () => {
    const sessions = withContacts();
    sessions.agent.contacts = () => {
      throw new TypeError('boom');
    };
    const result = await run(['--json', 'contacts'], { sessions });
    assert.equal(result.code, 70);
    assertOneErrorLine(result, /^graphchat: internal error: boom$/);
    assert.deepEqual(result.stdout.json(), [{ error: 'INTERNAL', message: 'internal error: boom' }]);
    assert.equal(sessions.closed, 1);
  });

});
