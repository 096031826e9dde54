/**
 * The AgentStore contract, one suite for every backend (MemoryStore, the
 * terminal client's SQLite store, the web client's IndexedDB store): the
 * agent is tested on MemoryStore and runs on the others, so they must all
 * answer alike. Explicit cases first, then random sequences of operations
 * compared answer by answer against MemoryStore.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AgentStore } from '../store/agent-store.js';
import type { SenderSecret } from '../store/keys.js';
import { MemoryStore } from '../store/memory-store.js';
import { connection, key, message, outboxItem, profile, queued } from './sample-records.js';
import { random, snapshot, step } from './store-steps.js';

export interface StoreBackend {
  /** A new, empty store. */
  open(): AgentStore | Promise<AgentStore>;
  /**
   * The store last opened, opened again after the suite flushed and closed
   * it. Backends that keep nothing beyond the process leave it out.
   */
  reopen?(): AgentStore | Promise<AgentStore>;
  /** Called once the suite is done, e.g. to remove temporary files. */
  cleanup?(): void | Promise<void>;
}

/** Steps per random sequence, and the seeds of the sequences. */
const STEPS = 400;
const SEEDS = [1, 2, 3];

/** Declares the contract's node:test cases for the backend called `name`. */
export function describeStoreContract(name: string, backend: StoreBackend): void {
  /** A case run on a new store, closed afterwards. */
  const itOnNewStore = (title: string, body: (store: AgentStore) => void) =>
    it(title, async () => {
      const store = await backend.open();
      try {
        body(store);
      } finally {
        store.close();
      }
    });

  describe(`AgentStore contract: ${name}`, () => {
    after(() => backend.cleanup?.());

    itOnNewStore('keeps meta values, overwriting by key', (store) => {
      assert.equal(store.getMeta('k'), null);
      store.setMeta('k', 'one');
      store.setMeta('other', '');
      store.setMeta('k', 'two');
      assert.equal(store.getMeta('k'), 'two');
      assert.equal(store.getMeta('other'), '');
    });

    itOnNewStore('keeps profiles in first-stored order; a put replaces in place', (store) => {
      assert.deepEqual(store.listProfiles(), []);
      assert.equal(store.getProfile('p1'), null);
      store.putProfile(profile('p2'));
      store.putProfile(profile('p1'));
      const minimal = { id: 'p3', profile: { displayName: 'Min' }, relays: [], sessionPerConnection: true, createdAt: 5 };
      store.putProfile(minimal);
      store.putProfile(profile('p2', 'Renamed'));
      assert.deepEqual(store.getProfile('p2'), profile('p2', 'Renamed'));
      assert.deepEqual(store.getProfile('p3'), minimal);
      assert.deepEqual(
        store.listProfiles().map((p) => [p.id, p.profile.displayName]),
        [
          ['p2', 'Renamed'],
          ['p1', 'name of p1'],
          ['p3', 'Min'],
        ],
      );
    });

    itOnNewStore('keeps connections with every byte field, listed per profile or all', (store) => {
      const c1 = connection('c1', 'p1');
      const c2 = connection('c2', 'p2', { status: 'invited', peerProfile: null, ratchet: null, peerSigningKey: null, invitationLink: 'https://x/#inv' });
      const c3 = connection('c3', 'p1', {
        agreementSecrets: { dh: { publicKey: new Uint8Array([1]), secretKey: new Uint8Array([2]) }, kem: { publicKey: new Uint8Array(1184).fill(3), secretKey: new Uint8Array([4]) } },
        failure: 'keys substituted',
        status: 'failed',
      });
      store.putConnection(c1);
      store.putConnection(c2);
      store.putConnection(c3);
      assert.deepEqual(store.getConnection('c2'), c2);
      assert.deepEqual(store.getConnection('c3'), c3);
      assert.equal(store.getConnection('nope'), null);
      assert.ok(store.getConnection('c1')!.ratchet instanceof Uint8Array);
      assert.deepEqual(store.listConnections(), [c1, c2, c3]);
      assert.deepEqual(store.listConnections('p1'), [c1, c3]);
      assert.deepEqual(store.listConnections('p9'), []);
      const moved = { ...c1, profileId: 'p2', lastSentSeq: 9 };
      store.putConnection(moved);
      assert.deepEqual(store.listConnections('p2'), [moved, c2]);
      assert.deepEqual(store.listConnections('p1'), [c3]);
    });

    itOnNewStore('lists messages in the order first stored, not by id, and updates in place', (store) => {
      const ids = ['m3', 'm1', 'b', 'm2', 'a'];
      for (const [i, id] of ids.entries()) store.putMessage(message(id, 'c1', { seq: i + 1 }));
      store.putMessage(message('x', 'c2'));
      assert.deepEqual(
        store.listMessages('c1').map((m) => m.id),
        ids,
      );
      const delivered = message('m1', 'c1', { seq: 2, status: 'delivered' });
      store.putMessage(delivered);
      assert.deepEqual(store.getMessage('m1'), delivered);
      assert.deepEqual(
        store.listMessages('c1').map((m) => m.id),
        ids,
      );
      assert.equal(store.getMessage('none'), null);
      assert.deepEqual(store.listMessages('c3'), []);
    });

    itOnNewStore('lists unencrypted sent messages (queued, seq 0) oldest first', (store) => {
      store.putMessage(queued('q2', 'c1'));
      store.putMessage(message('s1', 'c1', { seq: 1 }));
      store.putMessage(queued('q1', 'c1'));
      store.putMessage(message('r0', 'c1', { direction: 'received', status: 'received', seq: 0 }));
      store.putMessage(message('q-sent', 'c1', { seq: 2, status: 'queued' }));
      store.putMessage(queued('other', 'c2'));
      assert.deepEqual(
        store.listUnencrypted('c1').map((m) => m.id),
        ['q2', 'q1'],
      );
      assert.deepEqual(store.listUnencrypted('c1')[0], queued('q2', 'c1'));
      store.putMessage(message('q2', 'c1', { seq: 3, status: 'sent' }));
      assert.deepEqual(
        store.listUnencrypted('c1').map((m) => m.id),
        ['q1'],
      );
    });

    itOnNewStore('finds a message by connection, direction and seq', (store) => {
      store.putMessage(message('s5', 'c1', { seq: 5 }));
      store.putMessage(message('r5', 'c1', { seq: 5, direction: 'received', status: 'received' }));
      store.putMessage(message('o5', 'c2', { seq: 5 }));
      assert.equal(store.findMessageBySeq('c1', 'sent', 5)?.id, 's5');
      assert.equal(store.findMessageBySeq('c1', 'received', 5)?.id, 'r5');
      assert.equal(store.findMessageBySeq('c2', 'sent', 5)?.id, 'o5');
      assert.equal(store.findMessageBySeq('c1', 'sent', 6), null);
      assert.equal(store.findMessageBySeq('c3', 'received', 5), null);
      assert.deepEqual(store.findMessageBySeq('c1', 'sent', 5), message('s5', 'c1', { seq: 5 }));
    });

    itOnNewStore('numbers outbox items increasingly, lists them in id order, updates and deletes them', (store) => {
      const a = store.addOutbox(outboxItem('c1'));
      const b = store.addOutbox(outboxItem('c2', { senderSecretKey: null, messageId: 'm1' }));
      const c = store.addOutbox(outboxItem('c1', { body: new Uint8Array([9]) }));
      assert.ok(a.id < b.id && b.id < c.id);
      assert.deepEqual(b, { ...outboxItem('c2', { senderSecretKey: null, messageId: 'm1' }), id: b.id });
      assert.deepEqual(store.listOutbox(), [a, b, c]);
      const retried = { ...a, relay: 'emp://fp@other.example', senderSecretKey: key<SenderSecret>(2, 1) };
      store.updateOutbox(retried);
      store.updateOutbox({ ...a, id: 9999 });
      assert.deepEqual(store.listOutbox(), [retried, b, c]);
      store.deleteOutbox(b.id);
      store.deleteOutbox(12345);
      assert.deepEqual(store.listOutbox(), [retried, c]);
      store.deleteOutbox(c.id);
      const d = store.addOutbox(outboxItem('c3'));
      assert.ok(d.id > c.id, 'an id is never reused');
      assert.deepEqual(
        store.listOutbox().map((item) => item.id),
        [a.id, d.id],
      );
    });

    itOnNewStore('holds out-of-order plaintexts per connection; take removes, count counts', (store) => {
      store.putHeld('c1', 5, new Uint8Array([5]));
      store.putHeld('c1', 7, new Uint8Array([7, 7]));
      store.putHeld('c10', 5, new Uint8Array([10]));
      store.putHeld('c1', 7, new Uint8Array([7, 7, 7]));
      assert.equal(store.countHeld('c1'), 2);
      assert.equal(store.countHeld('c10'), 1);
      assert.equal(store.countHeld('c2'), 0);
      assert.equal(store.takeHeld('c1', 6), null);
      const taken = store.takeHeld('c1', 7);
      assert.deepEqual(taken, new Uint8Array([7, 7, 7]));
      assert.equal(Object.getPrototypeOf(taken), Uint8Array.prototype);
      assert.equal(store.takeHeld('c1', 7), null);
      assert.equal(store.countHeld('c1'), 1);
      assert.deepEqual(store.takeHeld('c10', 5), new Uint8Array([10]));
      assert.equal(store.countHeld('c10'), 0);
    });

    itOnNewStore('commits a transaction and returns its value; reads inside see its writes', (store) => {
      const result = store.transaction(() => {
        store.setMeta('k', 'v');
        store.putMessage(message('m1', 'c1'));
        assert.equal(store.getMeta('k'), 'v');
        assert.equal(store.listMessages('c1').length, 1);
        return 42;
      });
      assert.equal(result, 42);
      assert.equal(store.getMeta('k'), 'v');
      assert.equal(store.getMessage('m1')?.id, 'm1');
    });

    itOnNewStore('rolls back every kind of write when the transaction throws', (store) => {
      store.setMeta('k', 'before');
      store.putProfile(profile('p1'));
      const kept = store.addOutbox(outboxItem('c1'));
      store.putHeld('c1', 1, new Uint8Array([1]));
      const boom = new Error('boom');
      assert.throws(
        () =>
          store.transaction(() => {
            store.setMeta('k', 'after');
            store.putProfile(profile('p1', 'Changed'));
            store.putProfile(profile('p2'));
            store.putConnection(connection('c1', 'p1'));
            store.putMessage(message('m1', 'c1'));
            store.addOutbox(outboxItem('c1'));
            store.deleteOutbox(kept.id);
            store.putHeld('c1', 2, new Uint8Array([2]));
            assert.deepEqual(store.takeHeld('c1', 1), new Uint8Array([1]));
            throw boom;
          }),
        (error) => error === boom,
      );
      assert.equal(store.getMeta('k'), 'before');
      assert.deepEqual(store.listProfiles(), [profile('p1')]);
      assert.deepEqual(store.listConnections(), []);
      assert.deepEqual(store.listMessages('c1'), []);
      assert.deepEqual(store.listOutbox(), [kept]);
      assert.equal(store.countHeld('c1'), 1);
      assert.deepEqual(store.takeHeld('c1', 1), new Uint8Array([1]));
      const next = store.addOutbox(outboxItem('c1'));
      assert.ok(next.id > kept.id);
      // And the store still works for the next transaction.
      store.transaction(() => store.setMeta('k', 'later'));
      assert.equal(store.getMeta('k'), 'later');
    });

    itOnNewStore('refuses a nested transaction', (store) => {
      assert.throws(() => store.transaction(() => store.transaction(() => 1)));
      store.transaction(() => store.setMeta('still', 'works'));
      assert.equal(store.getMeta('still'), 'works');
    });

    describe('answers as MemoryStore does', () => {
      for (const seed of SEEDS) {
        const title = `for ${STEPS} random steps (seed ${seed})${backend.reopen === undefined ? '' : ', and again after reopening'}`;
        it(title, async () => {
          const memory = new MemoryStore();
          const store = await backend.open();
          const [nextMemory, nextStore] = [random(seed), random(seed)];
          try {
            for (let i = 0; i < STEPS; i++) {
              assert.deepEqual(step(store, nextStore), step(memory, nextMemory), `step ${i}`);
              assert.deepEqual(snapshot(store), snapshot(memory), `after step ${i}`);
            }
            await store.flush?.();
          } finally {
            store.close();
          }
          if (backend.reopen === undefined) return;
          const reopened = await backend.reopen();
          try {
            assert.deepEqual(snapshot(reopened), snapshot(memory));
          } finally {
            reopened.close();
          }
        });
      }
    });
  });
}
