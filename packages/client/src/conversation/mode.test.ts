// Taking a connection off the record and back (graph-chat §8.5), as steps
// between two sides in memory: a switch needs both, what was written before
// it keeps the old mode, and unsigned envelopes are refused where they were
// not agreed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUnsignedEnvelope } from '@graphchat/core';
import { connectedPair, deliver, NOW, stepContext, type Side } from '../test-support/memory-pair.js';
import { acceptMode, proposeMode } from './mode.js';
import { queuedMessage, sealQueued } from './outbound.js';

let ids = 0;

/** Writes a text on `side` and seals it; returns whether its envelope went out unsigned. */
function write(side: Side, text: string): boolean {
  const id = `m${++ids}`;
  side.store.putMessage(queuedMessage(id, side.connection.id, 'text', text, NOW));
  side.connection = sealQueued(stepContext(side.store), side.connection);
  return isUnsignedEnvelope(side.store.getMessage(id)!.envelope!);
}

function propose(side: Side, offTheRecord: boolean): void {
  side.connection = proposeMode(stepContext(side.store), side.connection, offTheRecord);
}

function accept(side: Side): void {
  const proposal = side.connection.modeProposal;
  assert.ok(proposal != null && proposal.byPeer, 'a proposal from the peer waits');
  side.connection = acceptMode(stepContext(side.store), side.connection, proposal.offTheRecord);
}

const kinds = (events: readonly { event: string }[]) => events.map((e) => e.event);

describe('off the record, step by step', () => {
  it('goes off the record only once the peer agrees, and back on the same way', () => {
    const { alice, bob } = connectedPair();
    propose(alice, true);
    assert.equal(write(alice, 'still on the record'), false, 'signed until the peer answers');
    assert.deepEqual(kinds(deliver(alice, bob)), ['mode-request', 'message']);
    assert.equal(write(bob, 'written before agreeing'), false);
    accept(bob);
    assert.equal(write(bob, 'after agreeing'), true, 'the answer switches the side that gives it');
    // The receipt due for Alice's text is sealed before the answer, in the old mode.
    assert.deepEqual(kinds(deliver(bob, alice)), ['message', 'receipt', 'mode', 'message']);
    assert.equal(write(alice, 'off the record now'), true);
    deliver(alice, bob);

    propose(bob, false);
    assert.equal(write(bob, 'signing again from the proposal on'), false);
    assert.deepEqual(kinds(deliver(bob, alice)), ['receipt', 'mode-request', 'message']);
    assert.equal(write(alice, 'not yet agreed'), true);
    accept(alice);
    assert.equal(write(alice, 'on the record again'), false);
    // One envelope answers both of Bob's texts since her last receipt: a receipt event each.
    assert.deepEqual(kinds(deliver(alice, bob)), ['message', 'receipt', 'receipt', 'mode', 'message']);
  });

  it('both proposing at once counts as agreement', () => {
    const { alice, bob } = connectedPair();
    propose(alice, true);
    propose(bob, true);
    const atBob = kinds(deliver(alice, bob));
    const atAlice = kinds(deliver(bob, alice));
    assert.ok(atBob.includes('mode') && atAlice.includes('mode'), `both switch (${atBob}; ${atAlice})`);
    deliver(alice, bob);
    deliver(bob, alice);
    assert.equal(write(alice, 'agreed'), true);
    assert.equal(write(bob, 'agreed too'), true);
    deliver(alice, bob);
    deliver(bob, alice);
  });

  it('an unsigned envelope from a peer that was not allowed to omit signatures is refused', () => {
    const { alice, bob } = connectedPair();
    bob.connection = { ...bob.connection, offTheRecord: true }; // Bob stops signing on his own.
    assert.equal(write(bob, 'deniable, unilaterally'), true);
    assert.throws(() => deliver(bob, alice), (error: Error) => (error as { code?: string }).code === 'BAD_SIGNATURE');
  });
});
