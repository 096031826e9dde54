// Moving queues (graph-chat §8.6) as steps between two sides in memory: the
// four messages in order, what each side keeps and sends where, and the
// messages a misbehaving peer could send out of turn, which change nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { equalBytes, isUnsignedEnvelope, toHex, type Content } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { queuedMessage, sealQueued } from '../conversation/outbound.js';
import { sendSealed } from '../outbox/enqueue.js';
import { connectedPair, deliver, NOW, receiveQueue, stepContext, type Side } from '../test-support/memory-pair.js';
import type { ReceiveQueueRecord } from '../store/records.js';
import { abandonMove } from './mover.js';
import { beginMove, useWhenSecured } from './queue-moves.js';

const steps = (events: readonly { event: string; step?: string }[]): string[] => events.filter((e) => e.event === 'move' || e.event === 'rejected').map((e) => (e.event === 'move' ? e.step! : 'rejected'));
const ids = (queues: readonly { senderId: Uint8Array }[]): string[] => queues.map((q) => toHex(q.senderId));

/** What the relay's KEY does: the new queues are secured with the keys the peer sent. */
function secureNew(side: Side): void {
  side.connection = { ...side.connection, receiveQueues: side.connection.receiveQueues.map((q) => (q.state === 'new' && q.peerSenderKey !== null ? { ...q, secured: true } : q)) };
}

/** Seals `content` on `side` as the agent seals its own envelopes: a peer that sends it out of turn. */
function sendOutOfTurn(side: Side, content: Content): void {
  const sealed = sealEnvelope(crypto, side.connection, content, NOW);
  side.connection = sealed.connection;
  sendSealed(stepContext(side.store), 'queues', sealed);
}

function write(side: Side, text: string): void {
  side.store.putMessage(queuedMessage(`t${text}`, side.connection.id, 'text', text, NOW));
  side.connection = sealQueued(stepContext(side.store), side.connection);
}

describe('moving queues, step by step', () => {
  it('add, keys, use, test: the sender switches to the new queue and the old one is left to delete', () => {
    const { alice, bob } = connectedPair();
    const old = alice.connection.receiveQueues[0]!;
    const fresh: ReceiveQueueRecord = receiveQueue();
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [fresh]);
    assert.equal(alice.connection.move?.step, 'added');
    assert.deepEqual(steps(deliver(alice, bob)), ['peer-added']);
    // Bob drew a key for the new queue and keeps it aside: nothing goes there yet.
    const pending = bob.connection.sendQueues.find((q) => equalBytes(q.senderId, fresh.senderId))!;
    assert.equal(pending.state, 'new');
    write(bob, 'before the switch');
    assert.deepEqual(bob.store.listOutbox().map((item) => toHex(item.senderId)), [toHex(old.senderId), toHex(old.senderId)], 'queues-keys and the text go to the old queue only');
    assert.deepEqual(steps(deliver(bob, alice)), ['keyed']);
    assert.ok(equalBytes(alice.connection.receiveQueues[1]!.peerSenderKey!, pending.senderPublicKey), 'the key bob drew is the one alice registers');
    // Nothing is used before every new queue is secured.
    assert.equal(useWhenSecured(stepContext(alice.store), alice.connection), alice.connection);
    secureNew(alice);
    const ctx = stepContext(alice.store);
    alice.connection = useWhenSecured(ctx, alice.connection);
    assert.deepEqual(steps(ctx.events), ['using']);
    assert.deepEqual(alice.connection.receiveQueues.map((q) => q.state), ['retiring', 'new']);
    write(bob, 'waiting for the old queue');
    const waiting = bob.store.listOutbox().at(-1)!;
    // Bob switches: the text still waiting for the old queue is queued to the new one, queues-test too, and only there.
    assert.deepEqual(steps(deliver(alice, bob)), ['peer-switched']);
    assert.deepEqual(ids(bob.connection.sendQueues), [toHex(fresh.senderId)]);
    assert.equal(bob.connection.sendQueues[0]!.state, undefined);
    const outbox = bob.store.listOutbox();
    assert.ok(outbox.every((item) => equalBytes(item.senderId, fresh.senderId)), 'nothing left for the retired queue');
    assert.ok(outbox.some((item) => item.seq === waiting.seq && equalBytes(item.hash, waiting.hash)), 'the waiting text moved to the new queue');
    assert.deepEqual(steps(deliver(bob, alice)), ['done']);
    assert.equal(alice.connection.move, null);
    assert.deepEqual(alice.connection.receiveQueues.map((q) => [toHex(q.senderId), q.state]), [[toHex(old.senderId), 'deleting'], [toHex(fresh.senderId), undefined]]);
    assert.ok(alice.connection.rotateAt! > NOW, 'the next rotation is planned');
    assert.deepEqual(
      alice.store.listMessages(alice.connection.id).filter((m) => m.direction === 'received' && m.kind === 'text').map((m) => m.text),
      ['before the switch', 'waiting for the old queue'],
    );
  });

  it('out of turn or naming queues it was not given, a peer changes nothing', () => {
    const { alice, bob } = connectedPair();
    const bobQueues = ids(bob.connection.sendQueues);
    // Alice names a queue bob has no keys for: bob refuses to send there.
    sendOutOfTurn(alice, { type: 'queues-use', use: [crypto.randomBytes(24)], retire: [bob.connection.sendQueues[0]!.senderId] });
    assert.deepEqual(steps(deliver(alice, bob)), ['rejected']);
    assert.deepEqual(ids(bob.connection.sendQueues), bobQueues);
    // Keys and a test for no move of alice's.
    sendOutOfTurn(bob, { type: 'queues-keys', addHash: crypto.randomBytes(32), senderKeys: [crypto.randomBytes(32)] });
    sendOutOfTurn(bob, { type: 'queues-test' });
    const aliceBefore = alice.connection.receiveQueues;
    assert.deepEqual(steps(deliver(bob, alice)), ['rejected', 'rejected']);
    assert.deepEqual(alice.connection.receiveQueues, aliceBefore);
    assert.equal(alice.connection.move ?? null, null);
    // Keys that do not match the queues alice added.
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [receiveQueue(), receiveQueue()]);
    alice.store.listOutbox().forEach((item) => alice.store.deleteOutbox(item.id)); // the queues-add is lost
    sendOutOfTurn(bob, { type: 'queues-keys', addHash: crypto.randomBytes(32), senderKeys: [crypto.randomBytes(32)] });
    assert.deepEqual(steps(deliver(bob, alice)), ['rejected']);
    assert.equal(alice.connection.move?.step, 'added');
  });

  it('a version 2 connection takes no move message', () => {
    const { alice, bob } = connectedPair();
    bob.connection = { ...bob.connection, version: 2 };
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [receiveQueue()]);
    const events = deliver(alice, bob);
    assert.deepEqual(steps(events), ['rejected']);
    assert.equal(bob.connection.sendQueues.length, 1);
  });

  it('keys that answer the queues-add of a move given up are not taken for the next move', () => {
    const { alice, bob } = connectedPair();
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [receiveQueue()]);
    // Bob was away for the relays' message lifetime: alice gives the move up and starts another.
    alice.connection = abandonMove(alice.connection, NOW);
    const second = receiveQueue();
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [second]);
    // Both queues-add reach bob, in order, and he answers each.
    assert.deepEqual(steps(deliver(alice, bob)), ['peer-added', 'peer-added']);
    assert.deepEqual(steps(deliver(bob, alice)), ['rejected', 'keyed'], 'the answer to the first is refused');
    const registered = alice.connection.receiveQueues.find((q) => equalBytes(q.senderId, second.senderId))!.peerSenderKey!;
    const drawn = bob.connection.sendQueues.find((q) => equalBytes(q.senderId, second.senderId))!.senderPublicKey;
    assert.ok(equalBytes(registered, drawn), 'alice registers the key bob signs with');
    secureNew(alice);
    alice.connection = useWhenSecured(stepContext(alice.store), alice.connection);
    assert.deepEqual(steps(deliver(alice, bob)), ['peer-switched']);
    assert.deepEqual(steps(deliver(bob, alice)), ['done']);
  });

  it('an unsigned queues-add that arrives once the contact signs again goes unanswered, and the move starts over', () => {
    const { alice, bob } = connectedPair({ offTheRecord: true });
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [receiveQueue()]);
    assert.equal(alice.connection.move?.addUnsigned, true);
    // Bob signs again before he reads it (a switch back on the record, §8.5, as far as this step can tell).
    bob.connection = { ...bob.connection, offTheRecord: false };
    assert.deepEqual(steps(deliver(alice, bob)), [], 'no answer, and nothing rejected');
    assert.equal(bob.connection.sendQueues.length, 1);
    assert.deepEqual(bob.store.listOutbox(), []);
    // Alice, signing again while her move waits for that answer, gives it up.
    const restarted = abandonMove({ ...alice.connection, offTheRecord: false }, NOW);
    assert.equal(restarted.move, null);
    assert.equal(restarted.moveWanted, NOW);
    assert.deepEqual(restarted.receiveQueues.map((q) => q.state), [undefined, 'deleting']);
  });

  it('off the record, a queues-add goes signed once the contact asked to go back on the record', () => {
    const { alice, bob } = connectedPair({ offTheRecord: true });
    alice.connection = { ...alice.connection, modeProposal: { offTheRecord: false, byPeer: true } };
    alice.connection = beginMove(stepContext(alice.store), alice.connection, [receiveQueue()]);
    assert.equal(alice.connection.offTheRecord, true, 'still off the record');
    assert.equal(alice.connection.move?.addUnsigned, undefined);
    const add = alice.store.listMessages(alice.connection.id).find((m) => m.kind === 'queues')!;
    assert.equal(isUnsignedEnvelope(add.envelope!), false);
    // Bob, who proposed and signs, answers it.
    bob.connection = { ...bob.connection, offTheRecord: false, peerMayOmitSignatures: true };
    assert.deepEqual(steps(deliver(alice, bob)), ['peer-added']);
    assert.deepEqual(steps(deliver(bob, alice)), ['keyed']);
  });
});
