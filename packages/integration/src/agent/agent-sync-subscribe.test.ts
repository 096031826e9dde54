// sync() must receive on every receive queue, also on queues made by
// createInvitation or connect just before, while the agent was not running.
//
// Both calls open a relay session (to send NEW) that stays open, and whose
// onUp ran before the new connection was stored. start() reuses that session
// (PoolSession.open() does not report it up again), so start() itself must
// subscribe: otherwise a sync right after createInvitation misses the
// confirmation, and one right after connect misses the reply.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { makeAgent } from './agent-fixtures.js';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

describe('sync after createInvitation or connect', () => {
  let relay: Relay;
  before(async () => {
    relay = await startTestRelay();
  });
  after(() => relay.close());

  it('receives on the new queues in the first sync', async () => {
    const alice = makeAgent('alice', [relay.address]);
    const bob = makeAgent('bob', [relay.address]);
    const { link, contactId: aliceSide } = await alice.agent.createInvitation();
    const { contactId: bobSide } = await bob.agent.connect(link);
    // The confirmation is on the relay already (connect sends it at once).
    await alice.agent.sync({ timeoutMs: 5000, idleMs: 300 });
    assert.equal(alice.store.getConnection(aliceSide)!.status, 'accepted', 'alice took the confirmation in her first sync');
    await bob.agent.sync({ timeoutMs: 5000, idleMs: 300 });
    assert.equal(bob.store.getConnection(bobSide)!.status, 'connected', 'bob took the reply in his first sync');
  });
});
