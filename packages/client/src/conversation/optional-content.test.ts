// An envelope of an optional content type (graph-chat §4.2), as a later
// version may send one: the receiver keeps it in the chain, reports and
// shows nothing, and what follows it is delivered as usual.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectedPair, deliver, NOW, stepContext } from '../test-support/memory-pair.js';
import { sealEnvelope } from './envelope-crypto.js';
import { sendSealed } from '../outbox/enqueue.js';
import { queuedMessage, sealQueued } from './outbound.js';

describe('optional content', () => {
  it('is kept in the chain and ignored; the text after it is delivered', () => {
    const { alice, bob } = connectedPair();
    const sealed = sealEnvelope(stepContext(alice.store).crypto, alice.connection, { type: 'optional', tag: 90, body: Uint8Array.of(1, 2, 3) }, NOW);
    alice.connection = sealed.connection;
    sendSealed(stepContext(alice.store), 'handshake', sealed);
    alice.store.putMessage(queuedMessage('t1', alice.connection.id, 'text', 'after the optional one', NOW));
    alice.connection = sealQueued(stepContext(alice.store), alice.connection);
    const events = deliver(alice, bob);
    assert.deepEqual(events.map((e) => e.event), ['message']);
    assert.equal(bob.connection.lastReceivedSeq, alice.connection.lastSentSeq, 'both envelopes are in the chain');
    const kept = bob.store.listMessages(bob.connection.id).filter((m) => m.direction === 'received' && m.seq === sealed.envelope.seq);
    assert.deepEqual(kept.map((m) => m.kind), ['handshake'], 'kept for proofs, not shown');
  });
});
