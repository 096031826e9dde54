/**
 * Issue 13: moving live connections between relays (graph-chat §8.6). Real
 * relay processes: alice and bob on relays A and B both move to C and D
 * while texts flow both ways; then A and B are killed and delivery goes on;
 * every text arrives once and in order, and A and B hold no queue of theirs.
 * Also: rotation on schedule and on demand, rekey, and a contact whose
 * client speaks version 2.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryStore, type AgentStore } from '@graphchat/client';
import { formatInvitationLink, isUnsignedEnvelope, parseInvitationLink, toHex, verifyProofBundle } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { openSqliteStore } from 'graphchat-server';
import { killSpawnedRelays } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll, type TestAgent } from './agent-fixtures.js';
import { RelayUnderTest } from './relay-processes.js';

after(killSpawnedRelays);

const sync = (agents: readonly TestAgent[], timeoutMs = 8000): Promise<void> => syncAll(agents, timeoutMs, 150);

function shown(side: TestAgent, contact: string): string[] {
  return side.events.flatMap((e) => (e.event === 'message' && e.contact === contact ? [e.text] : []));
}

function receiveIds(store: AgentStore, contact: string): string[] {
  return store.getConnection(contact)!.receiveQueues.map((q) => toHex(q.recipientId));
}

const relaysOf = (queues: readonly { relay: string; state?: string }[]): string[] => [...new Set(queues.map((q) => q.relay))].sort();

/** Syncs until `done` holds (at most `rounds` syncs). */
async function syncUntil(agents: readonly TestAgent[], done: () => boolean, rounds = 12): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await sync(agents);
}

function settled(side: TestAgent, contact: string): boolean {
  const info = side.agent.findContact(contact);
  return info.move === null && info.queues.every((q) => q.state === undefined) && info.peerQueues.every((q) => q.state === undefined);
}

describe('moving connections between relays (graph-chat §8.6)', () => {
  it('two users on A and B both move to C and D while texts flow both ways; A and B then die and nothing is lost', async () => {
    const [a, b, c, d] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start(), RelayUnderTest.start(), RelayUnderTest.start()]);
    const alice = makeAgent('alice', [a!.address, b!.address]);
    const bob = makeAgent('bob', [a!.address, b!.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    const oldIds = { alice: receiveIds(alice.store, aliceSide), bob: receiveIds(bob.store, bobSide) };
    const fromAlice: string[] = [];
    const fromBob: string[] = [];
    const talk = (round: number): void => {
      for (let i = 0; i < 3; i++) {
        const t1 = `alice ${round}.${i}`;
        alice.agent.send(aliceSide, t1);
        fromAlice.push(t1);
        const t2 = `bob ${round}.${i}`;
        bob.agent.send(bobSide, t2);
        fromBob.push(t2);
      }
    };
    talk(0);
    const profileA = alice.agent.activeProfile().id;
    const profileB = bob.agent.activeProfile().id;
    alice.agent.updateRelays(profileA, [c!.address, d!.address]);
    talk(1);
    bob.agent.updateRelays(profileB, [c!.address, d!.address]);
    for (let round = 2; round < 8 && !(settled(alice, aliceSide) && settled(bob, bobSide)); round++) {
      talk(round);
      await sync([alice, bob]);
    }
    await syncUntil([alice, bob], () => settled(alice, aliceSide) && settled(bob, bobSide));
    const cd = relaysOf([{ relay: c!.address }, { relay: d!.address }]);
    for (const [side, contact] of [[alice, aliceSide], [bob, bobSide]] as const) {
      const info = side.agent.findContact(contact);
      assert.deepEqual(relaysOf(info.queues), cd, 'receive queues on C and D');
      assert.deepEqual(relaysOf(info.peerQueues), cd, 'sends to C and D');
      assert.equal(info.move, null);
    }
    // Every old queue was deleted on its relay before A and B go.
    await syncUntil([alice, bob], () => alice.store.getConnection(aliceSide)!.receiveQueues.length === 2 && bob.store.getConnection(bobSide)!.receiveQueues.length === 2);
    assert.equal(alice.store.getConnection(aliceSide)!.receiveQueues.length, 2);
    assert.equal(bob.store.getConnection(bobSide)!.receiveQueues.length, 2);
    await a!.kill();
    await b!.kill();
    talk(100);
    await syncUntil([alice, bob], () => shown(bob, bobSide).length === fromAlice.length && shown(alice, aliceSide).length === fromBob.length);
    assert.deepEqual(shown(bob, bobSide), fromAlice, 'bob got every text of alice once, in order');
    assert.deepEqual(shown(alice, aliceSide), fromBob, 'alice got every text of bob once, in order');
    for (const side of [alice, bob]) {
      assert.deepEqual(
        side.events.filter((e) => e.event === 'rejected'),
        [],
        'nothing rejected',
      );
    }
    // A proof spanning the moves verifies: the chain went on unchanged.
    const report = verifyProofBundle(sodiumCrypto, bob.agent.exportProof(bobSide));
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.messages.filter((m) => m.type === 'text' && m.text?.startsWith('alice') === true).map((m) => m.text), fromAlice);
    // A and B hold no queue of theirs.
    for (const relay of [a!, b!]) {
      const store = openSqliteStore(`${relay.dataDir}/relay.db`);
      try {
        for (const id of [...oldIds.alice, ...oldIds.bob]) assert.equal(await store.queueByRecipientId(Buffer.from(id, 'hex')), null, `queue ${id} is gone`);
        assert.equal((await store.stats()).queues, 0);
      } finally {
        await store.close();
      }
    }
  });

  it('a contact offline during the whole move: the move waits and completes when it comes back', async () => {
    const [a, b] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start()]);
    const alice = makeAgent('alice', [a!.address]);
    const bob = makeAgent('bob', [a!.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    alice.agent.updateRelays(alice.agent.activeProfile().id, [b!.address]);
    alice.agent.send(aliceSide, 'while bob is away');
    await sync([alice]);
    await sync([alice]);
    // Alice waits for bob's keys: her old queue stays in use, the new one is not yet.
    const waiting = alice.agent.findContact(aliceSide);
    assert.equal(waiting.move?.step, 'added');
    assert.deepEqual(relaysOf(waiting.queues.filter((q) => q.state === undefined)), [a!.address]);
    bob.agent.send(bobSide, 'bob is back');
    await syncUntil([alice, bob], () => settled(alice, aliceSide) && settled(bob, bobSide));
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues), [b!.address]);
    assert.deepEqual(relaysOf(bob.agent.findContact(bobSide).peerQueues), [b!.address]);
    bob.agent.send(bobSide, 'through the new relay');
    await syncUntil([alice, bob], () => shown(alice, aliceSide).length === 2);
    assert.deepEqual(shown(alice, aliceSide), ['bob is back', 'through the new relay']);
    assert.deepEqual(shown(bob, bobSide), ['while bob is away']);
  });

  it('rotation: on a short schedule and on demand, new queue ids on the same relays', async () => {
    const relay = await RelayUnderTest.start();
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    const before = { alice: receiveIds(alice.store, aliceSide), bob: receiveIds(bob.store, bobSide) };
    // On demand: bob's queues only.
    bob.agent.rotate(bobSide);
    await syncUntil([alice, bob], () => settled(bob, bobSide) && receiveIds(bob.store, bobSide).length === 1 && receiveIds(bob.store, bobSide)[0] !== before.bob[0]);
    assert.notDeepEqual(receiveIds(bob.store, bobSide), before.bob);
    assert.deepEqual(receiveIds(alice.store, aliceSide), before.alice, "alice's queues did not move");
    assert.ok(bob.events.some((e) => e.event === 'move' && e.step === 'done'));
    // On schedule: alice every 1.5 s (jittered by a seventh).
    alice.agent.setRotation(alice.agent.activeProfile().id, 1500);
    const rotated = (): boolean => settled(alice, aliceSide) && receiveIds(alice.store, aliceSide).length === 1 && receiveIds(alice.store, aliceSide)[0] !== before.alice[0];
    const started = Date.now();
    while (!rotated() && Date.now() - started < 15_000) await sync([alice, bob], 2500);
    assert.ok(rotated(), 'alice rotated on schedule');
    assert.ok(alice.agent.findContact(aliceSide).rotateAt! > Date.now() - 1000, 'the next rotation is planned');
    alice.agent.send(aliceSide, 'after the rotations');
    bob.agent.send(bobSide, 'me too');
    await syncUntil([alice, bob], () => shown(bob, bobSide).length === 1 && shown(alice, aliceSide).length === 1);
    assert.deepEqual(shown(bob, bobSide), ['after the rotations']);
    assert.deepEqual(shown(alice, aliceSide), ['me too']);
    const store = openSqliteStore(`${relay.dataDir}/relay.db`);
    try {
      assert.equal((await store.stats()).queues, 2, 'the rotated-away queues were deleted on the relay');
    } finally {
      await store.close();
    }
  });

  it('rekey: a new agreement changes the security code on both sides and resets verification', async () => {
    const relay = await RelayUnderTest.start();
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    const code = alice.agent.securityCode(aliceSide);
    assert.ok(alice.agent.verifyCode(aliceSide, bob.agent.securityCode(bobSide)));
    assert.ok(bob.agent.verifyCode(bobSide, code));
    alice.agent.send(aliceSide, 'before');
    bob.agent.rekey(bobSide);
    assert.throws(() => bob.agent.rekey(bobSide), { name: 'AgentError', code: 'BUSY' });
    alice.agent.send(aliceSide, 'during');
    await syncUntil([alice, bob], () => alice.agent.securityCode(aliceSide) !== code && bob.agent.securityCode(bobSide) !== code);
    const fresh = alice.agent.securityCode(aliceSide);
    assert.notEqual(fresh, code);
    assert.equal(bob.agent.securityCode(bobSide), fresh, 'both sides show the same new code');
    assert.equal(alice.agent.findContact(aliceSide).verified, false);
    assert.equal(bob.agent.findContact(bobSide).verified, false);
    assert.deepEqual(alice.events.filter((e) => e.event === 'rekeyed'), [{ event: 'rekeyed', contact: aliceSide, by: 'contact' }]);
    assert.deepEqual(bob.events.filter((e) => e.event === 'rekeyed'), [{ event: 'rekeyed', contact: bobSide, by: 'this' }]);
    assert.ok(alice.agent.history(aliceSide).some((m) => m.notice === true && /security code changed/.test(m.text)));
    alice.agent.send(aliceSide, 'after');
    bob.agent.send(bobSide, 'after too');
    await syncUntil([alice, bob], () => shown(bob, bobSide).length === 3 && shown(alice, aliceSide).length === 1);
    assert.deepEqual(shown(bob, bobSide), ['before', 'during', 'after']);
    assert.deepEqual(shown(alice, aliceSide), ['after too']);
    // A proof spanning the rekey still verifies: the signing keys stayed.
    const report = verifyProofBundle(sodiumCrypto, alice.agent.exportProof(aliceSide));
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.messages.filter((m) => m.type === 'text').map((m) => m.text), ['before', 'during', 'after', 'after too']);
  });

  it('a contact whose client speaks version 2: rotate and rekey are refused and the connection keeps working', async () => {
    const relay = await RelayUnderTest.start();
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { link, contactId: aliceSide } = await alice.agent.createInvitation();
    // Bob's client is older: the invitation as it would read it, versions 2..2.
    const old = formatInvitationLink({ ...parseInvitationLink(link), versions: { min: 2, max: 2 } });
    const { contactId: bobSide } = await bob.agent.connect(old);
    await syncUntil([alice, bob], () => alice.agent.findContact(aliceSide).status === 'connected' && bob.agent.findContact(bobSide).status === 'connected', 5);
    assert.equal(alice.agent.findContact(aliceSide).version, 2);
    assert.equal(bob.agent.findContact(bobSide).version, 2);
    for (const [side, contact] of [[alice, aliceSide], [bob, bobSide]] as const) {
      assert.throws(() => side.agent.rotate(contact), { name: 'AgentError', code: 'UNSUPPORTED_VERSION' });
      assert.throws(() => side.agent.rekey(contact), { name: 'AgentError', code: 'UNSUPPORTED_VERSION' });
    }
    const other = await RelayUnderTest.start();
    alice.agent.updateRelays(alice.agent.activeProfile().id, [other.address]);
    alice.agent.send(aliceSide, 'still here');
    bob.agent.send(bobSide, 'me too');
    await syncUntil([alice, bob], () => shown(bob, bobSide).length === 1 && shown(alice, aliceSide).length === 1);
    assert.deepEqual(shown(bob, bobSide), ['still here']);
    assert.deepEqual(shown(alice, aliceSide), ['me too']);
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues), [relay.address], 'the version 2 connection kept its queues');
  });

  it('a relay taken off the list while it is down: the move completes over the others, and its queues are deleted once it is back', async () => {
    const [a, b, c] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start(), RelayUnderTest.start()]);
    const alice = makeAgent('alice', [a!.address, b!.address]);
    const bob = makeAgent('bob', [a!.address, b!.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    const onA = alice.store.getConnection(aliceSide)!.receiveQueues.find((q) => q.relay === a!.address)!;
    await a!.kill();
    alice.agent.updateRelays(alice.agent.activeProfile().id, [b!.address, c!.address]);
    alice.agent.send(aliceSide, 'one');
    bob.agent.send(bobSide, 'two');
    await syncUntil([alice, bob], () => settled(alice, aliceSide) && settled(bob, bobSide));
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues.filter((q) => q.state === undefined)), relaysOf([{ relay: b!.address }, { relay: c!.address }]));
    assert.deepEqual(relaysOf(bob.agent.findContact(bobSide).peerQueues), relaysOf([{ relay: b!.address }, { relay: c!.address }]));
    // The queue on A waits to be deleted; A's row says so.
    assert.deepEqual(alice.agent.findContact(aliceSide).queues.filter((q) => q.state === 'deleting').map((q) => q.relay), [a!.address]);
    const row = alice.agent.relays(alice.agent.activeProfile().id).find((r) => r.address === a!.address);
    assert.deepEqual(row && { listed: row.listed, leaving: row.leaving, connections: row.connections }, { listed: false, leaving: 1, connections: 0 });
    await syncUntil([alice, bob], () => shown(alice, aliceSide).length === 1 && shown(bob, bobSide).length === 1);
    assert.deepEqual(shown(alice, aliceSide), ['two']);
    assert.deepEqual(shown(bob, bobSide), ['one']);
    await a!.restart();
    await syncUntil([alice], () => alice.store.getConnection(aliceSide)!.receiveQueues.every((q) => q.state !== 'deleting'), 20);
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues), relaysOf([{ relay: b!.address }, { relay: c!.address }]));
    assert.ok(alice.events.some((e) => e.event === 'move' && e.step === 'deleted' && e.relays[0] === a!.address));
    await a!.kill();
    const store = openSqliteStore(`${a!.dataDir}/relay.db`);
    try {
      assert.equal(await store.queueByRecipientId(onA.recipientId), null, "alice's queue on A is gone");
    } finally {
      await store.close();
    }
  });

  it('off the record: the move messages go unsigned, and the move completes', async () => {
    const [a, b] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start()]);
    const alice = makeAgent('alice', [a!.address]);
    const bob = makeAgent('bob', [a!.address]);
    const { link, contactId: aliceSide } = await alice.agent.createInvitation({ offTheRecord: true });
    const { contactId: bobSide } = await bob.agent.connect(link);
    await syncUntil([alice, bob], () => alice.agent.findContact(aliceSide).status === 'connected' && bob.agent.findContact(bobSide).status === 'connected', 5);
    bob.agent.updateRelays(bob.agent.activeProfile().id, [b!.address]);
    alice.agent.send(aliceSide, 'unsigned');
    await syncUntil([alice, bob], () => settled(alice, aliceSide) && settled(bob, bobSide));
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).peerQueues), [b!.address]);
    const moves = bob.store.listMessages(bobSide).filter((m) => m.kind === 'queues' && m.direction === 'sent');
    assert.ok(moves.length >= 2 && moves.every((m) => m.envelope !== null && isUnsignedEnvelope(m.envelope)), 'queues-add and queues-use unsigned');
    bob.agent.send(bobSide, 'through b');
    await syncUntil([alice, bob], () => shown(alice, aliceSide).length === 1);
    assert.deepEqual(shown(alice, aliceSide), ['through b']);
    assert.deepEqual(shown(bob, bobSide), ['unsigned']);
  });

  it('a relay of the new list that is down: the move waits for it, goes ahead without it after an hour, and follows once it is back', async () => {
    const [a, b, d] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start(), RelayUnderTest.start()]);
    let offset = 0;
    const alice = makeAgent('alice', [a!.address], new MemoryStore(), () => Date.now() + offset);
    const bob = makeAgent('bob', [a!.address]);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    await d!.kill();
    alice.agent.updateRelays(alice.agent.activeProfile().id, [b!.address, d!.address]);
    await sync([alice, bob]);
    // The first hour, a move that would leave out a relay of the list waits (the queues it made are deleted again).
    assert.equal(alice.agent.findContact(aliceSide).move?.step, 'wanted');
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues.filter((q) => q.state === undefined)), [a!.address]);
    assert.ok(alice.events.some((e) => e.event === 'rejected' && /moving queues waits/.test(e.reason)));
    offset += 2 * 60 * 60 * 1000;
    // Moved to the relays that answer (a move for the rest is already asked for again: not settled).
    const inUse = (): string[] => relaysOf(alice.agent.findContact(aliceSide).queues.filter((q) => q.state === undefined));
    const peerInUse = (): string[] => relaysOf(bob.agent.findContact(bobSide).peerQueues.filter((q) => q.state === undefined));
    await syncUntil([alice, bob], () => inUse().join() === b!.address && peerInUse().join() === b!.address);
    assert.deepEqual(inUse(), [b!.address], 'moved to the relays that answer');
    assert.deepEqual(peerInUse(), [b!.address]);
    // The connection is still off its list: once D is back (and the backoff allows), it moves onto the whole list.
    await d!.restart();
    offset += 60 * 60 * 1000;
    const whole = relaysOf([{ relay: b!.address }, { relay: d!.address }]);
    await syncUntil([alice, bob], () => settled(alice, aliceSide) && settled(bob, bobSide) && relaysOf(alice.agent.findContact(aliceSide).queues).join() === whole.join(), 15);
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues), whole);
    assert.deepEqual(relaysOf(bob.agent.findContact(bobSide).peerQueues), whole);
    bob.agent.send(bobSide, 'on the whole list');
    await syncUntil([alice, bob], () => shown(alice, aliceSide).length === 1);
    assert.deepEqual(shown(alice, aliceSide), ['on the whole list']);
  });

  it('a list changed while a connection is being made: it moves once connected', async () => {
    const [a, b] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start()]);
    const alice = makeAgent('alice', [a!.address]);
    const bob = makeAgent('bob', [a!.address]);
    const { link, contactId: aliceSide } = await alice.agent.createInvitation();
    alice.agent.updateRelays(alice.agent.activeProfile().id, [b!.address]);
    const { contactId: bobSide } = await bob.agent.connect(link);
    await syncUntil([alice, bob], () => alice.agent.findContact(aliceSide).status === 'connected' && settled(alice, aliceSide) && relaysOf(alice.agent.findContact(aliceSide).queues)[0] === b!.address);
    assert.deepEqual(relaysOf(alice.agent.findContact(aliceSide).queues), [b!.address], "the invitation's queue on A was moved to B");
    assert.deepEqual(relaysOf(bob.agent.findContact(bobSide).peerQueues), [b!.address]);
  });
});
