// The handshake and conversation steps as pure functions over records, with
// no relay: each state a connection passes through has exactly the fields
// that state may have, a confirmation under other keys leaves the
// invitation open, and a text sealed on one side is delivered on the other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeQueueBody, type QueueBody } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { decryptEnvelope, verifyEnvelope } from '../conversation/envelope-crypto.js';
import { deliverEnvelope } from '../conversation/inbound.js';
import { queuedMessage, sealQueued } from '../conversation/outbound.js';
import { MemoryStore } from '../store/memory-store.js';
import type { AgreedConnection } from '../store/records.js';
import { NOW, receiveQueue, stepContext } from '../test-support/memory-pair.js';
import { acceptConfirmation, createInvitation, HandshakeRejected, joinInvitation } from './handshake.js';

type Confirmation = Extract<QueueBody, { type: 'confirmation' }>;

function invitationAndConfirmation() {
  const invited = createInvitation(crypto, { id: 'alice-bob', profileId: 'alice', receiveQueues: [receiveQueue()], now: NOW });
  const joined = joinInvitation(crypto, { id: 'bob-alice', profileId: 'bob', receiveQueues: [receiveQueue()], now: NOW }, invited.invitation, { displayName: 'Bob' }, 'link');
  const confirmation = decodeQueueBody(joined.body) as Confirmation;
  return { invited, joined, confirmation };
}

describe('handshake steps', () => {
  it('each state has the fields it may have: secrets before the agreement, the ratchet after it', () => {
    const { invited, joined, confirmation } = invitationAndConfirmation();
    assert.equal(invited.connection.status, 'invited');
    assert.ok(invited.connection.agreementSecrets.dh.secretKey.length > 0);
    assert.equal(invited.connection.ratchet, null);
    assert.equal(invited.connection.peerSigningKey, null);

    const joining = joined.sealed.connection;
    assert.equal(joining.status, 'joining');
    assert.equal(joining.agreementSecrets, null);
    assert.ok(joining.ratchet.length > 0 && joining.associatedData.length > 0);
    assert.equal(joining.sendQueues.length, 1);

    const accepted = acceptConfirmation(crypto, invited.connection, confirmation, { displayName: 'Alice' }, NOW, 3);
    const inviter = accepted.reply.connection;
    assert.equal(inviter.status, 'accepted');
    assert.equal(inviter.agreementSecrets, null);
    assert.equal(inviter.invitationLink, null);
    assert.deepEqual(inviter.associatedData, joining.associatedData, 'both sides agree on the associated data');
    assert.deepEqual(inviter.peerSigningKey, joining.signingPublicKey);
    assert.deepEqual(joining.peerSigningKey, inviter.signingPublicKey);
    assert.deepEqual(inviter.receiveQueues[0]!.peerSenderKey, joining.sendQueues[0]!.senderPublicKey, "the inviter's queue takes the joiner's sender key");
    assert.deepEqual(inviter.peerProfile, { displayName: 'Bob' });
  });

  it('the joiner is connected by the reply, and a text it seals is delivered to the inviter', () => {
    const { invited, joined, confirmation } = invitationAndConfirmation();
    const accepted = acceptConfirmation(crypto, invited.connection, confirmation, { displayName: 'Alice' }, NOW, 3);
    const reply = decodeQueueBody(accepted.body) as Extract<QueueBody, { type: 'message' }>;

    const bobStore = new MemoryStore();
    const bobCtx = stepContext(bobStore);
    const opened = decryptEnvelope(crypto, joined.sealed.connection, reply.header, reply.ciphertext);
    const { envelope, hash } = verifyEnvelope(crypto, opened.connection, opened.signed);
    let bob: AgreedConnection = deliverEnvelope(bobCtx, opened.connection, envelope, opened.signed, hash);
    assert.equal(bob.status, 'connected');
    assert.deepEqual(bob.peerProfile, { displayName: 'Alice' });
    assert.deepEqual(bobCtx.events.map((e) => e.event), ['connected']);

    bobStore.putMessage(queuedMessage('m1', bob.id, 'text', 'hello alice', NOW));
    bob = sealQueued(bobCtx, bob);
    const items = bobStore.listOutbox().filter((item) => item.messageId === 'm1');
    assert.equal(items.length, 1, 'one copy per relay of the peer');
    const sealed = decodeQueueBody(items[0]!.body) as Extract<QueueBody, { type: 'message' }>;

    const aliceCtx = stepContext(new MemoryStore());
    const alice = accepted.reply.connection;
    const text = decryptEnvelope(crypto, alice, sealed.header, sealed.ciphertext);
    const verified = verifyEnvelope(crypto, text.connection, text.signed);
    const next = deliverEnvelope(aliceCtx, text.connection, verified.envelope, text.signed, verified.hash);
    assert.deepEqual(
      aliceCtx.events.filter((e) => e.event === 'message').map((e) => e.event === 'message' && e.text),
      ['hello alice'],
    );
    assert.equal(next.receiptsDue.length, 1, 'the text is owed a receipt');
  });

  it('a confirmation sealed for other keys is refused and the invitation stays open', () => {
    const { invited } = invitationAndConfirmation();
    const other = invitationAndConfirmation();
    assert.throws(() => acceptConfirmation(crypto, invited.connection, other.confirmation, { displayName: 'Alice' }, NOW, 3), HandshakeRejected);
    assert.equal(invited.connection.status, 'invited');
    assert.ok(invited.connection.agreementSecrets !== null);
  });

  it('a second confirmation for a used invitation is refused', () => {
    const { invited, confirmation } = invitationAndConfirmation();
    const accepted = acceptConfirmation(crypto, invited.connection, confirmation, { displayName: 'Alice' }, NOW, 3);
    assert.throws(() => acceptConfirmation(crypto, accepted.reply.connection, confirmation, { displayName: 'Alice' }, NOW, 3), /already used/);
  });
});
