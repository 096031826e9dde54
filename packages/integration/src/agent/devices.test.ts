/**
 * Issue 14: one person, several devices (docs/protocol/devices.md). Real
 * relay processes; alice links a second device with history, bob's texts
 * reach both devices (one of them off), both devices write at once and
 * every side shows the same 200 texts in one order, proofs verify, and a
 * removed device gets nothing new.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Agent, MemoryStore, type AgentEvent, type AgentStore } from '@graphchat/client';
import { formatInvitationLink, parseInvitationLink, verifyProofBundle } from '@graphchat/core';
import { sodiumCrypto } from '@graphchat/core/crypto-sodium';
import { killSpawnedRelays } from 'graphchat-server/test-support';
import { connectPair, makeAgent, syncAll, webSocket, type TestAgent } from './agent-fixtures.js';
import { RelayUnderTest } from './relay-processes.js';

after(killSpawnedRelays);

/** An agent on an empty store, as a new device starts. */
function newDevice(store: AgentStore = new MemoryStore()): TestAgent {
  const agent = new Agent({ store, crypto: sodiumCrypto, webSocket, timeoutMs: 3000 });
  const events: AgentEvent[] = [];
  agent.onEvent = (event) => events.push(event);
  return { agent, store, events };
}

const sync = (agents: readonly TestAgent[]): Promise<void> => syncAll(agents, 8000, 200);

async function syncUntil(agents: readonly TestAgent[], done: () => boolean, rounds = 15): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await sync(agents);
  assert.ok(done(), 'the devices did not get there');
}

const texts = (side: TestAgent, contact: string): string[] => side.agent.history(contact).map((h) => `${h.direction}:${h.text}`);

describe('several devices per person (devices.md)', () => {
  it('links a second device with history; both receive, both send, one order everywhere; proofs verify; removal holds', async () => {
    const [r1, r2] = await Promise.all([RelayUnderTest.start(), RelayUnderTest.start()]);
    const relays = [r1!.address, r2!.address];
    const alice = makeAgent('alice', relays);
    const bob = makeAgent('bob', relays);
    const { aliceSide, bobSide } = await connectPair(alice, bob);
    bob.agent.send(bobSide, 'before the link 1');
    alice.agent.send(aliceSide, 'before the link 2');
    await syncUntil([alice, bob], () => texts(alice, aliceSide).length === 2 && texts(bob, bobSide).length === 2);

    // Link: the second device joins with its own store.
    const { link } = await alice.agent.linkDevice({ history: true, name: 'phone' });
    assert.match(link, /^graphchat:\/device#/);
    const laptop = newDevice();
    await laptop.agent.joinDevice(link, { name: 'laptop' });
    await syncUntil([alice, laptop, bob], () => {
      const contacts = laptop.agent.contacts();
      return contacts.length === 1 && contacts[0]!.status === 'connected' && !contacts[0]!.connecting;
    });
    assert.equal(laptop.agent.activeProfile().profile.displayName, 'alice');
    const contact = laptop.agent.contacts()[0]!;
    assert.equal(contact.id, aliceSide, 'both devices know the contact by one id');
    // Written at once on both sides (one counter each): shown in the same order as on the phone.
    assert.deepEqual(texts(laptop, aliceSide), texts(alice, aliceSide));
    assert.deepEqual(texts(laptop, aliceSide).sort(), ['received:before the link 1', 'sent:before the link 2']);
    assert.deepEqual(laptop.agent.devices().map((d) => [d.name, d.this]), [['laptop', true], ['phone', false]]);
    assert.deepEqual(alice.agent.devices().map((d) => [d.name, d.this]), [['phone', true], ['laptop', false]]);
    assert.equal(alice.agent.deviceCode(laptop.agent.devices()[0]!.device), laptop.agent.deviceCode(alice.agent.devices()[0]!.device));
    assert.equal(bob.agent.contacts().length, 1, 'bob sees one alice');
    assert.equal(bob.agent.contacts()[0]!.pairs, 2);

    // Bob writes while the phone is off: the laptop gets it.
    const { messageId: offId } = bob.agent.send(bobSide, 'phone is off');
    await syncUntil([laptop, bob], () => texts(laptop, aliceSide).includes('received:phone is off'));

    // Both of alice's devices write 100 at once.
    const many = 100;
    for (let i = 0; i < many; i++) {
      alice.agent.send(aliceSide, `phone ${i}`);
      laptop.agent.send(aliceSide, `laptop ${i}`);
    }
    const all = (side: TestAgent, id: string): string[] => texts(side, id).filter((t) => / (phone|laptop) \d+$/.test(t) || /:(phone|laptop) \d+$/.test(t));
    await syncUntil([alice, laptop, bob], () => all(bob, bobSide).length === 2 * many && all(alice, aliceSide).length === 2 * many && all(laptop, aliceSide).length === 2 * many, 30);
    const bobOrder = all(bob, bobSide).map((t) => t.split(':')[1]);
    assert.equal(new Set(bobOrder).size, 2 * many, 'each text once');
    assert.deepEqual(all(alice, aliceSide).map((t) => t.split(':')[1]), bobOrder, 'the phone shows bob\'s order');
    assert.deepEqual(all(laptop, aliceSide).map((t) => t.split(':')[1]), bobOrder, 'the laptop shows bob\'s order');
    assert.ok(all(alice, aliceSide).every((t) => t.startsWith('sent:')));
    assert.ok(all(laptop, aliceSide).every((t) => t.startsWith('sent:')));
    // Delivery state follows to the other device.
    await syncUntil([alice, laptop, bob], () => laptop.agent.history(aliceSide).filter((h) => h.direction === 'sent').every((h) => h.status === 'delivered'));

    // Bob's client, which did nothing for alice's devices, told one `sent` and one `receipt` for his text, though it went to two pairs.
    const told = (kind: string): number => bob.events.filter((e) => e.event === kind && 'message' in e && e.message === offId).length;
    assert.deepEqual([told('sent'), told('receipt')], [1, 1]);
    assert.ok(bob.agent.history(bobSide).some((h) => h.id === offId && h.status === 'delivered'));

    // Proofs from either device verify.
    for (const side of [alice, laptop]) assert.equal(verifyProofBundle(sodiumCrypto, side.agent.exportProof(aliceSide)).valid, true);

    // The laptop removes the phone: the phone gets nothing new and can't write as alice.
    const phoneId = alice.agent.devices()[0]!.device;
    laptop.agent.removeDevice(phoneId);
    await syncUntil([alice, laptop, bob], () => alice.events.some((e) => e.event === 'device-removed' && e.self) && bob.agent.contacts()[0]!.pairs === 1);
    bob.agent.send(bobSide, 'after the removal');
    await syncUntil([alice, laptop, bob], () => texts(laptop, aliceSide).includes('received:after the removal'));
    assert.ok(!texts(alice, aliceSide).includes('received:after the removal'));
    assert.throws(() => alice.agent.send(aliceSide, 'still me?'), { code: 'NOT_CONNECTED' });
  });

  it('a third device linked through the first gets its own channel with the second, and all three show the same conversation', async () => {
    const [r1] = await Promise.all([RelayUnderTest.start()]);
    const relays = [r1!.address];
    const phone = makeAgent('alice', relays);
    const bob = makeAgent('bob', relays);
    const { aliceSide, bobSide } = await connectPair(phone, bob);
    const laptop = newDevice();
    await laptop.agent.joinDevice((await phone.agent.linkDevice({ name: 'phone' })).link, { name: 'laptop' });
    const connectedTo = (side: TestAgent): boolean => side.agent.contacts().some((c) => c.id === aliceSide && c.status === 'connected' && !c.connecting);
    await syncUntil([phone, laptop, bob], () => connectedTo(laptop));
    const tablet = newDevice();
    await tablet.agent.joinDevice((await phone.agent.linkDevice()).link, { name: 'tablet' });
    const meshed = (side: TestAgent): boolean => side.agent.devices().length === 3 && side.agent.devices().every((d) => d.connected);
    await syncUntil([phone, laptop, tablet, bob], () => connectedTo(tablet) && [phone, laptop, tablet].every(meshed), 25);
    assert.equal(bob.agent.contacts().length, 1);
    assert.equal(bob.agent.contacts()[0]!.pairs, 3, 'bob holds one pair with each of alice\'s devices');

    tablet.agent.send(aliceSide, 'from the tablet');
    laptop.agent.send(aliceSide, 'from the laptop');
    bob.agent.send(bobSide, 'to all three');
    const all = [phone, laptop, tablet];
    await syncUntil([...all, bob], () => all.every((side) => texts(side, aliceSide).length === 3) && texts(bob, bobSide).length === 3);
    for (const side of all) assert.deepEqual(texts(side, aliceSide).map((t) => t.split(':')[1]), texts(bob, bobSide).map((t) => t.split(':')[1]));
    assert.deepEqual(texts(laptop, aliceSide).filter((t) => t.startsWith('sent:')).sort(), ['sent:from the laptop', 'sent:from the tablet']);

    // The phone goes off for good; the tablet removes the laptop: phone and tablet agree once the phone is back.
    const laptopId = laptop.agent.devices()[0]!.device;
    tablet.agent.removeDevice(laptopId);
    await syncUntil([phone, laptop, tablet, bob], () => laptop.events.some((e) => e.event === 'device-removed' && e.self) && phone.agent.devices().some((d) => d.device === laptopId && d.removed) && bob.agent.contacts()[0]!.pairs === 2);
  });

  it('a connection made at version 3 moves to version 4 by the version offers, and then the second device is introduced over it', async () => {
    const [r1] = await Promise.all([RelayUnderTest.start()]);
    const alice = makeAgent('alice', [r1!.address]);
    const bob = makeAgent('bob', [r1!.address]);
    // An invitation that says version 3 at most: the connection is made at 3, as with a client of before.
    const { link, contactId: aliceSide } = await alice.agent.createInvitation();
    const capped = formatInvitationLink({ ...parseInvitationLink(link), versions: { min: 2, max: 3 } });
    const { contactId: bobSide } = await bob.agent.connect(capped);
    await syncUntil([alice, bob], () => alice.agent.findContact(aliceSide).status === 'connected' && bob.agent.findContact(bobSide).status === 'connected');
    bob.agent.send(bobSide, 'at version 3');
    await syncUntil([alice, bob], () => alice.agent.findContact(aliceSide).version === 4 && bob.agent.findContact(bobSide).version === 4 && texts(alice, aliceSide).length === 1);
    const laptop = newDevice();
    await laptop.agent.joinDevice((await alice.agent.linkDevice({ history: true })).link, { name: 'laptop' });
    await syncUntil([alice, laptop, bob], () => laptop.agent.contacts().some((c) => c.id === aliceSide && c.status === 'connected' && !c.connecting));
    laptop.agent.send(aliceSide, 'from the laptop');
    await syncUntil([alice, laptop, bob], () => texts(bob, bobSide).includes('received:from the laptop') && texts(alice, aliceSide).includes('sent:from the laptop'));
    assert.deepEqual(texts(laptop, aliceSide), texts(alice, aliceSide));
  });

  it('a new contact, a profile edit and a verification made on one device show on the other', async () => {
    const [r1] = await Promise.all([RelayUnderTest.start()]);
    const phone = makeAgent('alice', [r1!.address]);
    const laptop = newDevice();
    await laptop.agent.joinDevice((await phone.agent.linkDevice()).link, { name: 'laptop' });
    await syncUntil([phone, laptop], () => laptop.agent.devices().length === 2 && laptop.agent.activeProfile().profile.displayName === 'alice');

    // Carol connects with the phone; the laptop shows her, is introduced, and can write to her.
    const carol = makeAgent('carol', [r1!.address]);
    const { aliceSide, bobSide: carolSide } = await connectPair(phone, carol);
    await syncUntil([phone, laptop, carol], () => laptop.agent.contacts().some((c) => c.id === aliceSide && c.name === 'carol' && c.status === 'connected' && !c.connecting));
    laptop.agent.send(aliceSide, 'hi from the laptop');
    await syncUntil([phone, laptop, carol], () => texts(carol, carolSide).includes('received:hi from the laptop') && texts(phone, aliceSide).includes('sent:hi from the laptop'));

    // The phone edits the profile and verifies carol's code: the laptop follows.
    phone.agent.updateProfile(phone.agent.activeProfile().id, { displayName: 'Alice A.' });
    assert.equal(phone.agent.verifyCode(aliceSide, carol.agent.securityCode(carolSide)), true);
    await syncUntil([phone, laptop, carol], () => laptop.agent.activeProfile().profile.displayName === 'Alice A.' && laptop.agent.findContact(aliceSide).verified);
    await syncUntil([phone, laptop, carol], () => carol.agent.findContact(carolSide).name === 'Alice A.');
  });
});
