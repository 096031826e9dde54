// Two agents against a malicious relay that substitutes keys in the
// handshake (issue 3): a substitution must make the connection fail rather
// than succeed with the wrong key (graph-chat §1.6, §1.8; edge-messaging §14.2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeQueueBody, joinAgreement, parseInvitationLink, type ConfirmationKeys } from '@graphchat/core';
import { sodiumCrypto as crypto } from '@graphchat/core/crypto-sodium';
import { makeAgent, type TestAgent } from './agent-fixtures.js';
import { type EvilRelay, evilRelay, flipCiphertextBit, rejections, status, sync, texts } from './malicious-relay.js';

type Substitution = (keys: ConfirmationKeys, link: string) => ConfirmationKeys;
const SUBSTITUTIONS: [string, Substitution][] = [
  ['B_dh', (keys) => ({ ...keys, dh: crypto.x25519KeyPair().publicKey })],
  ['B_e', (keys) => ({ ...keys, ephemeral: crypto.x25519KeyPair().publicKey })],
  ['B_sig', (keys) => ({ ...keys, sig: crypto.ed25519KeyPair().publicKey })],
  ['CT', (keys) => ({ ...keys, ciphertext: crypto.randomBytes(keys.ciphertext.length) })],
  // Even knowing the invitation's public keys, the relay's own agreement cannot carry the joiner's ratchet message.
  ['all keys (its own joinAgreement)', (_keys, link) => joinAgreement(crypto, parseInvitationLink(link).keys).confirmation],
];

function substituteConfirmation(relay: EvilRelay, substitution: Substitution, link: () => string, count: { n: number }): void {
  relay.store.attack = (send) => {
    const body = send.decoded;
    if (body?.type !== 'confirmation') return null;
    count.n++;
    return [encodeQueueBody({ ...body, keys: substitution(body.keys, link()) })];
  };
}

function alterReply(relay: EvilRelay, count: { n: number }): void {
  relay.store.attack = (send) => {
    // The reply is the one ratchet message sent unsigned: the joiner's queues are not secured yet.
    if (send.decoded?.type !== 'message' || send.message.authorized) return null;
    count.n++;
    return [flipCiphertextBit(send.message.body)];
  };
}

async function handshake(alice: TestAgent, bob: TestAgent): Promise<{ aliceSide: string; bobSide: string; link: string }> {
  const { link, contactId: aliceSide } = await alice.agent.createInvitation();
  const { contactId: bobSide } = await bob.agent.connect(link);
  return { aliceSide, bobSide, link };
}

describe('a malicious relay substituting keys in the handshake', { concurrency: true }, () => {
  for (const [name, substitution] of SUBSTITUTIONS) {
    it(`${name} substituted on every relay: the connection fails, the inviter sees it rejected`, async (t) => {
      const relays = [await evilRelay(t), await evilRelay(t)];
      const addresses = relays.map((r) => r.address);
      const alice = makeAgent('alice', addresses);
      const bob = makeAgent('bob', addresses);
      const count = { n: 0 };
      let link = '';
      for (const relay of relays) substituteConfirmation(relay, substitution, () => link, count);
      const invitation = await alice.agent.createInvitation();
      link = invitation.link;
      const { contactId: bobSide } = await bob.agent.connect(link);
      for (let i = 0; i < 3; i++) await sync([alice, bob]);
      assert.equal(count.n, 2, 'substituted on both relays');
      assert.equal(relays.reduce((n, r) => n + r.store.processed(), 0), 2, 'and both substituted confirmations were taken');
      assert.equal(rejections(alice, invitation.contactId).length, 2);
      assert.equal(status(alice, invitation.contactId), 'invited');
      assert.equal(status(bob, bobSide), 'joining');
      assert.ok(!alice.events.some((e) => e.event === 'connected') && !bob.events.some((e) => e.event === 'connected'));
      assert.deepEqual(alice.agent.contacts(), []);
      assert.equal(bob.agent.findContact(bobSide).status, 'pending');
      assert.throws(() => alice.agent.securityCode(invitation.contactId), /no security code/);
    });

    it(`${name} substituted on one of two relays: the genuine keys win, both sides show the same code`, async (t) => {
      const [evil, honest] = [await evilRelay(t), await evilRelay(t)];
      const alice = makeAgent('alice', [evil.address, honest.address]);
      const bob = makeAgent('bob', [evil.address, honest.address]);
      const count = { n: 0 };
      let link = '';
      substituteConfirmation(evil, substitution, () => link, count);
      const invitation = await alice.agent.createInvitation();
      link = invitation.link;
      const { contactId: bobSide } = await bob.agent.connect(link);
      // The substituted confirmation arrives first.
      honest.store.paused = true;
      await sync([alice]);
      assert.equal(count.n, 1);
      assert.equal(evil.store.processed(), 1);
      assert.equal(rejections(alice, invitation.contactId).length, 1);
      assert.equal(status(alice, invitation.contactId), 'invited');
      honest.store.paused = false;
      for (let i = 0; i < 4 && !(status(alice, invitation.contactId) === 'connected' && status(bob, bobSide) === 'connected'); i++) await sync([alice, bob]);
      assert.equal(status(alice, invitation.contactId), 'connected');
      assert.equal(status(bob, bobSide), 'connected');
      assert.equal(alice.agent.securityCode(invitation.contactId), bob.agent.securityCode(bobSide));
      // The security code is that of the genuine keys: bob's own AD, made before anything was sent.
      assert.deepEqual(alice.store.getConnection(invitation.contactId)!.associatedData, bob.store.getConnection(bobSide)!.associatedData);
      alice.agent.send(invitation.contactId, 'hi bob');
      await sync([alice, bob]);
      assert.deepEqual(texts(bob, bobSide, 'received').map((m) => m.text), ['hi bob']);
    });
  }

  it("the inviter's reply altered on every relay: the connection never completes, the joiner sees it rejected", async (t) => {
    const relays = [await evilRelay(t), await evilRelay(t)];
    const addresses = relays.map((r) => r.address);
    const alice = makeAgent('alice', addresses);
    const bob = makeAgent('bob', addresses);
    const count = { n: 0 };
    for (const relay of relays) alterReply(relay, count);
    const { aliceSide, bobSide } = await handshake(alice, bob);
    for (let i = 0; i < 3; i++) await sync([alice, bob]);
    assert.equal(count.n, 2);
    assert.equal(relays.reduce((n, r) => n + r.store.processed(), 0), 2);
    assert.equal(rejections(bob, bobSide).length, 2);
    assert.equal(status(bob, bobSide), 'joining');
    assert.equal(status(alice, aliceSide), 'accepted');
    assert.ok(!alice.events.some((e) => e.event === 'connected') && !bob.events.some((e) => e.event === 'connected'));
    assert.equal(alice.agent.findContact(aliceSide).status, 'pending');
    assert.equal(bob.agent.findContact(bobSide).status, 'pending');
  });

  it("the inviter's reply altered on one of two relays: the genuine reply wins", async (t) => {
    const [evil, honest] = [await evilRelay(t), await evilRelay(t)];
    const alice = makeAgent('alice', [evil.address, honest.address]);
    const bob = makeAgent('bob', [evil.address, honest.address]);
    const count = { n: 0 };
    alterReply(evil, count);
    const { aliceSide, bobSide } = await handshake(alice, bob);
    await sync([alice]);
    assert.equal(count.n, 1);
    honest.store.paused = true;
    await sync([bob]);
    assert.equal(evil.store.processed(), 1);
    assert.equal(rejections(bob, bobSide).length, 1);
    assert.equal(status(bob, bobSide), 'joining');
    honest.store.paused = false;
    for (let i = 0; i < 4 && !(status(alice, aliceSide) === 'connected' && status(bob, bobSide) === 'connected'); i++) await sync([alice, bob]);
    assert.equal(status(alice, aliceSide), 'connected');
    assert.equal(status(bob, bobSide), 'connected');
    assert.equal(alice.agent.securityCode(aliceSide), bob.agent.securityCode(bobSide));
  });
});
