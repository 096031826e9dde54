import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { main } from './main.js';
import type { MainDeps, MainIo } from './main.js';
import { StoreError } from './store/errors.js';
import { Capture, FakeAgent, FakeSessions, fakeContact } from './test-support/fake-agent.js';

interface Run {
  readonly code: number;
  readonly stdout: Capture;
  readonly stderr: Capture;
  readonly sessions: FakeSessions;
}

async function run(argv: string[], setup: { io?: Partial<MainIo>; deps?: MainDeps; sessions?: FakeSessions } = {}): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const sessions = setup.sessions ?? new FakeSessions();
  const code = await main(
    argv,
    { stdout, stderr, env: { GRAPHCHAT_PASSPHRASE: 'pw' }, homeDir: '/home/u', ...setup.io },
    { openSession: sessions.open, renderQr: async (text) => `QR(${text.length})\n`, ...setup.deps },
  );
  return { code, stdout, stderr, sessions };
}

function withContacts(): FakeSessions {
  const agent = new FakeAgent();
  agent.createProfile({ displayName: 'alice', relays: ['emp://f@h:1'] });
  agent.calls.length = 0;
  agent.contactList.push(fakeContact('c1', 'bob'), fakeContact('c2', 'carol', { status: 'pending' }));
  return new FakeSessions(agent);
}

/** One line on stderr, starting with "graphchat: ". */
function assertOneErrorLine(result: Run, pattern: RegExp): void {
  const lines = result.stderr.text.split('\n');
  assert.equal(lines.length, 2, `stderr: ${result.stderr.text}`);
  assert.equal(lines[1], '');
  assert.match(lines[0]!, /^graphchat: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr.text, /\n\s+at /);
}

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

describe('main: commands', () => {
  it('init creates the database and the profile', async () => {
    const sessions = new FakeSessions();
    const result = await run(['--json', '--dir', 'd', 'init', '--name', 'alice', '--server', 'emp://a@h:1', '--server', 'emp://b@h:2', '--full-name', 'Alice A'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(sessions.opened, [{ dir: 'd', passphrase: 'pw', create: true }]);
    assert.deepEqual(result.stdout.json(), [
      { profile: 'p1', name: 'alice', fullName: 'Alice A', relays: ['emp://a@h:1', 'emp://b@h:2'] },
    ]);
    assert.equal(sessions.closed, 1);
    assert.equal(sessions.discarded, 0);
  });

  it('a failed init removes the database it created', async () => {
    const sessions = new FakeSessions();
    const result = await run(['--json', 'init', '--name', 'alice', '--server', 'nonsense'], { sessions });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stdout.json(), [{ error: 'BAD_RELAY_ADDRESS', message: 'not a relay address' }]);
    assert.equal(sessions.discarded, 1);
    assert.equal(sessions.closed, 0);
  });

  it('an existing database: ALREADY_INITIALIZED', async () => {
    const sessions = new FakeSessions();
    sessions.failWith = new StoreError('ALREADY_INITIALIZED', 'a store already exists');
    const result = await run(['--dir', 'd', 'init', '--name', 'a', '--server', 'emp://a@h:1'], { sessions });
    assert.equal(result.code, 1);
    assertOneErrorLine(result, /d already holds a database/);
  });

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

  it('contacts: one line per contact', async () => {
    const result = await run(['--json', 'contacts'], { sessions: withContacts() });
    assert.equal(
      result.stdout.text,
      '{"contact":"c1","name":"bob","status":"connected","verified":false,"channel":"link"}\n' +
        '{"contact":"c2","name":"carol","status":"pending","verified":false,"channel":"link"}\n',
    );
    const human = await run(['contacts'], { sessions: withContacts() });
    assert.deepEqual(human.stdout.lines(), ['bob  connected  by link  c1', 'carol  pending  by link  c2']);
  });

  it('contacts leaves failed contacts out; --all lists them with "failure"', async () => {
    const sessions = withContacts();
    sessions.agent.contactList.push(
      fakeContact('c3', 'dora', { status: 'failed', failure: 'declined', channel: 'scanned' }),
      fakeContact('c4', 'eve', { channel: 'scanned', verified: true }),
    );
    const result = await run(['--json', 'contacts'], { sessions });
    assert.deepEqual(result.stdout.json(), [
      { contact: 'c1', name: 'bob', status: 'connected', verified: false, channel: 'link' },
      { contact: 'c2', name: 'carol', status: 'pending', verified: false, channel: 'link' },
      { contact: 'c4', name: 'eve', status: 'connected', verified: true, channel: 'scanned' },
    ]);
    const all = await run(['--json', 'contacts', '--all'], { sessions });
    assert.deepEqual(all.stdout.json()[2], { contact: 'c3', name: 'dora', status: 'failed', verified: false, channel: 'scanned', failure: 'declined' });
    assert.equal(all.stdout.json().length, 4);
    const human = await run(['contacts'], { sessions });
    assert.deepEqual(human.stdout.lines(), [
      'bob  connected  by link  c1',
      'carol  pending  by link  c2',
      'eve  connected  ✓ verified  scanned in person  c4',
      '1 failed, not shown: "graphchat contacts --all" lists them',
    ]);
    const humanAll = await run(['contacts', '--all'], { sessions });
    assert.equal(humanAll.stdout.lines()[2], 'dora  failed  (declined)  scanned in person  c3');
  });

  it('send by name or id: {"message"}; unknown contact is NO_CONTACT', async () => {
    const sessions = withContacts();
    const result = await run(['--json', 'send', 'bob', 'hello bob'], { sessions });
    assert.deepEqual(result.stdout.json(), [{ message: 'm1' }]);
    await run(['send', 'c2', 'hi'], { sessions });
    assert.deepEqual(sessions.agent.calls, ['send c1 hello bob', 'send c2 hi']);
    const missing = await run(['--json', 'send', 'dave', 'hi'], { sessions });
    assert.equal(missing.code, 1);
    assert.equal((missing.stdout.json()[0] as { error: string }).error, 'NO_CONTACT');
  });

  it('ambiguous names are an error', async () => {
    const sessions = withContacts();
    sessions.agent.contactList.push(fakeContact('c3', 'bob'));
    const result = await run(['--json', 'send', 'bob', 'hi'], { sessions });
    assert.equal(result.code, 1);
    assert.equal((result.stdout.json()[0] as { error: string }).error, 'AMBIGUOUS_CONTACT');
  });

  it('sync prints every event as one JSON line and passes the timeout', async () => {
    const sessions = withContacts();
    sessions.agent.events = [
      { event: 'connected', contact: 'c2', name: 'carol' },
      { event: 'message', contact: 'c1', message: 'm9', text: 'hi', timestamp: 7 },
      { event: 'receipt', contact: 'c1', message: 'm1' },
    ];
    const result = await run(['--json', 'sync', '--timeout', '5'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.json(), sessions.agent.events);
    assert.deepEqual(sessions.agent.calls, ['sync 5000 1000', 'stop']);
    const human = await run(['sync'], { sessions });
    assert.deepEqual(human.stdout.lines(), ['connected to carol', 'bob: hi', '✓✓ delivered to bob (m1)']);
  });

  it('history: one line per message', async () => {
    const sessions = withContacts();
    sessions.agent.messages.set('c1', [
      { id: 'm1', direction: 'sent', text: 'hello', status: 'delivered', timestamp: 1, seq: 1 },
      { id: 'm2', direction: 'received', text: 'hi', status: 'received', timestamp: 2, seq: 1 },
    ]);
    const result = await run(['--json', 'history', 'bob'], { sessions });
    assert.deepEqual(result.stdout.json(), [
      { message: 'm1', direction: 'sent', text: 'hello', status: 'delivered', timestamp: 1 },
      { message: 'm2', direction: 'received', text: 'hi', status: 'received', timestamp: 2 },
    ]);
  });

  it("contact shows the contact's profile: full name, status, image size", async () => {
    const sessions = withContacts();
    const profile = { displayName: 'bob', fullName: 'Robert B.', status: 'on the road', image: new Uint8Array(321) };
    sessions.agent.contactList[0] = fakeContact('c1', 'bob', { profile });
    const json = await run(['--json', 'contact', 'bob'], { sessions });
    assert.deepEqual(json.stdout.json(), [
      { contact: 'c1', name: 'bob', status: 'connected', verified: false, channel: 'link', fullName: 'Robert B.', profileStatus: 'on the road', imageBytes: 321 },
    ]);
    const human = await run(['contact', 'bob'], { sessions });
    assert.match(human.stdout.text, /full name: Robert B\.\nstatus: on the road\nimage: 321 bytes\n$/);
  });

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

  it('init --session-per-connection reaches the agent and shows in the profile', async () => {
    const sessions = new FakeSessions();
    const result = await run(['--json', 'init', '--name', 'alice', '--server', 'emp://a@h:1', '--session-per-connection'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(sessions.agent.calls, ['createProfile alice emp://a@h:1 session-per-connection']);
    assert.deepEqual(result.stdout.json(), [{ profile: 'p1', name: 'alice', relays: ['emp://a@h:1'], sessionPerConnection: true }]);
  });
});

describe('main: contact address and requests', () => {
  function withRequest(): FakeSessions {
    const sessions = withContacts();
    sessions.agent.contactList.push(fakeContact('c3', 'dora', { status: 'pending', request: true }));
    return sessions;
  }

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

  it('contacts mark pending requests with "request": true', async () => {
    const result = await run(['--json', 'contacts'], { sessions: withRequest() });
    assert.deepEqual(result.stdout.json(), [
      { contact: 'c1', name: 'bob', status: 'connected', verified: false, channel: 'link' },
      { contact: 'c2', name: 'carol', status: 'pending', verified: false, channel: 'link' },
      { contact: 'c3', name: 'dora', status: 'pending', verified: false, channel: 'link', request: true },
    ]);
    const human = await run(['contacts'], { sessions: withRequest() });
    assert.match(human.stdout.lines()[2]!, /^dora {2}pending {2}asks to connect/);
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

describe('main: several profiles', () => {
  it('profile new: servers default to the active profile\'s; it does not become active', async () => {
    const sessions = withContacts();
    const result = await run(['--json', 'profile', 'new', '--name', 'work'], { sessions });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout.json(), [{ profile: 'p2', name: 'work', relays: ['emp://f@h:1'] }]);
    const own = await run(['--json', 'profile', 'new', '--name', 'anon', '--server', 'emp://x@h:9', '--session-per-connection'], { sessions });
    assert.deepEqual(own.stdout.json(), [{ profile: 'p3', name: 'anon', relays: ['emp://x@h:9'], sessionPerConnection: true }]);
    assert.deepEqual(sessions.agent.calls, ['createProfile work emp://f@h:1', 'createProfile anon emp://x@h:9 session-per-connection']);
    assert.equal(sessions.agent.activeProfile().id, 'p1');
    const bad = await run(['--json', 'profile', 'new', '--name', 'x', '--server', 'nonsense'], { sessions });
    assert.equal(bad.code, 1);
    assert.equal((bad.stdout.json()[0] as { error: string }).error, 'BAD_RELAY_ADDRESS');
  });

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

describe('main: proofs', () => {
  it('proof export writes the bundle as pretty JSON, over an existing file, 0600, leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      const out = join(dir, 'proof.json');
      writeFileSync(out, 'an older proof');
      const sessions = withContacts();
      const result = await run(['--json', 'proof', 'export', 'bob', '--from', 'm1', '--out', out], { sessions });
      assert.equal(result.code, 0, result.stderr.text);
      assert.deepEqual(result.stdout.json(), [{ proof: out, envelopes: 2, receipts: 1 }]);
      assert.deepEqual(sessions.agent.calls, ['exportProof c1 m1 -']);
      assert.equal(readFileSync(out, 'utf8'), JSON.stringify(sessions.agent.proof, null, 2) + '\n');
      assert.equal(statSync(out).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir), ['proof.json']);

      const human = await run(['proof', 'export', 'c1', '--to', 'm2', '--out', out], { sessions });
      assert.match(human.stdout.lines()[0]!, /^wrote .*proof\.json: 2 envelopes, 1 receipts after them$/);
      const missing = await run(['--json', 'proof', 'export', 'nobody', '--out', out], { sessions });
      assert.equal(missing.code, 1);
      assert.equal((missing.stdout.json()[0] as { error: string }).error, 'NO_CONTACT');
      const unwritable = await run(['proof', 'export', 'bob', '--out', join(dir, 'no', 'such', 'dir.json')], { sessions });
      assert.equal(unwritable.code, 1);
      assertOneErrorLine(unwritable, /cannot write .*dir\.json/);
      assert.deepEqual(readdirSync(dir), ['proof.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proof verify needs no passphrase and opens no store; an invalid bundle exits 1 with one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      const file = join(dir, 'p.json');
      writeFileSync(file, JSON.stringify({ type: 'something else' }));
      const json = await run(['--json', 'proof', 'verify', file], { io: { env: {} } });
      assert.equal(json.code, 1);
      assert.deepEqual(json.stdout.json(), [
        { valid: false, securityCode: null, signingKeys: null, failures: [{ code: 'BAD_FORMAT', where: null, message: 'type is not "graphchat-proof"' }] },
      ]);
      assertOneErrorLine(json, /^graphchat: proof invalid: 1 failure$/);
      assert.equal(json.sessions.opened.length, 0);

      const human = await run(['proof', 'verify', file], { io: { env: {} } });
      assert.equal(human.code, 1);
      assert.deepEqual(human.stdout.lines(), ['BAD_FORMAT: type is not "graphchat-proof"']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('proof verify: a missing file or one that is not JSON is BAD_PROOF_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-main-proof-'));
    try {
      const missing = await run(['--json', 'proof', 'verify', join(dir, 'none.json')], { io: { env: {} } });
      assert.equal(missing.code, 1);
      assert.equal((missing.stdout.json()[0] as { error: string }).error, 'BAD_PROOF_FILE');
      assertOneErrorLine(missing, /cannot read .*none\.json/);
      writeFileSync(join(dir, 'cut.json'), '{"type": "graphchat-proof", "vers');
      const cut = await run(['proof', 'verify', join(dir, 'cut.json')], { io: { env: {} } });
      assert.equal(cut.code, 1);
      assertOneErrorLine(cut, /cut\.json is not JSON/);
      assert.equal(cut.sessions.opened.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
