import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestRelay } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll } from './agent-fixtures.js';

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

describe('agent over two real relays', () => {
  let relays: Relay[] = [];
  before(async () => {
    relays = [await startTestRelay(), await startTestRelay()];
  });
  after(async () => {
    for (const relay of relays) await relay.close();
  });

  it('connects by invitation and exchanges messages both ways with receipts', async () => {
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    assert.equal(alice.agent.findContact(aliceSide).status, 'connected');
    assert.equal(bob.agent.findContact(bobSide).status, 'connected');
    assert.equal(alice.agent.findContact(aliceSide).name, 'bob');
    assert.equal(bob.agent.findContact(bobSide).name, 'alice');
    assert.equal(alice.agent.securityCode(aliceSide), bob.agent.securityCode(bobSide));

    alice.agent.send(aliceSide, 'hello bob');
    bob.agent.send(bobSide, 'hello alice');
    await syncAll([alice, bob]);
    await syncAll([alice, bob]);
    assert.deepEqual(bob.agent.history(bobSide).map((m) => [m.direction, m.text, m.status]), [
      ['sent', 'hello alice', 'delivered'],
      ['received', 'hello bob', 'received'],
    ]);
    assert.deepEqual(alice.agent.history(aliceSide).map((m) => [m.direction, m.text, m.status]), [
      ['sent', 'hello bob', 'delivered'],
      ['received', 'hello alice', 'received'],
    ]);
  });
});
