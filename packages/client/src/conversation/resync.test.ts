// A state restored from an older copy (graph-chat §8.7), as steps between two
// sides in memory going through the real receive path: the restore is found
// from signed evidence, both users are told, the connection gets a new
// ratchet, and nothing written on either side is lost or shown twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInvitationKeys, decodeQueueBody, encodeQueueBody, RESYNC_WINDOW, sealResync, ZERO_HASH, type QueueBody } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import type { AgentEvent } from '../events.js';
import { MemoryStore } from '../store/memory-store.js';
import { isAgreed, type AgreedConnection } from '../store/records.js';
import { connectedPair, NOW, stepContext } from '../test-support/memory-pair.js';
import { queuedMessage, sealQueued, sealReceipts } from './outbound.js';
import { receiveOnAgreed } from './receive.js';

/** One side whose connection lives in its store, as in the agent. */
class Device {
  constructor(
    public store: MemoryStore,
    readonly id: string,
  ) {}

  get connection(): AgreedConnection {
    const connection = this.store.getConnection(this.id);
    assert.ok(connection !== null && isAgreed(connection));
    return connection;
  }

  write(text: string): void {
    this.store.putMessage(queuedMessage(`${this.id} ${text}`, this.id, 'text', text, NOW));
    this.flush();
  }

  /** What the work loop does: seal what the user wrote and the receipts due. */
  flush(): void {
    const ctx = stepContext(this.store);
    this.store.transaction(() => this.store.putConnection(sealReceipts(ctx, sealQueued(ctx, this.connection))));
  }

  /** A copy of everything stored: a backup, a VM snapshot, a copied folder. */
  copy(): MemoryStore {
    return this.store.snapshot();
  }

  texts(direction: 'sent' | 'received'): string[] {
    return this.store
      .listMessages(this.id)
      .filter((m) => m.kind === 'text' && m.direction === direction)
      .sort((a, b) => a.seq - b.seq)
      .map((m) => m.text);
  }
}

/** Carries every outbox item of `from` to `to` through the receive path (as a relay would) and returns what `to` reported. */
function carry(from: Device, to: Device, change: (body: Uint8Array) => Uint8Array = (body) => body, now = NOW): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const item of from.store.listOutbox()) {
    from.store.deleteOutbox(item.id);
    const body = decodeQueueBody(change(item.body)) as Exclude<QueueBody, { type: 'confirmation' }>;
    events.push(...receiveOnAgreed({ store: to.store, crypto, now: () => now }, to.connection, body));
  }
  return events;
}

function devices(): { alice: Device; bob: Device } {
  const pair = connectedPair();
  pair.alice.store.putConnection(pair.alice.connection);
  pair.bob.store.putConnection(pair.bob.connection);
  return { alice: new Device(pair.alice.store, pair.alice.connection.id), bob: new Device(pair.bob.store, pair.bob.connection.id) };
}

/** Bob sends 'first', Alice has it; then Bob's device goes back to a copy made before, and writes `texts`. */
function restoredBob(...texts: string[]): { alice: Device; bob: Device } {
  const { alice, bob } = devices();
  const backup = bob.copy();
  bob.write('first');
  settle(alice, bob);
  bob.store = backup;
  for (const text of texts) bob.write(text);
  return { alice, bob };
}

const restored = (events: readonly AgentEvent[]) => events.filter((e) => e.event === 'restored');
const problems = (events: readonly AgentEvent[]) => events.filter((e) => e.event === 'rejected' || e.event === 'failed');

/** Exchanges until both outboxes are empty; returns each side's events. */
function settle(alice: Device, bob: Device, now = NOW): { alice: AgentEvent[]; bob: AgentEvent[] } {
  const seen = { alice: [] as AgentEvent[], bob: [] as AgentEvent[] };
  for (let round = 0; round < 10; round++) {
    seen.bob.push(...carry(alice, bob, undefined, now));
    bob.flush();
    seen.alice.push(...carry(bob, alice, undefined, now));
    alice.flush();
    if (alice.store.listOutbox().length === 0 && bob.store.listOutbox().length === 0) return seen;
  }
  assert.fail('the two sides never settled');
}

describe('a state restored from an older copy', () => {
  it('is found by both sides, re-keyed, and loses nothing (the copy, send, restore, send of issue 12)', () => {
    const { alice, bob } = devices();
    const backup = bob.copy();
    bob.write('first');
    assert.deepEqual(settle(alice, bob).alice.filter((e) => e.event === 'message').length, 1);
    bob.store = backup; // restored: Bob's device no longer knows it sent 'first'
    bob.write('second');
    // Sealed under the message key of 'first' (with another nonce): Alice's ratchet has spent it and drops it.
    assert.deepEqual(carry(bob, alice), []);
    alice.write('did you get the tickets?');
    const seen = settle(alice, bob);
    assert.deepEqual(restored(seen.bob), [{ event: 'restored', contact: bob.id, device: 'this', missing: 1 }]);
    assert.deepEqual(restored(seen.alice), [{ event: 'restored', contact: alice.id, device: 'contact', missing: 0 }]);
    assert.deepEqual(problems([...seen.alice, ...seen.bob]), []);
    assert.deepEqual(alice.texts('received'), ['first', 'second'], "Bob's message written from the restored state arrives, once, after the one Alice had");
    assert.deepEqual(bob.texts('received'), ['did you get the tickets?']);
    // Later messages flow both ways on the new ratchet.
    bob.write('yes, both');
    alice.write('great');
    const later = settle(alice, bob);
    assert.deepEqual(problems([...later.alice, ...later.bob]), []);
    assert.deepEqual(alice.texts('received'), ['first', 'second', 'yes, both']);
    assert.deepEqual(bob.texts('received'), ['did you get the tickets?', 'great']);
    assert.equal(bob.connection.resyncOffer ?? null, null);
  });

  it('is found from the next envelope of the restored side when the other writes nothing', () => {
    const { alice, bob } = restoredBob('second', 'third');
    // 'second' is dropped (spent key), 'third' names 'second' as its predecessor where Alice holds 'first': a fork.
    const seen = settle(alice, bob);
    assert.deepEqual(restored(seen.bob).map((e) => e.event === 'restored' && e.device), ['this']);
    assert.deepEqual(restored(seen.alice).map((e) => e.event === 'restored' && e.device), ['contact']);
    assert.deepEqual(alice.texts('received'), ['first', 'second', 'third']);
    alice.write('all three here');
    settle(alice, bob);
    assert.deepEqual(bob.texts('received'), ['all three here']);
  });

  it('sends again what a restored receiver lost', () => {
    const { alice, bob } = devices();
    const backup = bob.copy();
    alice.write('one');
    alice.write('two');
    settle(alice, bob);
    assert.deepEqual(bob.texts('received'), ['one', 'two']);
    bob.store = backup; // Bob's device lost 'one' and 'two'; the relay no longer has them
    alice.write('three');
    bob.write('what did you say?');
    const seen = settle(alice, bob);
    // Alice's ratchet moved on to keys Bob's device lost: he cannot open 'three', which starts the resync.
    assert.deepEqual(problems(seen.bob).map((e) => e.event === 'rejected' && e.reason), ['message rejected: message failed authentication']);
    assert.deepEqual(problems(seen.alice), []);
    assert.deepEqual(restored(seen.bob).map((e) => e.event === 'restored' && e.device), ['this']);
    assert.deepEqual(restored(seen.alice).map((e) => e.event === 'restored' && e.device), ['contact']);
    assert.deepEqual(bob.texts('received'), ['one', 'two', 'three']);
    assert.deepEqual(alice.texts('received'), ['what did you say?']);
  });

  it('asks again for envelopes lost on the way once a gap has stayed open a minute, telling no one', () => {
    const { alice, bob } = devices();
    alice.write('one');
    alice.write('two');
    // Lost after a relay took them (or by Bob's device going back to a copy made before it got them).
    for (const item of alice.store.listOutbox()) alice.store.deleteOutbox(item.id);
    alice.write('three');
    carry(alice, bob);
    alice.write('four');
    carry(alice, bob, undefined, NOW + 59_000);
    assert.deepEqual(bob.texts('received'), [], 'held: the gap may be a delay');
    assert.equal(bob.store.listOutbox().filter((item) => item.seq === 0).length, 0, 'no resync yet');
    alice.write('five');
    carry(alice, bob, undefined, NOW + 61_000);
    assert.equal(bob.store.listOutbox().filter((item) => item.seq === 0).length, 1, 'a resync offer, a minute on');
    const seen = settle(alice, bob);
    assert.deepEqual(bob.texts('received'), ['one', 'two', 'three', 'four', 'five']);
    assert.deepEqual(restored([...seen.alice, ...seen.bob]), [], 'nothing shows a restore: no one is told');
    assert.deepEqual(problems([...seen.alice, ...seen.bob]), []);
  });

  it('refuses a resync from a peer whose view would break the connection, or whose keys name another signer', () => {
    const { alice, bob } = devices();
    const mallory = alice.connection; // Alice's own keys: a peer is free to sign whatever it likes
    const offer = (lastReceivedSeq: number, sig = mallory.signingPublicKey as Uint8Array): Uint8Array => {
      const keys = createInvitationKeys(crypto, { sig: { publicKey: sig, secretKey: mallory.signingSecretKey } }).publicKeys;
      const count = Math.min(RESYNC_WINDOW, lastReceivedSeq);
      const view = { lastSentSeq: 0, lastSentHash: ZERO_HASH, lastReceivedSeq, receivedHashes: Array.from({ length: count }, () => crypto.randomBytes(32)) };
      return sealResync(crypto, mallory.signingSecretKey, mallory.associatedData, { kind: 'offer', timestamp: NOW + lastReceivedSeq, restored: false, view, keys });
    };
    const before = bob.connection;
    for (const body of [offer(0xffff_fffe), offer(before.lastSentSeq + 2_000_000), offer(1, crypto.ed25519KeyPair().publicKey)]) {
      const events = receiveOnAgreed({ store: bob.store, crypto, now: () => NOW }, bob.connection, decodeQueueBody(body) as never);
      assert.match(problems(events).map((e) => (e.event === 'rejected' ? e.reason : '')).join(), /^resync rejected: /);
    }
    assert.equal(bob.connection.lastSentSeq, before.lastSentSeq, 'nothing changed');
    assert.deepEqual(bob.connection.ratchet, before.ratchet);
    assert.deepEqual(restored(alice.store.listMessages(alice.id) as never), []);
    bob.write('still fine');
    settle(alice, bob);
    assert.deepEqual(alice.texts('received'), ['still fine']);
  });

  it('recovers when a relay loses the answer: the offer comes again a minute on, and so does the answer', () => {
    const { alice, bob } = restoredBob('second');
    carry(bob, alice); // 'second' dropped as a spent key
    alice.write('ping');
    carry(alice, bob); // Bob finds his state restored and offers
    carry(bob, alice); // Alice answers, switches to the new ratchet, sends again what Bob lacks
    const answer = alice.store.listOutbox().find((item) => item.seq === 0)!;
    alice.store.deleteOutbox(answer.id); // lost by the relay
    alice.write('after the answer');
    const lost = carry(alice, bob, undefined, NOW + 1_000);
    assert.ok(problems(lost).length > 0, "Bob can't open what Alice seals under the new ratchet");
    assert.equal(bob.store.listOutbox().filter((item) => item.seq === 0).length, 0, 'not sent again within the minute');
    alice.write('still there?');
    carry(alice, bob, undefined, NOW + 61_000);
    assert.equal(bob.store.listOutbox().filter((item) => item.seq === 0).length, 1, 'the same offer, sent again');
    settle(alice, bob, NOW + 61_000);
    assert.equal(bob.connection.resyncOffer ?? null, null, 'completed');
    alice.write('and now?');
    bob.write('all here');
    settle(alice, bob);
    assert.deepEqual(bob.texts('received'), ['ping', 'after the answer', 'still there?', 'and now?']);
    assert.deepEqual(alice.texts('received'), ['first', 'second', 'all here']);
  });

  it('opens late copies sealed under the replaced ratchet for two days, then drops that ratchet', () => {
    const { alice, bob } = restoredBob('second');
    carry(bob, alice);
    alice.write('ping');
    carry(alice, bob); // Bob offers
    alice.write('sealed before the answer');
    // Its copies are held back, as a slow relay would; the resync sends it again anyway.
    const late = alice.store.listOutbox().map(({ id, ...item }) => (alice.store.deleteOutbox(id), item));
    settle(alice, bob);
    assert.deepEqual(bob.texts('received'), ['ping', 'sealed before the answer']);
    const deliverLate = (now: number): AgentEvent[] => {
      for (const item of late) alice.store.addOutbox(item);
      return carry(alice, bob, undefined, now);
    };
    assert.deepEqual(deliverLate(NOW + 24 * 3600_000), [], 'a day on: opened with the replaced ratchet, known, dropped silently');
    assert.notEqual(bob.connection.previousRatchet ?? null, null);
    assert.match(problems(deliverLate(NOW + 3 * 24 * 3600_000)).map((e) => (e.event === 'rejected' ? e.reason : '')).join(), /message rejected/);
    assert.equal(bob.connection.previousRatchet ?? null, null, 'three days on: gone');
    assert.deepEqual(bob.texts('received'), ['ping', 'sealed before the answer']);
  });

  it('ignores a resync a relay forged, altered or replayed', () => {
    const { alice, bob } = restoredBob('second');
    carry(bob, alice);
    alice.write('ping');
    carry(alice, bob); // Bob finds his state restored: his offer waits in the outbox
    const [offer] = bob.store.listOutbox().filter((item) => item.seq === 0);
    assert.ok(offer !== undefined);
    // Altered by a relay: the signature no longer verifies, and Alice changes nothing.
    const before = alice.connection;
    const altered = carry(bob, alice, (body) => {
      const copy = body.slice();
      copy[copy.length - 1]! ^= 1;
      return copy;
    });
    assert.match(problems(altered).map((e) => (e.event === 'rejected' ? e.reason : '')).join(), /resync rejected: .*signature/);
    assert.deepEqual(alice.connection.ratchet, before.ratchet);
    // The genuine offer, then the same offer again (a replay): answered once.
    bob.store.addOutbox({ ...offer, id: undefined } as never);
    bob.store.addOutbox({ ...offer, id: undefined } as never);
    carry(bob, alice);
    assert.equal(alice.store.listOutbox().filter((item) => item.seq === 0).length, 1, 'one answer');
    const seen = settle(alice, bob);
    assert.deepEqual(problems([...seen.alice, ...seen.bob]), []);
    assert.deepEqual(alice.texts('received'), ['first', 'second']);
    // Bob's old offer replayed after it was answered: ignored.
    const ratchet = alice.connection.ratchet;
    assert.deepEqual(receiveOnAgreed({ store: alice.store, crypto, now: () => NOW }, alice.connection, decodeQueueBody(encodeQueueBody(decodeQueueBody(offer.body))) as never), []);
    assert.deepEqual(alice.connection.ratchet, ratchet);
  });
});
