/** `main` run in-process on a fake agent, as the tests of the commands run it. */
import assert from 'node:assert/strict';
import { main } from '../main.js';
import type { MainDeps, MainIo } from '../main-io.js';
import { Capture, FakeAgent, FakeSessions, fakeContact } from './fake-agent.js';

export interface Run {
  readonly code: number;
  readonly stdout: Capture;
  readonly stderr: Capture;
  readonly sessions: FakeSessions;
}

export async function run(argv: string[], setup: { io?: Partial<MainIo>; deps?: MainDeps; sessions?: FakeSessions } = {}): Promise<Run> {
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

export function withContacts(): FakeSessions {
  const agent = new FakeAgent();
  agent.createProfile({ displayName: 'alice', relays: ['emp://f@h:1'] });
  agent.calls.length = 0;
  agent.contactList.push(fakeContact('c1', 'bob'), fakeContact('c2', 'carol', { status: 'pending' }));
  return new FakeSessions(agent);
}

/** withContacts, and a request through the contact address from dora (c3). */
export function withRequest(): FakeSessions {
  const sessions = withContacts();
  sessions.agent.contactList.push(fakeContact('c3', 'dora', { status: 'pending', request: true }));
  return sessions;
}

/** One line on stderr, starting with "graphchat: ". */
export function assertOneErrorLine(result: Run, pattern: RegExp): void {
  const lines = result.stderr.text.split('\n');
  assert.equal(lines.length, 2, `stderr: ${result.stderr.text}`);
  assert.equal(lines[1], '');
  assert.match(lines[0]!, /^graphchat: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr.text, /\n\s+at /);
}
