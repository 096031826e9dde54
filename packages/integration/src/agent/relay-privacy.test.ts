// What a relay keeps after real use (issue 3; edge-messaging §1.2, §14.4):
// alice talks to bob and to carol over two relays, then the relays' database
// files are read byte by byte, and their stores through the relay's public
// QueueStore interface (the relay's own tests check its schema). They hold
// no profile, name, contact list or plaintext, and the queues of alice's two
// contacts share no id or key on any relay.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ProfileData } from '@graphchat/client';
import { concatBytes, toHex, utf8 } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { openSqliteStore, type QueueRecord } from 'graphchat-server';
import { startTestRelay, tempDir } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';

const sync = (agents: readonly TestAgent[]) => syncAll(agents, 10_000, 200);

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle)) !== -1;
}

/** The relay's database file and its write-ahead log, as they are on disk now. */
function databaseBytes(dataDir: string): Uint8Array {
  const files = ['relay.db', 'relay.db-wal'].map((name) => join(dataDir, name)).filter((path) => existsSync(path));
  return concatBytes(...files.map((path) => new Uint8Array(readFileSync(path))));
}

describe('what a relay keeps', () => {
  it('no profile, name, contact list or plaintext, and nothing shared by the queues of two contacts', async (t) => {
    const dataDirs = [tempDir(), tempDir()];
    const relays = await Promise.all(dataDirs.map((dataDir) => startTestRelay({ dataDir })));
    let open = true;
    t.after(async () => {
      if (open) for (const relay of relays) await relay.close();
    });
    const addresses = relays.map((r) => r.address);
    const image = concatBytes(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(500));
    const profiles: Record<'alice' | 'bob' | 'carol', ProfileData> = {
      alice: { displayName: 'Alice Quartermaine', fullName: 'Alice Beatrix Quartermaine', status: 'Out sailing until Thursday', image },
      bob: { displayName: 'Bob Nightingale', fullName: 'Robert Tiberius Nightingale', status: 'Ask me about sourdough' },
      carol: { displayName: 'Carol Wexley-Fitch', status: 'Knitting a scarf for the winter' },
    };
    const alice = makeAgent(profiles.alice, addresses);
    const bob = makeAgent(profiles.bob, addresses);
    const carol = makeAgent(profiles.carol, addresses);
    const ab = await connectPair(alice, bob);
    const ac = await connectPair(alice, carol);
    for (const [a, id] of [[alice, ab.aliceSide], [alice, ac.aliceSide], [bob, ab.bobSide], [carol, ac.bobSide]] as const) {
      assert.equal(a.store.getConnection(id)!.status, 'connected');
    }

    const texts = [
      'the treasure is under the old oak tree',
      'meet me at platform nine at noon',
      'the password for the shed is marmalade',
      'carol, bring the blue lantern',
      'undelivered: the boat leaves at dawn',
      'undelivered: bob, feed the cat',
    ];
    alice.agent.send(ab.aliceSide, texts[0]!);
    bob.agent.send(ab.bobSide, texts[1]!);
    carol.agent.send(ac.bobSide, texts[2]!);
    alice.agent.send(ac.aliceSide, texts[3]!);
    const newStatus = 'Back home, call me on the landline';
    alice.agent.updateProfile(alice.agent.activeProfile().id, { ...profiles.alice, status: newStatus });
    await sync([alice, bob, carol]);
    await sync([alice, bob, carol]);
    assert.equal(carol.agent.findContact(ac.bobSide).profile?.status, newStatus);
    // Written at once on both sides: one counter each, so either may come first (devices.md §7).
    assert.deepEqual(carol.agent.history(ac.bobSide).map((m) => m.text).sort(), [texts[2], texts[3]].sort());
    // These stay on the relays: their recipients do not sync again.
    alice.agent.send(ac.aliceSide, texts[4]!);
    await sync([alice]);
    bob.agent.send(ab.bobSide, texts[5]!);
    await sync([bob]);
    const waiting = (await Promise.all(relays.map((r) => r.relay.options.store.stats()))).reduce((n, s) => n + s.messages, 0);
    assert.ok(waiting >= 4, `undelivered messages are stored on the relays (${waiting})`);

    const needles: [string, Uint8Array][] = [
      ...texts.map((text): [string, Uint8Array] => [text, utf8(text)]),
      ...Object.values(profiles).flatMap((p) => [p.displayName, p.fullName, p.status].flatMap((v): [string, Uint8Array][] => (v === undefined ? [] : [[v, utf8(v)]]))),
      ...['Quartermaine', 'Nightingale', 'Wexley', 'treasure', 'marmalade', 'landline'].map((v): [string, Uint8Array] => [v, utf8(v)]),
      [newStatus, utf8(newStatus)],
      ['image', image.subarray(200, 232)],
      ['image header', image.subarray(0, 24)],
    ];
    const aliceQueue = alice.store.getConnection(ab.aliceSide)!.receiveQueues[0]!;
    const check = (label: string, bytes: Uint8Array) => {
      for (const [name, needle] of needles) assert.ok(!contains(bytes, needle), `${label} contains "${name}"`);
    };
    // While running: the database and its write-ahead log.
    const running = dataDirs.map(databaseBytes);
    assert.ok(running.some((bytes) => contains(bytes, aliceQueue.recipientId)), "control: the files hold the queues' ids in the clear");
    running.forEach((bytes, i) => check(`relay ${i} database (running)`, bytes));

    for (const relay of relays) await relay.close();
    open = false;
    // Every queue of the four connections' sides, by recipient id: what each relay could hold.
    const recipientIds = [alice, bob, carol].flatMap(({ store }) => store.listConnections().flatMap((c) => c.receiveQueues.map((q) => q.recipientId)));
    const rows: QueueRecord[][] = [];
    for (const [i, dataDir] of dataDirs.entries()) {
      check(`relay ${i} database (closed)`, databaseBytes(dataDir));
      const store = openSqliteStore(join(dataDir, 'relay.db'));
      try {
        const held = (await Promise.all(recipientIds.map((id) => store.queueByRecipientId(id)))).filter((q): q is QueueRecord => q !== null);
        const stats = await store.stats();
        assert.equal(stats.queues, held.length, `relay ${i} holds no queue but those of the four connections' sides`);
        // Every message the relay holds: read each queue's first, then acknowledge it (on this copy) to reach the next.
        let messages = 0;
        for (const queue of held) {
          for (let message = await store.firstMessage(queue.recipientId); message !== null; message = await store.firstMessage(queue.recipientId)) {
            check(`relay ${i} message`, message.body);
            messages++;
            await store.ackMessage(queue.recipientId, message.msgId);
          }
        }
        assert.equal(messages, stats.messages, `relay ${i}: every stored message was read`);
        assert.ok(messages >= 2, `relay ${i} holds undelivered messages`);
        rows.push(held);
      } finally {
        await store.close();
      }
    }

    // Which queue rows belong to which of alice's contacts: both sides' receive queues of that connection.
    const connectionOf = new Map<string, 'bob' | 'carol'>();
    const expectedSenderKey = new Map<string, string>();
    for (const [contact, sides] of [['bob', [[alice, ab.aliceSide], [bob, ab.bobSide]]], ['carol', [[alice, ac.aliceSide], [carol, ac.bobSide]]]] as const) {
      for (const [agent, id] of sides) {
        const connection = agent.store.getConnection(id)!;
        for (const queue of connection.receiveQueues) {
          connectionOf.set(toHex(queue.recipientId), contact);
          expectedSenderKey.set(toHex(queue.recipientId), toHex(queue.peerSenderKey!));
        }
      }
    }
    const owners = new Map<string, string>();
    for (const [i, relayRows] of rows.entries()) {
      assert.equal(relayRows.length, 4, `relay ${i}: one queue per direction of each connection, nothing else`);
      const byContact = { bob: 0, carol: 0 };
      for (const row of relayRows) {
        const contact = connectionOf.get(toHex(row.recipientId));
        assert.ok(contact !== undefined, `relay ${i}: a queue of neither connection`);
        byContact[contact]++;
        assert.ok(row.senderKey !== null, 'every queue is secured');
        assert.equal(toHex(row.senderKey), expectedSenderKey.get(toHex(row.recipientId)), "the sender key is the peer's for this queue");
        assert.equal(row.suspended, false);
        for (const [field, value] of [
          ['recipient id', row.recipientId],
          ['sender id', row.senderId],
          ['recipient key', row.recipientKey],
          ['sender key', row.senderKey],
          ['queue secret', row.dhSecret],
        ] as const) {
          const owner: string = `relay ${i} ${contact} ${field}`;
          const previous = owners.get(toHex(value));
          assert.equal(previous, undefined, `${owner} is also ${previous}`);
          owners.set(toHex(value), owner);
        }
      }
      assert.deepEqual(byContact, { bob: 2, carol: 2 });
    }
    // Every id and key is 24 or 32 bytes; none appears in two queues, on either relay, whoever they belong to.
    assert.equal(owners.size, 2 * 4 * 5);
  });
});
