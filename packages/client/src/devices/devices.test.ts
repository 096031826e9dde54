// The device steps of devices.md on connections in memory: what a contact's
// device or one of my own can make this device do, and what it can't (close
// another contact's pairs, add pairs without end, pass a forged text off as
// mine), the device list's merge, and the order of a conversation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, signEnvelope, toHex, ZERO_HASH, type Content } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { createInvitation } from '../connection/handshake.js';
import { sealEnvelope } from '../conversation/envelope-crypto.js';
import { deliverEnvelope } from '../conversation/inbound.js';
import { history } from '../conversation/messages.js';
import { queuedMessage, sealQueued } from '../conversation/outbound.js';
import { MemoryStore } from '../store/memory-store.js';
import type { AgreedConnection, ConnectedConnection } from '../store/records.js';
import { connectedPair, NOW, receiveQueue, stepContext } from '../test-support/memory-pair.js';
import { deliverOnChannel } from './channel-in.js';
import { devicePair } from './channel-out.js';
import { contactKey, conversationCounter, pairIdOf } from './contact-groups.js';
import { mergeDevices, putDeviceList } from './device-list.js';
import { deliverOnPair } from './pair-in.js';
import { nextCounter } from './texts.js';

function oneTimeInvitation(id: string) {
  return createInvitation(crypto, { id, profileId: 'p', receiveQueues: [receiveQueue()], now: NOW }).invitation;
}

/** Alice's side of a connected pair, stored with the profile id `p`, plus another contact's connection. */
function aliceWithTwoContacts(): { store: MemoryStore; bob: AgreedConnection; carol: AgreedConnection } {
  const store = new MemoryStore();
  const bob = { ...connectedPair().alice.connection, id: 'bob-pair', profileId: 'p' };
  const carol = { ...connectedPair().alice.connection, id: 'carol-pair', profileId: 'p' };
  store.putConnection(bob);
  store.putConnection(carol);
  return { store, bob, carol };
}

describe('device messages from a contact (devices.md §5, §9)', () => {
  it('device-remove closes only pairs of that contact, never another contact\'s', () => {
    const { store, bob, carol } = aliceWithTwoContacts();
    const ctx = stepContext(store);
    const next = deliverOnPair(ctx, bob, { type: 'device-remove', pairs: [fromHex(pairIdOf(crypto, carol))] });
    assert.equal(next.status, 'connected');
    assert.equal(store.getConnection('carol-pair')!.status, 'connected', "carol's connection is untouched");
    // Naming its own pair is allowed: the contact removed the device that held it.
    const closed: { status: string; receiveQueues: readonly { state?: string }[] } = deliverOnPair(stepContext(store), bob, { type: 'device-remove', pairs: [fromHex(pairIdOf(crypto, bob))] });
    assert.equal(closed.status, 'failed');
    assert.ok(closed.receiveQueues.every((q) => q.state === 'deleting'), 'its queues are deleted on the relays');
  });

  it('device-add makes an introduced request of the same contact, once per invitation, at most 64 connections', () => {
    const { store, bob } = aliceWithTwoContacts();
    const invitation = oneTimeInvitation('x');
    deliverOnPair(stepContext(store), bob, { type: 'device-add', invitation });
    deliverOnPair(stepContext(store), bob, { type: 'device-add', invitation }); // the same again: dropped
    const requests = store.listConnections('p').filter((c) => c.status === 'request');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.introduced, true);
    assert.equal(contactKey(requests[0]!), bob.id, 'the request belongs to bob');
    const ctx = stepContext(store);
    for (let i = 0; i < 80; i++) deliverOnPair(ctx, bob, { type: 'device-add', invitation: oneTimeInvitation(`x${i}`) });
    assert.equal(store.listConnections('p').filter((c) => contactKey(c) === bob.id).length, 64);
    assert.ok(ctx.events.some((e) => e.event === 'rejected' && /64 connections/.test(e.reason)));
  });

  it('device-add and device-remove on a connection that does not speak version 4 are rejected', () => {
    const { store, bob } = aliceWithTwoContacts();
    const old = { ...bob, version: 3 } as ConnectedConnection;
    const ctx = stepContext(store);
    deliverOnPair(ctx, old, { type: 'device-add', invitation: oneTimeInvitation('y') });
    assert.equal(store.listConnections('p').filter((c) => c.status === 'request').length, 0);
    assert.ok(ctx.events.some((e) => e.event === 'rejected'));
  });
});

describe('device messages from my own devices (devices.md §6)', () => {
  /** A device channel of alice's (peer device `d2`) and one of her pairs with bob. */
  function channelAndPair(): { store: MemoryStore; channel: AgreedConnection; pair: AgreedConnection } {
    const store = new MemoryStore();
    const channel = { ...connectedPair().alice.connection, id: 'channel', profileId: 'p', device: { peer: 'd2d2d2d2d2d2d2d2' } };
    const pair = { ...connectedPair().alice.connection, id: '0123456789abcdef', profileId: 'p' };
    store.putConnection(channel);
    store.putConnection(pair);
    return { store, channel, pair };
  }

  it('a device-message for an unknown pair, or one whose envelope the pair\'s keys did not sign, is rejected', () => {
    const { store, channel, pair } = channelAndPair();
    const ctx = stepContext(store);
    // The other device's pair, as it described it: the mirror.
    const other = { ...connectedPair().bob.connection, id: 'fedcba9876543210', profileId: 'p' };
    const described = { ...devicePair(ctx, other), holder: fromHex('d2d2d2d2d2d2d2d2'), contact: fromHex(pair.id) };
    deliverOnChannel(ctx, channel, { type: 'device-pair', pair: described });
    const envelope = (key: Uint8Array, text: string) => signEnvelope(crypto, key, { seq: 1, timestamp: NOW, prevSentHash: ZERO_HASH, lastReceivedHash: ZERO_HASH, content: { type: 'text', text } });
    const message = (signed: Uint8Array, pairId: string): Content => ({ type: 'device-message', contact: fromHex(pair.id), pair: fromHex(pairId), direction: 'sent', status: 'sent', localTime: NOW, envelope: signed });
    const pairId = toHex(crypto.sha256(described.ad));
    deliverOnChannel(ctx, channel, message(envelope(crypto.ed25519KeyPair().secretKey, 'forged'), pairId) as never);
    deliverOnChannel(ctx, channel, message(envelope(other.signingSecretKey, 'unknown pair'), toHex(crypto.randomBytes(32))) as never);
    assert.equal(ctx.events.filter((e) => e.event === 'rejected').length, 2);
    deliverOnChannel(ctx, channel, message(envelope(other.signingSecretKey, 'real'), pairId) as never);
    assert.deepEqual(history(store, pair.id).map((h) => [h.direction, h.text]), [['sent', 'real']]);
  });

  it('a device list must come from the channel\'s device, and a removal is for good', () => {
    const { store, channel } = channelAndPair();
    const ctx = stepContext(store);
    const entry = (id: string, removed: boolean) => ({ id: fromHex(id), removed, name: 'n' });
    deliverOnChannel(ctx, channel, { type: 'device-list', devices: [entry('0000000000000001', false)] });
    assert.ok(ctx.events.some((e) => e.event === 'rejected' && /another device/.test(e.reason)));
    // A device removed here (one that kept a channel offer meant for another) gets no channel back.
    putDeviceList(store, 'p', [{ id: 'd2d2d2d2d2d2d2d2', name: 'lost', removed: true, lastSeen: null, addedAt: 0 }]);
    const closed: { status: string } = deliverOnChannel(stepContext(store), channel, { type: 'device-list', devices: [entry('d2d2d2d2d2d2d2d2', false)] });
    assert.equal(closed.status, 'failed');
    const merged = mergeDevices([{ id: 'a', name: 'A', removed: true, lastSeen: null, addedAt: 0 }], [{ id: 'a', name: 'A', removed: false }, { id: 'b', name: 'B', removed: true }], 1);
    assert.deepEqual(merged.list.map((d) => [d.id, d.removed]), [['a', true], ['b', true]]);
    assert.deepEqual(merged.removed, ['b']);
  });
});

describe('the order of a conversation (devices.md §7)', () => {
  it('orders by counter, then the writer\'s time, then message id; records without a counter first, notices after what came before them', () => {
    const store = new MemoryStore();
    const pair = { ...connectedPair().alice.connection, id: 'pair', profileId: 'p' };
    store.putConnection(pair);
    const put = (id: string, text: string, extra: { counter?: number; messageId?: string; timestamp?: number; kind?: 'notice' }) =>
      store.putMessage({ id, connectionId: 'pair', direction: 'received', kind: extra.kind ?? 'text', seq: 0, text, timestamp: extra.timestamp ?? NOW, localTime: NOW, status: 'received', envelope: null, hash: null, ...(extra.counter !== undefined ? { counter: extra.counter } : {}), ...(extra.messageId !== undefined ? { messageId: extra.messageId } : {}) });
    put('old', 'before counters', {});
    put('c2', 'counter 2', { counter: 2, messageId: 'bb' });
    put('n', 'a notice', { kind: 'notice' });
    put('c1b', 'counter 1, later', { counter: 1, messageId: 'aa', timestamp: NOW + 5 });
    put('c1a', 'counter 1, earlier', { counter: 1, messageId: 'cc', timestamp: NOW });
    put('c1c', 'counter 1, earlier, higher id', { counter: 1, messageId: 'dd', timestamp: NOW });
    assert.deepEqual(history(store, 'pair').map((h) => h.text), ['before counters', 'counter 1, earlier', 'counter 1, earlier, higher id', 'counter 1, later', 'counter 2', 'a notice']);
  });
});

describe('what a contact cannot do to a conversation (review of devices.md §7)', () => {
  it('a counter of 2^32 - 1 from the contact leaves mine at that value, and my texts still seal', () => {
    const { alice, bob } = connectedPair();
    alice.store.putConnection({ ...alice.connection, profileId: 'p' });
    const sealed = sealEnvelope(crypto, bob.connection, { type: 'text', text: 'top', messageId: crypto.randomBytes(16), counter: 0xffff_ffff }, NOW);
    bob.connection = sealed.connection;
    alice.connection = deliverEnvelope(stepContext(alice.store), { ...alice.connection, profileId: 'p' }, sealed.envelope, sealed.signed, sealed.hash);
    alice.store.putConnection(alice.connection);
    assert.equal(conversationCounter(alice.store, alice.connection), 0xffff_ffff);
    assert.equal(nextCounter(conversationCounter(alice.store, alice.connection)), 0xffff_ffff);
    alice.store.putMessage({ ...queuedMessage('mine', alice.connection.id, 'text', 'after', NOW), messageId: toHex(crypto.randomBytes(16)), counter: 0xffff_ffff });
    const after = sealQueued(stepContext(alice.store), alice.connection);
    assert.equal(after.lastSentSeq, alice.connection.lastSentSeq + 1, 'sealed');
  });

  it('a contact reusing the id of my text gets an entry of its own; mine stays, with its own state', () => {
    const { alice, bob } = connectedPair();
    const mine = toHex(crypto.randomBytes(16));
    alice.store.putConnection(alice.connection);
    alice.store.putMessage({ ...queuedMessage(mine, alice.connection.id, 'text', 'my text', NOW), messageId: mine, counter: 1, status: 'sent' });
    const sealed = sealEnvelope(crypto, bob.connection, { type: 'text', text: 'their text', messageId: fromHex(mine), counter: 1 }, NOW + 1);
    const ctx = stepContext(alice.store);
    alice.connection = deliverEnvelope(ctx, alice.connection, sealed.envelope, sealed.signed, sealed.hash);
    const shown = history(alice.store, alice.connection.id).map((h) => [h.direction, h.text, h.id === mine]);
    assert.deepEqual(shown, [
      ['sent', 'my text', true],
      ['received', 'their text', false],
    ]);
    const event = ctx.events.find((e) => e.event === 'message');
    assert.ok(event?.event === 'message' && event.message !== mine, 'the event names the contact\'s own record');
  });
});

