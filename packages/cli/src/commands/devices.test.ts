import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run, withContacts } from '../test-support/run-main.js';
import type { FakeSessions } from '../test-support/fake-agent.js';
import { deviceJson, deviceLines } from './devices.js';

const PHONE = '0123456789abcdef';
const LAPTOP = 'fedcba9876543210';

/** withContacts, on a phone with a laptop linked. */
function withLaptop(): FakeSessions {
  const sessions = withContacts();
  sessions.agent.deviceList.push({ device: LAPTOP, name: 'laptop', lastSeen: 86_400_000, this: false, removed: false, connected: true });
  return sessions;
}

const errorOf = (result: { stdout: { json(): unknown[] } }): string => (result.stdout.json()[0] as { error: string }).error;

describe('devices: JSON and the table', () => {
  it('"this": true only on this device', () => {
    assert.deepEqual(deviceJson({ device: PHONE, name: 'phone', lastSeen: null, this: true, removed: false, connected: true }), {
      device: PHONE,
      name: 'phone',
      lastSeen: null,
      this: true,
      removed: false,
      connected: true,
    });
    assert.equal('this' in deviceJson({ device: LAPTOP, name: 'laptop', lastSeen: 5, this: false, removed: true, connected: false }), false);
  });

  it('one row a device, columns aligned', () => {
    assert.deepEqual(
      deviceLines([
        { device: PHONE, name: 'phone', lastSeen: null, this: true, removed: false, connected: true },
        { device: LAPTOP, name: 'laptop', lastSeen: 0, this: false, removed: false, connected: false },
      ]),
      [
        'DEVICE            NAME    STATE                              LAST SEEN',
        `${PHONE}  phone   this device                        -`,
        `${LAPTOP}  laptop  linking (finishes when both sync)  1970-01-01T00:00:00.000Z`,
      ],
    );
  });
});

describe('graphchat devices, device remove, device code', () => {
  it('devices: one object a device, this one first', async () => {
    const result = await run(['--json', 'devices'], { sessions: withLaptop() });
    assert.deepEqual(result.stdout.json(), [
      { device: PHONE, name: 'phone', lastSeen: null, this: true, removed: false, connected: true },
      { device: LAPTOP, name: 'laptop', lastSeen: 86_400_000, removed: false, connected: true },
    ]);
    const human = await run(['devices'], { sessions: withLaptop() });
    assert.match(human.stdout.lines()[0]!, /^DEVICE +NAME +STATE +LAST SEEN$/);
    assert.equal(human.stdout.lines().length, 3);
  });

  it('device remove by name or id; this device, an unknown one and a shared name are refused', async () => {
    const sessions = withLaptop();
    const removed = await run(['--json', 'device', 'remove', 'laptop'], { sessions });
    assert.equal(removed.code, 0);
    assert.deepEqual(removed.stdout.json(), [{ device: LAPTOP, name: 'laptop', lastSeen: 86_400_000, removed: true, connected: false }]);
    assert.deepEqual(sessions.agent.calls, [`removeDevice ${LAPTOP}`]);
    assert.equal(errorOf(await run(['--json', 'device', 'remove', 'phone'], { sessions })), 'NO_DEVICE');
    assert.equal(errorOf(await run(['--json', 'device', 'remove', 'tablet'], { sessions })), 'NO_DEVICE');
    sessions.agent.deviceList.push({ device: '1111111111111111', name: 'pad', lastSeen: null, this: false, removed: false, connected: true }, { device: '2222222222222222', name: 'pad', lastSeen: null, this: false, removed: false, connected: true });
    const ambiguous = await run(['--json', 'device', 'remove', 'pad'], { sessions });
    assert.equal(ambiguous.code, 1);
    assert.equal(errorOf(ambiguous), 'AMBIGUOUS_DEVICE');
  });

  it('device code: the same digits on both devices', async () => {
    const result = await run(['--json', 'device', 'code', LAPTOP], { sessions: withLaptop() });
    assert.deepEqual(result.stdout.json(), [{ device: LAPTOP, code: '11111 22222' }]);
    assert.equal((await run(['device', 'code', 'laptop'], { sessions: withLaptop() })).stdout.text, '11111 22222\n');
  });

  it('argument errors are usage errors (exit 2)', async () => {
    for (const argv of [['devices', 'x'], ['device', 'remove'], ['device', 'code', 'a', 'b'], ['device', 'remove', ' ']]) {
      const result = await run(argv, { sessions: withLaptop() });
      assert.equal(result.code, 2, argv.join(' '));
    }
  });
});

describe('graphchat device link', () => {
  it('prints the link, waits for the device to join, then prints it with the security code', async () => {
    const sessions = withContacts();
    sessions.agent.events = [{ event: 'device-linked', device: LAPTOP, name: 'laptop' }];
    sessions.agent.deviceList.push({ device: LAPTOP, name: 'laptop', lastSeen: null, this: false, removed: false, connected: true });
    const result = await run(['--json', 'device', 'link', '--history', '--name', 'phone', '--qr'], { sessions });
    assert.equal(result.code, 0, result.stderr.text);
    const expires = (result.stdout.json()[0] as { expires: number }).expires;
    assert.ok(expires > Date.now() + 500_000, 'expires in 10 minutes');
    assert.deepEqual(result.stdout.json(), [
      { link: sessions.agent.deviceLink, profile: 'p1', expires, qr: `QR(${sessions.agent.deviceLink.length})\n` },
      { event: 'device-linked', device: LAPTOP, name: 'laptop' },
      { linked: { device: LAPTOP, name: 'laptop', code: '11111 22222' } },
    ]);
    assert.deepEqual(sessions.agent.calls.slice(0, 1), ['linkDevice p1 history phone']);
  });

  it('one link per --profile; unknown profile NO_PROFILE', async () => {
    const sessions = withContacts();
    sessions.agent.createProfile({ displayName: 'work', relays: ['emp://f@h:1'] });
    sessions.agent.events = [{ event: 'device-linked', device: LAPTOP, name: 'laptop' }];
    sessions.agent.eventsOnce = true;
    const result = await run(['--json', 'device', 'link', '--profile', 'alice', '--profile', 'p2', '--timeout', '0.05'], { sessions });
    assert.deepEqual(sessions.agent.calls.filter((c) => c.startsWith('linkDevice')), ['linkDevice p1 - -', 'linkDevice p2 - -']);
    assert.deepEqual(result.stdout.json().filter((line) => 'link' in (line as object)).map((line) => (line as { profile: string }).profile), ['p1', 'p2']);
    // One device-linked for two links: the other was not used.
    assert.equal(result.code, 1);
    assert.match(result.stderr.text, /1 of 2 links not used/);
    assert.equal(errorOf(await run(['--json', 'device', 'link', '--profile', 'nobody'], { sessions })), 'NO_PROFILE');
  });

  it('no device joined before the timeout: NOT_LINKED, exit 1', async () => {
    const result = await run(['--json', 'device', 'link', '--timeout', '0.05'], { sessions: withContacts() });
    assert.equal(result.code, 1);
    assert.equal((result.stdout.json().at(-1) as { error: string }).error, 'NOT_LINKED');
  });

  it('argument errors', async () => {
    for (const argv of [['device', 'link', 'x'], ['device', 'link', '--timeout', '0'], ['device', 'link', '--name', ''], ['device', 'link', '--history', '--history', '--bogus']]) {
      assert.equal((await run(argv, { sessions: withContacts() })).code, 2, argv.join(' '));
    }
  });
});

describe('graphchat device join', () => {
  it('creates the database if the directory has none, joins, waits for the profile, prints the ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphchat-join-'));
    try {
      const sessions = withContacts();
      sessions.agent.events = [
        { event: 'device-linked', device: PHONE, name: 'phone' },
        { event: 'device-profile', profile: 'p2', name: 'alice' },
      ];
      const link = sessions.agent.deviceLink;
      const result = await run(['--dir', dir, '--json', 'device', 'join', link, '--name', 'laptop'], { sessions });
      assert.equal(result.code, 0, result.stderr.text);
      assert.deepEqual(sessions.opened.map((o) => o.create), [true]);
      assert.deepEqual(sessions.agent.calls.slice(0, 1), [`joinDevice ${link} laptop`]);
      assert.deepEqual(result.stdout.json(), [
        { device: PHONE, profile: 'p2', linked: false },
        { event: 'device-linked', device: PHONE, name: 'phone' },
        { event: 'device-profile', profile: 'p2', name: 'alice' },
        { device: PHONE, profile: 'p2', linked: true },
      ]);
      // An existing database: opened, not created; the name defaults to the host name.
      writeFileSync(join(dir, 'graphchat.db'), '');
      sessions.agent.events = [sessions.agent.events[0]!, { event: 'device-profile', profile: 'p3', name: 'alice' }];
      await run(['--dir', dir, '--json', 'device', 'join', link], { sessions });
      assert.deepEqual(sessions.opened.map((o) => o.create), [true, false]);
      assert.ok(sessions.agent.calls.includes(`joinDevice ${link} ${hostname()}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two links (two profiles): joins both, waits for both channels and profiles, one line each', async () => {
    const sessions = withContacts();
    sessions.agent.eventsOnce = true;
    sessions.agent.events = [
      { event: 'device-linked', device: PHONE, name: 'phone' },
      { event: 'device-profile', profile: 'p2', name: 'alice' },
      { event: 'device-linked', device: PHONE, name: 'phone' },
      { event: 'device-profile', profile: 'p3', name: 'work' },
    ];
    const link = sessions.agent.deviceLink;
    const result = await run(['--json', 'device', 'join', link, link, '--name', 'laptop'], { sessions });
    assert.equal(result.code, 0, result.stderr.text);
    assert.deepEqual(
      result.stdout.json().filter((line) => 'linked' in (line as object)),
      [
        { device: PHONE, profile: 'p2', linked: false },
        { device: PHONE, profile: 'p3', linked: false },
        { device: PHONE, profile: 'p2', linked: true },
        { device: PHONE, profile: 'p3', linked: true },
      ],
    );
  });

  it('nothing shared before the timeout: exit 1, the database kept for sync to finish; a bad link removes it', async () => {
    const sessions = withContacts();
    const waited = await run(['--json', 'device', 'join', sessions.agent.deviceLink, '--timeout', '0.05'], { sessions });
    assert.equal(waited.code, 1);
    assert.match(waited.stderr.text, /run "graphchat sync" on both/);
    assert.equal(sessions.discarded, 0);
    const bad = await run(['--json', 'device', 'join', 'graphchat:/invite#xyz'], { sessions });
    assert.equal(errorOf(bad), 'BAD_INVITATION');
    assert.equal(sessions.discarded, 1);
  });

  it('argument errors', async () => {
    for (const argv of [['device', 'join'], ['device', 'join', 'L', ' '], ['device', 'join', 'L', '--timeout', 'x'], ['device', 'join', 'L', '--name', '']]) {
      assert.equal((await run(argv, { sessions: withContacts() })).code, 2, argv.join(' '));
    }
  });
});
