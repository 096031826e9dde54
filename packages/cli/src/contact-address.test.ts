// Contact addresses and several profiles end to end: two real relay
// processes and three terminal clients run as processes. Bob and Carol send
// requests to Alice's long-term address; Alice accepts Bob and declines
// Carol; Alice and Bob then talk. A second profile has its own address.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killSpawnedRelays, spawnRelay } from 'graphchat-server/test-support';
import { graphchat as run } from './test-support/cli-process.js';
import type { Json } from './test-support/cli-process.js';

const PASSPHRASE = 'contact address test';
const SYNC = ['sync', '--timeout', '10'];

const graphchat = (dir: string, ...args: string[]): Json[] => run(dir, PASSPHRASE, args);
const events = (lines: Json[], event: string) => lines.filter((line) => line.event === event);

describe('contact address: request, accept, decline (processes, two relays)', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'graphchat-address-'));
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => join(root, name)) as [string, string, string];
  let servers: string[] = [];

  before(async () => {
    const relays = [(await spawnRelay(join(root, 'relay1'))).address, (await spawnRelay(join(root, 'relay2'))).address];
    servers = relays.flatMap((relay) => ['--server', relay]);
  });
  after(() => {
    killSpawnedRelays();
    rmSync(root, { recursive: true, force: true });
  });

  it('requests through the address wait for accept or decline; an accepted one connects', () => {
    graphchat(alice, 'init', '--name', 'Alice', ...servers);
    graphchat(bob, 'init', '--name', 'Bob', '--session-per-connection', ...servers);
    graphchat(carol, 'init', '--name', 'Carol', ...servers);

    // One long-term address, made once.
    const [first] = graphchat(alice, 'address');
    const address = first!.address as string;
    assert.equal(typeof address, 'string');
    assert.deepEqual(graphchat(alice, 'address'), [{ address }]);

    const [bobJoined] = graphchat(bob, 'connect', address);
    const bobsAlice = bobJoined!.contact as string;
    const [carolJoined] = graphchat(carol, 'connect', address);
    assert.deepEqual(graphchat(bob, 'contacts'), [{ contact: bobsAlice, name: '', status: 'pending', verified: false, channel: 'link' }]);

    // Alice sees both requests, once each, as pending contacts marked "request".
    const requests = events(graphchat(alice, ...SYNC), 'request');
    assert.deepEqual(requests.map((e) => e.name).sort(), ['Bob', 'Carol']);
    const alicesBob = requests.find((e) => e.name === 'Bob')!.contact as string;
    const alicesCarol = requests.find((e) => e.name === 'Carol')!.contact as string;
    const byName = (lines: Json[]) => Object.fromEntries(lines.map(({ name, ...rest }) => [name, rest]));
    assert.deepEqual(byName(graphchat(alice, 'contacts')), {
      Bob: { contact: alicesBob, status: 'pending', verified: false, channel: 'link', request: true },
      Carol: { contact: alicesCarol, status: 'pending', verified: false, channel: 'link', request: true },
    });

    assert.deepEqual(graphchat(alice, 'accept', 'Bob'), [{ contact: alicesBob, accepted: true }]);
    assert.deepEqual(graphchat(alice, 'decline', alicesCarol), [{ contact: alicesCarol, declined: true }]);
    run(alice, PASSPHRASE, ['accept', 'Carol'], { expectFailure: true });

    // Bob takes the confirmation, Alice and Bob complete the handshake.
    const connected = { alice: [] as unknown[], bob: [] as unknown[] };
    for (let round = 0; round < 4 && (connected.alice.length === 0 || connected.bob.length === 0); round++) {
      connected.bob.push(...events(graphchat(bob, ...SYNC), 'connected').map((e) => [e.contact, e.name]));
      connected.alice.push(...events(graphchat(alice, ...SYNC), 'connected').map((e) => [e.contact, e.name]));
    }
    assert.deepEqual(connected, { alice: [[alicesBob, 'Bob']], bob: [[bobsAlice, 'Alice']] });

    // The declined request has failed: left out of `contacts`, listed by `contacts --all`.
    assert.deepEqual(byName(graphchat(alice, 'contacts')), {
      Bob: { contact: alicesBob, status: 'connected', verified: false, channel: 'link' },
    });
    const all = byName(graphchat(alice, 'contacts', '--all'));
    assert.deepEqual(Object.keys(all), ['Bob', 'Carol']);
    const { failure, ...carolAsSeen } = all['Carol'] as Json;
    assert.deepEqual(carolAsSeen, { contact: alicesCarol, status: 'failed', verified: false, channel: 'link' });
    assert.equal(typeof failure, 'string');
    assert.deepEqual(graphchat(bob, 'contacts'), [{ contact: bobsAlice, name: 'Alice', status: 'connected', verified: false, channel: 'link' }]);

    // They talk, with receipts.
    const [sent] = graphchat(alice, 'send', 'Bob', 'welcome, Bob');
    graphchat(alice, ...SYNC);
    const bobSync = graphchat(bob, ...SYNC);
    assert.deepEqual(events(bobSync, 'message').map((e) => [e.contact, e.text]), [[bobsAlice, 'welcome, Bob']]);
    assert.deepEqual(events(graphchat(alice, ...SYNC), 'receipt').map((e) => e.message), [sent!.message]);

    // Carol never hears back: her contact stays pending.
    graphchat(carol, ...SYNC);
    assert.deepEqual(graphchat(carol, 'contacts'), [{ contact: carolJoined!.contact, name: '', status: 'pending', verified: false, channel: 'link' }]);
  });

  it('a second profile has its own contacts and its own address', () => {
    const [work] = graphchat(alice, 'profile', 'new', '--name', 'Alice at work', '--session-per-connection');
    assert.deepEqual(work, { profile: work!.profile, name: 'Alice at work', relays: servers.filter((s) => s !== '--server'), sessionPerConnection: true });
    const [personal] = graphchat(alice, 'profile');
    assert.deepEqual(graphchat(alice, 'profiles'), [
      { profile: personal!.profile, name: 'Alice', active: true },
      { profile: work!.profile, name: 'Alice at work', active: false },
    ]);
    assert.deepEqual(graphchat(alice, 'profile', 'use', 'Alice at work'), [{ profile: work!.profile, name: 'Alice at work', active: true }]);
    assert.deepEqual(graphchat(alice, 'contacts'), []);
    const [workAddress] = graphchat(alice, 'address');
    graphchat(alice, 'profile', 'use', personal!.profile as string);
    const [personalAddress] = graphchat(alice, 'address');
    assert.notEqual(workAddress!.address, personalAddress!.address);
    assert.equal(graphchat(alice, 'contacts', '--all').length, 2);
  });
});
