import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { MemoryStore } from '@graphchat/client';
import { formatRelayAddress, parseRelayAddress, toHex } from '@graphchat/core';
import { connectPair, makeAgent, syncAll } from './agent-fixtures.js';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

describe('agent over two real relays', () => {
  let relays: Relay[] = [];
  before(async () => {
    relays = [await startTestRelay(), await startTestRelay()];
  });
  after(async () => {
    for (const relay of relays) await relay.close();
  });

  it('connects by invitation and exchanges messages both ways with receipts', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(alice.agent.findContact(aliceSide).status, 'connected');
    assert.equal(bob.agent.findContact(bobSide).status, 'connected');
    assert.equal(alice.agent.findContact(aliceSide).name, 'bob');
    assert.equal(bob.agent.findContact(bobSide).name, 'alice');
    assert.equal(alice.agent.securityCode(aliceSide), bob.agent.securityCode(bobSide));

    alice.agent.send(aliceSide, 'hello bob');
    bob.agent.send(bobSide, 'hello alice');
    await syncAll([alice, bob]);
    await syncAll([alice, bob]);
    // Written at once (devices.md §7: one counter each): both sides show them in one order, each with its state.
    const shown = (side: typeof alice, id: string): string[][] => side.agent.history(id).map((m) => [m.direction, m.text, m.status]);
    assert.deepEqual(
      shown(bob, bobSide).sort((x, y) => x[1]!.localeCompare(y[1]!)),
      [
        ['sent', 'hello alice', 'delivered'],
        ['received', 'hello bob', 'received'],
      ],
    );
    assert.deepEqual(
      shown(alice, aliceSide).sort((x, y) => x[1]!.localeCompare(y[1]!)),
      [
        ['received', 'hello alice', 'received'],
        ['sent', 'hello bob', 'delivered'],
      ],
    );
    assert.deepEqual(
      shown(alice, aliceSide).map((m) => m[1]),
      shown(bob, bobSide).map((m) => m[1]),
    );
  });

  it('a contact address takes requests that its owner accepts or declines', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const carol = makeAgent('carol', addresses);
    const { link } = await alice.agent.contactAddress();
    assert.match(link, /^graphchat:\/contact#/);
    assert.equal((await alice.agent.contactAddress()).link, link, 'one address per profile');

    const { contactId: bobsAlice } = await bob.agent.connect(link);
    const { contactId: carolsAlice } = await carol.agent.connect(link);
    await assert.rejects(bob.agent.connect(link), { code: 'INVITATION_USED' });
    await syncAll([alice]);
    const requests = alice.events.filter((e) => e.event === 'request');
    assert.deepEqual(requests.map((e) => (e as { name: string }).name).sort(), ['bob', 'carol'], 'one request each, copies through the second relay dropped');
    const byName = (name: string) => alice.agent.contacts().find((c) => c.name === name)!;
    assert.equal(byName('bob').request, true);
    assert.equal(byName('bob').status, 'pending');

    await alice.agent.acceptRequest(byName('bob').id);
    alice.agent.declineRequest(byName('carol').id);
    for (let i = 0; i < 4; i++) await syncAll([alice, bob, carol]);
    assert.equal(byName('bob').status, 'connected');
    assert.equal(bob.agent.findContact(bobsAlice).status, 'connected');
    assert.equal(bob.agent.findContact(bobsAlice).name, 'alice');
    assert.equal(byName('carol').status, 'failed');
    assert.equal(carol.agent.findContact(carolsAlice).status, 'pending');
    assert.equal(alice.agent.securityCode(byName('bob').id), bob.agent.securityCode(bobsAlice));

    bob.agent.send(bobsAlice, 'found you');
    await syncAll([bob]);
    await syncAll([alice]);
    assert.deepEqual(alice.agent.history(byName('bob').id).map((m) => m.text), ['found you']);
  });

  it('an invitation is used once: a second joiner and a second join fail with INVITATION_USED', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const carol = makeAgent('carol', addresses);
    const { link, contactId } = await alice.agent.createInvitation();
    await assert.rejects(alice.agent.connect(link), { code: 'OWN_INVITATION' });
    await bob.agent.connect(link);
    await assert.rejects(bob.agent.connect(link), { code: 'INVITATION_USED' });
    await syncAll([alice]); // Alice accepts Bob's confirmation and secures her queues.
    await assert.rejects(carol.agent.connect(link), { code: 'INVITATION_USED' });
    const [carolsAttempt] = carol.agent.contacts();
    assert.equal(carolsAttempt!.status, 'failed');
    await carol.agent.stop(); // Its sessions stay open after a failed join, as after any join.
    await syncAll([bob, alice]);
    assert.equal(alice.agent.findContact(contactId).name, 'bob');
    assert.equal(alice.agent.findContact(contactId).status, 'connected');
  });

  it('a profile edit reaches every contact of that profile', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const carol = makeAgent('carol', addresses);
    const withBob = await connectPair(alice, bob);
    const withCarol = await connectPair(alice, carol);
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    alice.agent.updateProfile(alice.agent.activeProfile().id, { displayName: 'Alice L.', fullName: 'Alice Liddell', image, status: 'away' });
    await syncAll([alice]);
    await syncAll([bob, carol]);
    for (const [peer, id] of [[bob, withBob.bobSide], [carol, withCarol.bobSide]] as const) {
      const contact = peer.agent.findContact(id);
      assert.equal(contact.name, 'Alice L.');
      assert.deepEqual(contact.profile, { displayName: 'Alice L.', fullName: 'Alice Liddell', image, status: 'away' });
      assert.ok(peer.events.some((e) => e.event === 'profile' && e.contact === id));
    }
  });

  it('a peer skipping sequence numbers: a small gap is held unseen, a gap over 1,000 is rejected', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    await alice.agent.stop();
    // A hostile client: the same keys, its sequence numbers moved ahead (a fresh agent reads the changed store).
    const skipAhead = (by: number) =>
      alice.store.transaction(() => {
        const connection = alice.store.getConnection(aliceSide)!;
        alice.store.putConnection({ ...connection, lastSentSeq: connection.lastSentSeq + by });
      });
    skipAhead(4);
    const hostile = makeAgent('alice', addresses, alice.store);
    hostile.agent.send(aliceSide, 'a little ahead');
    await syncAll([hostile]);
    await syncAll([bob]);
    assert.deepEqual(bob.agent.history(bobSide), [], 'held, not shown, until the gap fills');
    assert.equal(bob.store.countHeld(bobSide), 1);

    skipAhead(1000);
    const further = makeAgent('alice', addresses, alice.store);
    further.agent.send(aliceSide, 'far ahead');
    await syncAll([further]);
    await syncAll([bob]);
    assert.equal(bob.store.countHeld(bobSide), 1, 'not held');
    assert.ok(bob.events.some((e) => e.event === 'rejected' && /more than 1000 ahead/.test(e.reason)));
    assert.deepEqual(bob.agent.history(bobSide), []);
  });

  it('a profile with a session per connection shows the relay one session per contact', async () => {
    const relay = await startTestRelay();
    try {
      const sessionsOpen = async (perConnection: boolean): Promise<number> => {
        const alice = makeAgent({ displayName: 'alice' }, [relay.address]);
        if (perConnection) {
          const separate = alice.agent.createProfile({ displayName: 'alice', relays: [relay.address], sessionPerConnection: true });
          alice.agent.setActiveProfile(separate.id);
        }
        const bob = makeAgent('bob', [relay.address]);
        const carol = makeAgent('carol', [relay.address]);
        await connectPair(alice, bob);
        await connectPair(alice, carol);
        await Promise.all([alice, bob, carol].map((a) => a.agent.start()));
        const open = relay.relay.counters.connections;
        await Promise.all([alice, bob, carol].map((a) => a.agent.stop()));
        while (relay.relay.counters.connections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
        return open;
      };
      assert.equal(await sessionsOpen(false), 3, 'alice, bob and carol: one session each');
      assert.equal(await sessionsOpen(true), 4, "alice's two contacts on two sessions");
    } finally {
      await relay.close();
    }
  });

  it('a message whose storing fails is not acknowledged: the relay delivers it again and it is shown once', async () => {
    const addresses = relays.map((r) => r.address);
    /** A store whose transactions fail while `failing` is set, as a full disk would make them. */
    class FailingStore extends MemoryStore {
      failing = false;
      override transaction<T>(fn: () => T): T {
        if (this.failing) throw new Error('disk full');
        return super.transaction(fn);
      }
    }
    const bobStore = new FailingStore();
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses, bobStore);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    alice.agent.send(aliceSide, 'kept safe');
    await syncAll([alice]);
    bobStore.failing = true;
    await syncAll([bob]);
    bobStore.failing = false;
    assert.ok(bob.events.some((e) => e.event === 'rejected' && /not stored, to be delivered again: disk full/.test(e.reason)));
    assert.deepEqual(bob.agent.history(bobSide), []);
    await syncAll([bob]);
    assert.deepEqual(bob.agent.history(bobSide).map((m) => m.text), ['kept safe']);
    await syncAll([alice]);
    assert.deepEqual(alice.agent.history(aliceSide).map((m) => m.status), ['delivered']);
  });

  it('two queues per relay: messages alternate between them and arrive once, in order', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent({ displayName: 'alice', queuesPerRelay: 2 }, addresses);
    const bob = makeAgent({ displayName: 'bob', queuesPerRelay: 2 }, addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(alice.store.getConnection(aliceSide)!.receiveQueues.length, 4);
    assert.equal(alice.store.getConnection(aliceSide)!.sendQueues.length, 4);
    const texts = Array.from({ length: 20 }, (_, i) => `message ${i}`);
    for (const text of texts) alice.agent.send(aliceSide, text);
    // Alice's sync seals them: each message goes once to each relay, to its two queues in turn.
    const used = new Set<string>();
    const enqueued: number[] = [];
    const addOutbox = alice.store.addOutbox.bind(alice.store);
    alice.store.addOutbox = (item) => {
      used.add(toHex(item.senderId));
      enqueued.push(item.seq);
      return addOutbox(item);
    };
    await syncAll([alice]);
    assert.equal(enqueued.filter((seq) => seq > 1).length, 2 * texts.length, 'one copy per relay');
    assert.equal(used.size, 4, 'all four queues carry messages');
    for (let i = 0; i < 3; i++) await syncAll([alice, bob]);
    assert.deepEqual(bob.agent.history(bobSide).map((m) => m.text), texts);
    assert.equal(bob.events.filter((e) => e.event === 'message').length, texts.length);
    assert.deepEqual(alice.agent.history(aliceSide).map((m) => m.status), texts.map(() => 'delivered'));
  });
  it("a profile's relays can change: new invitations use the new ones, and a relay test checks identity and reachability", async () => {
    const [first, second] = relays.map((r) => r.address) as [string, string];
    const alice = makeAgent('alice', [first]);
    const profile = alice.agent.activeProfile();
    alice.agent.updateRelays(profile.id, [second]);
    assert.deepEqual(alice.agent.activeProfile().relays, [second]);
    const { contactId } = await alice.agent.createInvitation();
    assert.deepEqual(alice.store.getConnection(contactId)!.receiveQueues.map((q) => q.relay), [second]);
    assert.throws(() => alice.agent.updateRelays(profile.id, []), { name: 'AgentError', code: 'NO_RELAYS' });
    assert.throws(() => alice.agent.updateRelays(profile.id, ['not a relay']), { name: 'AgentError', code: 'BAD_RELAY_ADDRESS' });

    await alice.agent.testRelay(first);
    const impostor = formatRelayAddress({ ...parseRelayAddress(first), fingerprint: new Uint8Array(32).fill(7) });
    await assert.rejects(alice.agent.testRelay(impostor), { name: 'AgentError', code: 'RELAY_UNREACHABLE' });
    const closed = formatRelayAddress({ ...parseRelayAddress(first), port: 1 });
    await assert.rejects(alice.agent.testRelay(closed), { name: 'AgentError', code: 'RELAY_UNREACHABLE' });
    await alice.agent.stop(); // createInvitation opened a relay session
  });
});

