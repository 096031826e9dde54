// The membership rule of groups (groups.md §5): every member holding the
// same events computes the same members and roles, whatever order they
// came in; each change counts only if its author could make it at its
// place in the one order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { groupState, type GroupEvent, type GroupRole } from './membership.js';

/** A small event log under construction: each event names the latest events given as its parents. */
function log() {
  const events: GroupEvent[] = [];
  let n = 0;
  const make = (author: string, kind: GroupEvent['kind'], parents: readonly GroupEvent[], extra: { target?: string; role?: GroupRole; hash?: string } = {}): GroupEvent => {
    const event: GroupEvent = {
      hash: extra.hash ?? `h${String(++n).padStart(3, '0')}`,
      author,
      kind,
      parents: parents.map((p) => p.hash),
      lamport: Math.max(0, ...parents.map((p) => p.lamport)) + 1,
      ...(extra.target !== undefined ? { target: extra.target } : {}),
      ...(extra.role !== undefined ? { role: extra.role } : {}),
    };
    events.push(event);
    return event;
  };
  return { events, make };
}

const view = (events: readonly GroupEvent[]) => {
  const state = groupState(events);
  return { members: Object.fromEntries([...state.members].sort()), deleted: state.deleted, effective: [...state.effective].sort() };
};

/** Alice creates, adds bob and carol as admins, both join. */
function threeAdmins() {
  const { events, make } = log();
  const create = make('alice', 'create', []);
  const addBob = make('alice', 'add', [create], { target: 'bob', role: 'admin' });
  const addCarol = make('alice', 'add', [addBob], { target: 'carol', role: 'admin' });
  const bobJoins = make('bob', 'join', [addCarol], { target: 'bob' });
  const carolJoins = make('carol', 'join', [bobJoins], { target: 'carol' });
  return { events, make, head: carolJoins };
}

describe('the membership rule (groups.md §5)', () => {
  it('create, add and join: the creator owns the group, the added join with their roles', () => {
    const { events, make } = log();
    const create = make('alice', 'create', []);
    const add = make('alice', 'add', [create], { target: 'dan', role: 'observer' });
    assert.deepEqual(view(events).members, { alice: { role: 'owner', status: 'member' }, dan: { role: 'observer', status: 'invited' } });
    make('dan', 'join', [add], { target: 'dan' });
    assert.deepEqual(view(events).members.dan, { role: 'observer', status: 'member' });
  });

  it('a change by someone who may not make it is refused, the same everywhere', () => {
    const { events, make } = log();
    const create = make('alice', 'create', []);
    const add = make('alice', 'add', [create], { target: 'bob', role: 'member' });
    const join = make('bob', 'join', [add], { target: 'bob' });
    const byMember = make('bob', 'add', [join], { target: 'eve', role: 'admin' });
    const notJoined = make('eve', 'join', [byMember], { target: 'eve' });
    const secondCreate = make('bob', 'create', []);
    const state = groupState(events);
    for (const refused of [byMember, notJoined, secondCreate]) assert.ok(state.refused.has(refused.hash), refused.kind);
    assert.equal(state.members.has('eve'), false);
  });

  it('an admin never removes an owner nor makes one; the owner can', () => {
    const { events, make, head } = threeAdmins();
    const removeOwner = make('bob', 'remove', [head], { target: 'alice' });
    const makeOwner = make('bob', 'role', [removeOwner], { target: 'carol', role: 'owner' });
    const ownerMakesOwner = make('alice', 'role', [makeOwner], { target: 'carol', role: 'owner' });
    const state = groupState(events);
    assert.ok(state.refused.has(removeOwner.hash) && state.refused.has(makeOwner.hash));
    assert.ok(state.effective.has(ownerMakesOwner.hash));
    assert.deepEqual(view(events).members.carol, { role: 'owner', status: 'member' });
  });

  it('two admins remove each other at the same moment: the first in (lamport, hash) wins, on every member', () => {
    const { events, make, head } = threeAdmins();
    const bobRemovesCarol = make('bob', 'remove', [head], { target: 'carol', hash: 'aaa' });
    const carolRemovesBob = make('carol', 'remove', [head], { target: 'bob', hash: 'bbb' });
    const after = view(events);
    assert.deepEqual(after.members.carol, { role: 'admin', status: 'removed' });
    assert.deepEqual(after.members.bob, { role: 'admin', status: 'member' }, "carol's removal came second, when she no longer was an admin");
    assert.ok(groupState(events).effective.has(bobRemovesCarol.hash) && groupState(events).refused.has(carolRemovesBob.hash));
    assert.deepEqual(view([...events].reverse()), after, 'the same whatever order they arrived in');
  });

  it('a member offline during several changes gets the same state once it holds the same events, in any order', () => {
    const { events, make, head } = threeAdmins();
    const a = make('bob', 'add', [head], { target: 'dan', role: 'member' });
    const b = make('carol', 'role', [head], { target: 'bob', role: 'member' });
    const c = make('dan', 'join', [a], { target: 'dan' });
    const d = make('alice', 'remove', [b, c], { target: 'dan' });
    make('bob', 'leave', [d]);
    const expected = view(events);
    fc.assert(fc.property(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), (order) => {
      assert.deepEqual(view(order), expected);
    }));
  });

  it('an event whose parents are missing waits, and counts once they arrive', () => {
    const { events, make } = log();
    const create = make('alice', 'create', []);
    const add = make('alice', 'add', [create], { target: 'bob', role: 'member' });
    const join = make('bob', 'join', [add], { target: 'bob' });
    const early = groupState([create, join]);
    assert.ok(early.waiting.has(join.hash) && !early.members.has('bob'));
    assert.deepEqual(view([join, create, add]), view(events));
    // A parent with a lamport not below its child's: waits for good (no honest author makes it).
    const forged: GroupEvent = { ...join, hash: 'forged', lamport: 1 };
    assert.ok(groupState([...events, forged]).waiting.has('forged'));
  });

  it('after the owner deletes the group nothing more takes effect; a removed member\'s later changes are refused', () => {
    const { events, make, head } = threeAdmins();
    const removeBob = make('alice', 'remove', [head], { target: 'bob' });
    const bobAfter = make('bob', 'add', [removeBob], { target: 'eve', role: 'member' });
    const del = make('alice', 'delete', [bobAfter]);
    const late = make('carol', 'add', [del], { target: 'fay', role: 'member' });
    const state = groupState(events);
    assert.ok(state.refused.has(bobAfter.hash) && state.refused.has(late.hash) && state.effective.has(del.hash));
    assert.equal(state.deleted, true);
  });
});
