// The README walkthrough as a test: two real relay processes, two terminal
// clients run as processes through the root node_modules/.bin/graphchat,
// using only the scriptable commands of issue 3.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killSpawnedRelays, spawnRelay } from 'graphchat-server/test-support';

const GRAPHCHAT = fileURLToPath(new URL('../../../node_modules/.bin/graphchat', import.meta.url));
const PASSPHRASE = 'correct horse battery staple';

type Json = Record<string, unknown>;

function graphchat(dir: string, ...args: string[]): Json[] {
  const result = spawnSync(GRAPHCHAT, ['--dir', dir, '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, GRAPHCHAT_PASSPHRASE: PASSPHRASE },
    timeout: 60_000,
  });
  assert.equal(result.status, 0, `graphchat ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Json);
}

const events = (lines: Json[], event: string) => lines.filter((line) => line.event === event);

describe('walkthrough: two terminal clients on two relays', () => {
  const root = mkdtempSync(join(tmpdir(), 'graphchat-walkthrough-'));
  const alice = join(root, 'alice');
  const bob = join(root, 'bob');
  let relays: string[] = [];

  before(async () => {
    relays = [(await spawnRelay(join(root, 'relay1'))).address, (await spawnRelay(join(root, 'relay2'))).address];
  });
  after(() => {
    killSpawnedRelays();
    rmSync(root, { recursive: true, force: true });
  });

  it('connect through an invitation and exchange messages both ways with delivery receipts', () => {
    const servers = relays.flatMap((relay) => ['--server', relay]);
    graphchat(alice, 'init', '--name', 'Alice', ...servers);
    graphchat(bob, 'init', '--name', 'Bob', ...servers);

    const [invite] = graphchat(alice, 'invite');
    const link = invite!.link as string;
    assert.match(link, /^graphchat:\/invite#[A-Za-z0-9_-]+$/);
    const [joined] = graphchat(bob, 'connect', link);
    const bobsAlice = joined!.contact as string;

    // Alice takes the confirmation and replies; Bob secures his queues and says hello; Alice is connected.
    assert.deepEqual(events(graphchat(alice, 'sync'), 'accepted').map((e) => e.name), ['Bob']);
    assert.deepEqual(events(graphchat(bob, 'sync'), 'connected').map((e) => e.name), ['Alice']);
    assert.deepEqual(events(graphchat(alice, 'sync'), 'connected').map((e) => e.name), ['Bob']);

    const aliceContacts = graphchat(alice, 'contacts');
    assert.equal(aliceContacts.length, 1);
    const { contact: alicesBob, ...bobAsSeen } = aliceContacts[0]!;
    assert.deepEqual(bobAsSeen, { name: 'Bob', status: 'connected', verified: false, channel: 'link' });
    assert.deepEqual(graphchat(bob, 'contacts'), [{ contact: bobsAlice, name: 'Alice', status: 'connected', verified: false, channel: 'link' }]);

    const [sentByAlice] = graphchat(alice, 'send', 'Bob', 'Hi Bob');
    const [sentByBob] = graphchat(bob, 'send', bobsAlice, 'Hi Alice');
    assert.deepEqual(events(graphchat(alice, 'sync'), 'sent').map((e) => e.message), [sentByAlice!.message]);

    const bobSync = graphchat(bob, 'sync');
    assert.deepEqual(events(bobSync, 'message').map((e) => [e.contact, e.text]), [[bobsAlice, 'Hi Bob']]);
    assert.deepEqual(events(bobSync, 'sent').map((e) => e.message), [sentByBob!.message]);

    const aliceSync = graphchat(alice, 'sync');
    assert.deepEqual(events(aliceSync, 'message').map((e) => [e.contact, e.text]), [[alicesBob, 'Hi Alice']]);
    assert.deepEqual(events(aliceSync, 'receipt').map((e) => e.message), [sentByAlice!.message]);
    assert.deepEqual(events(graphchat(bob, 'sync'), 'receipt').map((e) => e.message), [sentByBob!.message]);

    // Written at once, so neither came first: both sides show them in one order (Lamport
    // counter, then message id: devices.md §7), whichever that is.
    const strip = (lines: Json[]) => lines.map(({ message: _m, timestamp: _t, ...rest }) => rest);
    const atAlice = strip(graphchat(alice, 'history', 'Bob'));
    const atBob = strip(graphchat(bob, 'history', 'Alice'));
    const bySender = (lines: Json[], me: string) => lines.map((line) => `${line.direction === 'sent' ? me : 'other'}: ${line.text as string}`);
    assert.deepEqual([...atAlice].sort((a, b) => (a.text as string).localeCompare(b.text as string)), [
      { direction: 'received', text: 'Hi Alice', status: 'received' },
      { direction: 'sent', text: 'Hi Bob', status: 'delivered' },
    ]);
    assert.deepEqual([...atBob].sort((a, b) => (a.text as string).localeCompare(b.text as string)), [
      { direction: 'sent', text: 'Hi Alice', status: 'delivered' },
      { direction: 'received', text: 'Hi Bob', status: 'received' },
    ]);
    assert.deepEqual(
      bySender(atAlice, 'alice').map((line) => line.replace(/^other/, 'bob')),
      bySender(atBob, 'bob').map((line) => line.replace(/^other/, 'alice')),
      'one order on both sides',
    );

    // Both sides compute the same security code; comparing it marks the contact verified.
    const [code] = graphchat(alice, 'code', 'Bob');
    assert.deepEqual(graphchat(bob, 'code', 'Alice'), [{ contact: bobsAlice, code: code!.code }]);
    graphchat(bob, 'verify', 'Alice', code!.code as string);
    assert.equal(graphchat(bob, 'contacts')[0]!.verified, true);
  });
});
