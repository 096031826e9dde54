// Moving a conversation between relays, rekey and rotation in the browser
// client (issue 13, graph-chat §8.6), in real headless Chromium against real
// relay processes, with an in-process agent as the contact.
//
// The page and its contact are connected on relay A (which serves the
// client). The contact goes offline; the page adds relay B and removes A on
// the Relays screen, which shows the move waiting for the contact and A as
// leaving; both send texts while the move runs; the contact comes back and
// the move completes (the page is reloaded, its memory lost, while it runs):
// the page's queues are on B only, the contact sends to
// B, and every text arrived once and in order on both sides. Then the page
// asks for new keys (its security code changes to the contact's new code,
// with a notice, and the contact is no longer verified) and new queues.
// Last, with a contact whose connection speaks graph-chat version 2, both
// buttons answer with a sentence saying why not.
//
// With GRAPHCHAT_SCREENSHOTS=DIR the test saves screenshots of the Relays
// screen during the move and of a conversation's relays there.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Agent, MemoryStore, type AgentEvent } from '@graphchat/client';
import { formatInvitationLink, parseInvitationLink } from '@graphchat/core';
import { crypto, portOf, spawnRelay, webSocket } from 'graphchat-server/test-support';
import type { Page } from 'playwright-core';
import { launchChromium } from './test-support/browser.js';
import { createStore, openPage, servingRelay, SLOW } from './test-support/pages.js';

const SCREENSHOTS = process.env['GRAPHCHAT_SCREENSHOTS'];

async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS === undefined) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

const received = (page: Page) => page.locator('li.message.received p.text');

async function sendText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** Waits until `done` holds, checking every 100 ms. */
async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The ports of the relays in a list of the conversation's details (`Your relays…`, `Peggy's relays…`), with their states. */
async function queuesShown(page: Page, label: string): Promise<string[]> {
  return page.locator(`dd[aria-label="${label}"] li`).evaluateAll((items) => items.map((li) => `${/:(\d+)/.exec(li.textContent ?? '')?.[1] ?? '?'} ${(li as HTMLElement).dataset['state'] ?? ''}`));
}

describe('web client: moving relays, new keys and new queues', () => {
  const { temp, url, address: relayA } = servingRelay('graphchat-web-moves-');
  let relayB = '';
  before(async () => {
    relayB = (await spawnRelay(join(temp, 'relay-b'))).address;
  });

  it('moves a conversation from A to B while both talk, then rekeys and rotates it', { timeout: 150_000 }, async (t) => {
    const started = Date.now();
    const peer = new Agent({ store: new MemoryStore(), crypto, webSocket, timeoutMs: 3000 });
    const events: AgentEvent[] = [];
    peer.onEvent = (event) => events.push(event);
    peer.createProfile({ displayName: 'Peggy', relays: [relayA()] });
    t.after(() => peer.stop());
    await peer.start();
    const { link, contactId: peerSide } = await peer.createInvitation();

    const page = await openPage(t, await launchChromium(), url(), { width: 1000, height: 800 });
    await createStore(page, 'Walter', 'walter passphrase 5');
    await page.getByRole('button', { name: 'Scan' }).click();
    await page.getByLabel('Invitation link').fill(link);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);
    await until(() => peer.findContact(peerSide).status === 'connected', 'the contact to connect');
    const fromPage = ['hello'];
    const fromPeer = ['hi'];
    await sendText(page, 'hello');
    peer.send(peerSide, 'hi');
    await received(page).filter({ hasText: 'hi' }).waitFor(SLOW);
    const portA = String(portOf(relayA()));
    const portB = String(portOf(relayB));
    assert.deepEqual(await queuesShown(page, 'Your relays for this conversation'), [`${portA} in use`]);

    await t.test('a: the Relays screen moves the conversation from A to B while both send', async () => {
      // The contact is offline: the move waits for it, and the page shows so.
      await peer.stop();
      await page.getByRole('button', { name: 'Relays' }).click();
      const relays = page.getByRole('list', { name: 'Relays', exact: true });
      await relays.locator('li', { hasText: `:${portA}` }).getByText('connected').waitFor(SLOW);
      await page.getByLabel('Relay address').fill(relayB);
      await page.getByRole('button', { name: 'Add relay' }).click();
      await page.getByText('Your 1 conversation moves to the new list; contacts who are offline follow when they come back.').waitFor(SLOW);
      // B answers: the page's test says so, or its session for the new queues is up already.
      await relays.locator('li', { hasText: `:${portB}` }).getByText(/^(connected|answers, and its identity matches the address)$/).waitFor(SLOW);
      const moves = page.getByRole('list', { name: 'Moves under way' });
      await moves.getByText("Moving Peggy's conversation: waiting for Peggy").waitFor(SLOW);
      await relays.locator('li', { hasText: `:${portA}` }).getByRole('button', { name: /^Remove/ }).click();
      assert.equal(await relays.locator('li').count(), 1, 'B alone is listed');
      await page.getByRole('list', { name: 'Leaving relays' }).locator('li', { hasText: `:${portA}` }).waitFor(SLOW);
      assert.match((await moves.textContent()) ?? '', /Moving Peggy's conversation: (waiting for Peggy|queued)/);
      await screenshot(page, 'relays-moving');

      // Both send while the move waits; then the contact comes back and both send more.
      await page.locator('[data-contact]').first().click();
      for (const text of ['page 1', 'page 2']) await sendText(page, text), fromPage.push(text);
      for (const text of ['peer 1', 'peer 2']) peer.send(peerSide, text), fromPeer.push(text);
      await page.locator('details.connection-details summary', { hasText: "Moving Peggy's conversation" }).waitFor(SLOW);
      await page.locator('details.connection-details summary').click();
      await screenshot(page, 'conversation-moving');
      await page.locator('details.connection-details summary').click();
      await peer.start();
      // The tab dies mid-move (a reload: nothing of the page's memory survives, only what its store holds) and is
      // opened again: the move goes on, and nothing is lost or shown twice (checked below).
      await new Promise((resolve) => setTimeout(resolve, 150));
      await page.reload();
      await page.getByLabel('Passphrase').fill('walter passphrase 5');
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('button', { name: /^Peggy/ }).click(SLOW);
      for (let i = 3; i <= 6; i++) {
        await sendText(page, `page ${i}`);
        fromPage.push(`page ${i}`);
        peer.send(peerSide, `peer ${i}`);
        fromPeer.push(`peer ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await page.locator('details.connection-details summary', { hasText: 'Relays and keys' }).waitFor(SLOW);
      await page.locator('details.connection-details summary').click();
      await page.waitForFunction(
        (port) => {
          const items = [...document.querySelectorAll('dd[aria-label="Your relays for this conversation"] li')];
          return items.length > 0 && items.every((li) => li.textContent?.includes(`:${port}`) && (li as HTMLElement).dataset['state'] === 'in use');
        },
        portB,
        SLOW,
      );
      assert.deepEqual(await queuesShown(page, 'Your relays for this conversation'), [`${portB} in use`], "the contact sends to the page's queue on B only");

      const peerReceived = (): string[] => events.flatMap((e) => (e.event === 'message' && e.contact === peerSide ? [e.text] : []));
      await until(() => peerReceived().length >= fromPage.length, "the page's texts at the contact");
      await received(page).filter({ hasText: fromPeer.at(-1)! }).waitFor(SLOW);
      assert.deepEqual(peerReceived(), fromPage, 'the contact got every text of the page once, in order');
      assert.deepEqual(await received(page).allTextContents(), fromPeer, 'the page got every text of the contact once, in order');
      await until(() => peer.findContact(peerSide).peerQueues.every((q) => q.state === undefined), "the contact's view of the page's queues to settle");
      assert.deepEqual(
        peer.findContact(peerSide).peerQueues.map((q) => portOf(q.relay)),
        [portOf(relayB)],
        'the contact sends to B',
      );

      // The Relays screen: no move under way, and A is gone once its old queue is deleted.
      await page.getByRole('button', { name: 'Relays' }).click();
      await page.getByRole('list', { name: 'Leaving relays' }).waitFor({ state: 'detached', ...SLOW });
      assert.equal(await page.getByRole('list', { name: 'Moves under way' }).count(), 0);
      await relays.locator('li', { hasText: `:${portB}` }).getByText('1 conversation receives here').waitFor(SLOW);
    });

    await t.test('b: new keys from the page change the security code on both sides and unverify the contact', async () => {
      await page.locator('[data-contact]').first().click();
      await page.getByRole('button', { name: 'Security code' }).click();
      const shownCode = async (): Promise<string> => (await page.getByLabel('Security code', { exact: true }).locator('span').allTextContents()).join(' ');
      const oldCode = await shownCode();
      assert.equal(oldCode, peer.securityCode(peerSide));
      await page.getByLabel("Contact's security code").fill(peer.securityCode(peerSide));
      await page.getByRole('button', { name: 'Compare' }).click();
      await page.getByText('Verified ✔: the codes match.').waitFor(SLOW);
      await page.locator('[data-contact]').first().click();
      await page.locator('.chat-header .state', { hasText: 'verified ✔' }).waitFor(SLOW);

      await page.locator('details.connection-details summary').click();
      await page.getByRole('button', { name: 'New keys' }).click();
      await page.locator('li.notice', { hasText: 'You asked for new keys' }).waitFor(SLOW);
      await page.locator('.chat-header .state', { hasText: 'not verified' }).waitFor(SLOW);
      await page.getByText('New keys in force: the security code changed. Compare it again to verify.').waitFor(SLOW);
      await until(() => events.some((e) => e.event === 'rekeyed' && e.contact === peerSide && e.by === 'contact'), 'the contact to be told of the rekey');
      await page.getByRole('button', { name: 'Security code' }).click();
      const newCode = await shownCode();
      assert.notEqual(newCode, oldCode, 'the security code changed');
      assert.equal(newCode, peer.securityCode(peerSide), "the page's new code is the contact's");
      await page.getByText('Not verified yet.').waitFor(SLOW);
      await page.locator('[data-contact]').first().click();
      // And the conversation goes on under the new keys.
      await sendText(page, 'after new keys');
      peer.send(peerSide, 'after new keys too');
      await received(page).filter({ hasText: 'after new keys too' }).waitFor(SLOW);
      await until(() => events.some((e) => e.event === 'message' && e.text === 'after new keys'), 'the text after the rekey at the contact');
    });

    await t.test('c: new queues now from the page', async () => {
      const before = peer.findContact(peerSide).peerQueues.length;
      assert.equal(before, 1);
      events.length = 0;
      await page.locator('details.connection-details summary').click();
      await page.getByRole('button', { name: 'New queues now' }).click();
      await page.getByText('Moved to the new queues.').waitFor(SLOW);
      assert.ok(events.some((e) => e.event === 'move' && e.contact === peerSide && e.step === 'peer-switched'), 'the contact switched to the new queue');
      await page.locator('details.connection-details summary', { hasText: 'Relays and keys' }).waitFor(SLOW);
      await page.waitForFunction(() => [...document.querySelectorAll('dd[aria-label="Your relays for this conversation"] li')].every((li) => (li as HTMLElement).dataset['state'] === 'in use'), undefined, SLOW);
      assert.deepEqual(await queuesShown(page, 'Your relays for this conversation'), [`${portB} in use`]);
      peer.send(peerSide, 'on the new queue');
      await received(page).filter({ hasText: 'on the new queue' }).waitFor(SLOW);
      await page.locator('dd', { hasText: /^next rotation / }).waitFor(SLOW);

      // The rotation period, on the Relays screen: 7 days by default; off, no rotation is planned.
      await page.getByRole('button', { name: 'Relays' }).click();
      assert.equal(await page.getByLabel('Rotation').inputValue(), String(7 * 24 * 3600 * 1000));
      await page.getByLabel('Rotation').selectOption({ label: 'Off' });
      await page.getByText('Saved.', { exact: true }).waitFor(SLOW);
      await page.locator('[data-contact]').first().click();
      await page.locator('dd', { hasText: 'no rotation planned' }).waitFor({ state: 'attached', ...SLOW });
    });
    await t.test('d: a contact whose graphchat speaks version 2 gets a sentence, not a move', async () => {
      // An invitation that offers version 2 only: the connection speaks 2, as with an older client.
      const { link: link3, contactId: olgaSide } = await peer.createInvitation();
      const link2 = formatInvitationLink({ ...parseInvitationLink(link3), versions: { min: 2, max: 2 } });
      await page.getByRole('button', { name: 'Scan' }).click();
      await page.getByLabel('Invitation link').fill(link2);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);
      await until(() => peer.findContact(olgaSide).status === 'connected', 'the version 2 contact to connect');
      await page.locator('details.connection-details summary').click();
      await page.getByRole('button', { name: 'New keys' }).click();
      await page.getByText("This conversation was started with an older graphchat and cannot move to new queues or make new keys. It keeps working as it is; to get them, connect again once you both run the current graphchat.").waitFor(SLOW);
      await page.getByRole('button', { name: 'New queues now' }).click();
      assert.equal(await page.locator('details.connection-details summary').textContent(), 'Relays and keys', 'no move began');
      assert.equal(peer.findContact(olgaSide).version, 2);
    });
    t.diagnostic(`took ${Date.now() - started} ms`);
  });
});
