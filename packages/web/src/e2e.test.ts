// The browser client end to end (issue 4): real headless Chromium (Debian's,
// driven by playwright-core), the built client served by a real relay
// process, and the terminal client as a real process.
//
// Two browsers (two profiles: two devices) connect by showing and scanning
// an invitation QR code: the second browser's camera is Chromium's fake
// capture device playing a Y4M video made from a screenshot of the first
// browser's QR code. They chat both ways, with delivery states; after a
// reload a wrong passphrase is refused and the right one brings the history
// back. One exports a proof of the conversation and the other checks it,
// and a tampered copy of it. Then a browser and the terminal client connect
// and chat.
//
// With GRAPHCHAT_SCREENSHOTS=DIR the test saves screenshots of the main
// screens there (`npm run screenshots` writes docs/screenshots).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromBase64url, toBase64url, utf8, type ProofBundle } from '@graphchat/core';
import type { Page } from 'playwright-core';
import { launchChromium } from './test-support/browser.js';
import { decodePng } from './test-support/png.js';
import { writeStillY4m } from './test-support/y4m.js';
import { createStore, openPage, ROOT, servingRelay, SLOW, terminal as graphchat } from './test-support/pages.js';

const VECTORS = join(ROOT, 'docs', 'protocol', 'vectors', 'proof.json');
const SCREENSHOTS = process.env['GRAPHCHAT_SCREENSHOTS'];

const even = (n: number): number => n + (n % 2);

async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS === undefined) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Sends a text from the open conversation. */
async function sendText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

const sentMessage = (page: Page, text: string) => page.locator('li.message.sent', { hasText: text });
const receivedMessage = (page: Page, text: string) => page.locator('li.message.received', { hasText: text });

/** The bundle with one byte flipped in the middle of `text` inside the envelope that carries it. */
function tamperText(bundle: ProofBundle, text: string): ProofBundle {
  const needle = utf8(text);
  const at = (bytes: Uint8Array): number => bytes.findIndex((_, i) => needle.every((b, j) => bytes[i + j] === b));
  const index = bundle.envelopes.findIndex((envelope) => at(fromBase64url(envelope)) >= 0);
  assert.ok(index >= 0, `an envelope carries "${text}"`);
  const bytes = fromBase64url(bundle.envelopes[index]!);
  const middle = at(bytes) + Math.floor(needle.length / 2);
  bytes[middle] = bytes[middle]! ^ 0x01;
  return { ...bundle, envelopes: bundle.envelopes.map((envelope, i) => (i === index ? toBase64url(bytes) : envelope)) };
}

describe('web client in Chromium', () => {
  const { temp, url, address: relay } = servingRelay('graphchat-web-');

  it('two browsers connect by a QR code read through the camera, chat both ways, and keep the history behind the passphrase', { timeout: 180_000 }, async (t) => {
    const alice = await openPage(t, await launchChromium(), url(), { width: 1000, height: 720 });
    await createStore(alice, 'Alice', 'alice passphrase 1', () => screenshot(alice, 'create'));
    await alice.getByRole('button', { name: 'Add contact' }).click();
    const code = alice.getByRole('img', { name: 'Invitation QR code' });
    await code.waitFor(SLOW);
    await screenshot(alice, 'invitation');

    // Bob's camera sees Alice's screen: a video of the screenshot of her QR code.
    const image = decodePng(await code.screenshot());
    const camera = join(temp, 'alice-invitation.y4m');
    writeStillY4m(camera, image, even(image.width + 64), even(image.height + 64));
    const bob = await openPage(t, await launchChromium(camera), url(), { width: 390, height: 780 });
    await createStore(bob, 'Bob', 'bob passphrase 22');
    await bob.getByRole('button', { name: 'Scan' }).click();
    await bob.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);
    await alice.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);
    assert.equal(await bob.locator('.chat-header h2').textContent(), 'Alice');
    assert.equal(await alice.locator('.chat-header h2').textContent(), 'Bob');

    await sendText(alice, 'Hello Bob, from a browser');
    await receivedMessage(bob, 'Hello Bob, from a browser').waitFor(SLOW);
    await sentMessage(alice, 'Hello Bob, from a browser').and(alice.locator('[data-status="delivered"]')).waitFor(SLOW);
    assert.match((await sentMessage(alice, 'Hello Bob').locator('.status').textContent()) ?? '', /delivered/);
    await sendText(bob, 'Hi Alice! Read through the camera.');
    await receivedMessage(alice, 'Hi Alice! Read through the camera.').waitFor(SLOW);
    await sentMessage(bob, 'Hi Alice!').and(bob.locator('[data-status="delivered"]')).waitFor(SLOW);
    await screenshot(alice, 'conversation');
    await screenshot(bob, 'conversation-phone');

    // Alice exports a proof of the conversation; Bob checks it, then a copy with one byte of her text changed.
    const [download] = await Promise.all([alice.waitForEvent('download'), alice.getByRole('button', { name: 'Export proof' }).click()]);
    assert.equal(download.suggestedFilename(), 'graphchat-proof-Bob.json');
    const proofFile = join(temp, 'proof.json');
    await download.saveAs(proofFile);
    await bob.getByRole('button', { name: 'Verify proof' }).click();
    await bob.getByLabel('Proof file').setInputFiles(proofFile);
    await bob.getByRole('status').filter({ hasText: /^VALID/ }).waitFor();
    const proven = bob.getByRole('list', { name: 'Proven messages' }).getByRole('listitem');
    for (const text of ['Hello Bob, from a browser', 'Hi Alice! Read through the camera.']) {
      assert.match((await proven.filter({ hasText: text }).textContent()) ?? '', /received, receipt seq \d+ at/, text);
    }
    assert.match((await bob.locator('.proof-facts').textContent()) ?? '', /Security code(\d{5} ?){6}/);
    // Each text answers the other's, listed above it: no note on either.
    for (const text of ['Hello Bob, from a browser', 'Hi Alice! Read through the camera.']) {
      assert.equal(await proven.filter({ hasText: text }).locator('.context').count(), 0, text);
    }
    await screenshot(bob, 'proof');

    // Issue 12: the spliced bundles of docs/protocol/vectors/proof.json verify, and the real "Yes!" says what it answers.
    const cases = (JSON.parse(readFileSync(VECTORS, 'utf8')) as { cases: { envelopes: string[]; bundle: ProofBundle }[] }).cases;
    for (const [names, note] of [
      ['FJ4 I5', 'Answers a message not in this proof, not message 1'],
      ['J4 FJ5 I5', 'Answers message 1, not message 2'],
    ] as const) {
      const splicedFile = join(temp, `spliced-${names.replaceAll(' ', '-')}.json`);
      writeFileSync(splicedFile, JSON.stringify(cases.find((c) => c.envelopes.join(' ') === names)!.bundle));
      await bob.getByLabel('Proof file').setInputFiles(splicedFile);
      await bob.getByRole('status').filter({ hasText: /^VALID/ }).waitFor();
      await proven.filter({ hasText: 'Will you transfer me 10,000 EUR?' }).waitFor();
      assert.equal(await proven.filter({ hasText: 'Yes!' }).locator('.context').textContent(), note, names);
    }
    const tamperedFile = join(temp, 'proof-tampered.json');
    writeFileSync(tamperedFile, JSON.stringify(tamperText(JSON.parse(readFileSync(proofFile, 'utf8')) as ProofBundle, 'Hello Bob, from a browser')));
    await bob.getByLabel('Proof file').setInputFiles(tamperedFile);
    await bob.getByRole('status').filter({ hasText: /^NOT VALID/ }).waitFor();
    await bob.getByRole('list', { name: 'Failures' }).getByText(/^BAD_SIGNATURE envelopes\[\d+\]: /).waitFor();

    // Bob scanned Alice's code in person: that is recorded; the code comparison is not done yet.
    await bob.getByRole('button', { name: 'Back to contacts' }).click();
    await bob.getByText('scanned in person').waitFor();
    await screenshot(bob, 'contacts-phone');
    await alice.getByRole('button', { name: 'Security code' }).click();
    const aliceCode = await alice.getByLabel('Security code', { exact: true }).textContent();
    await screenshot(alice, 'security-code');
    await bob.getByRole('button', { name: /^Alice/ }).click();
    await bob.getByRole('button', { name: 'Security code' }).click();
    assert.equal(await bob.getByLabel('Security code', { exact: true }).textContent(), aliceCode, 'both sides show the same code');
    await bob.getByLabel("Contact's security code").fill(aliceCode ?? '');
    await bob.getByRole('button', { name: 'Compare' }).click();
    await bob.getByText('Verified ✔: the codes match.').waitFor();

    await alice.getByRole('button', { name: 'Relays' }).click();
    await alice.getByRole('button', { name: 'Test' }).click();
    await alice.getByText('answers, and its identity matches the address').waitFor(SLOW);
    await screenshot(alice, 'relays');
    await alice.getByRole('button', { name: 'Profile' }).click();
    await screenshot(alice, 'profile');

    // A reload: the wrong passphrase is refused, the right one brings everything back.
    await bob.reload();
    await bob.getByLabel('Passphrase').fill('not bob passphrase');
    await bob.getByRole('button', { name: 'Unlock' }).click();
    await bob.getByRole('alert').filter({ hasText: /passphrase/i }).waitFor(SLOW);
    assert.equal(await bob.getByRole('button', { name: 'Add contact' }).count(), 0, 'nothing opens with a wrong passphrase');
    await screenshot(bob, 'unlock-refused');
    await bob.getByLabel('Passphrase').fill('bob passphrase 22');
    await bob.getByRole('button', { name: 'Unlock' }).click();
    await bob.getByRole('button', { name: /^Alice/ }).click(SLOW);
    await receivedMessage(bob, 'Hello Bob, from a browser').waitFor();
    await sentMessage(bob, 'Hi Alice!').and(bob.locator('[data-status="delivered"]')).waitFor();
    await bob.getByText('verified ✔').waitFor();
    // And the connection still works after the reload.
    await sendText(bob, 'Still here after a reload');
    await alice.getByRole('button', { name: /^Bob/ }).click();
    await receivedMessage(alice, 'Still here after a reload').waitFor(SLOW);

    // Off the record, with both agreeing: each side shows the mode, and the proof export goes away.
    await alice.getByText('On the record: messages are signed').waitFor();
    await alice.getByRole('button', { name: 'Go off the record' }).click();
    await alice.getByText('Waiting for Bob to agree').waitFor();
    await bob.getByText('Alice asks to go off the record').waitFor(SLOW);
    await bob.getByRole('button', { name: 'Agree' }).click();
    await bob.getByText('Off the record: nothing is signed').waitFor();
    await alice.getByText('Off the record: nothing is signed').waitFor(SLOW);
    assert.equal(await alice.getByRole('button', { name: 'Export proof' }).count(), 0);
    await sendText(alice, 'This one is deniable');
    await receivedMessage(bob, 'This one is deniable').waitFor(SLOW);
    await screenshot(bob, 'off-the-record-phone');

    // A second tab on the same store is refused: two agents would advance the same ratchets.
    const secondTab = await alice.context().newPage();
    await secondTab.goto(url());
    await secondTab.getByLabel('Passphrase').fill('alice passphrase 1');
    await secondTab.getByRole('button', { name: 'Unlock' }).click();
    await secondTab.getByRole('alert').filter({ hasText: 'open in another tab' }).waitFor(SLOW);
    await secondTab.close();

    // Installed as a PWA: the service worker starts the client with no network at all.
    await alice.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, SLOW);
    await alice.context().setOffline(true);
    await alice.reload();
    await alice.getByRole('button', { name: 'Unlock' }).waitFor(SLOW);
    await alice.context().setOffline(false);
  });

  it('a browser and the terminal client connect and chat', { timeout: 120_000 }, async (t) => {
    const terminal = join(temp, 'terminal');
    graphchat(terminal, ['init', '--name', 'Terminal Tess', '--server', relay()]);
    const [invitation] = graphchat(terminal, ['invite']);
    const browser = await openPage(t, await launchChromium(), url(), { width: 1000, height: 720 });
    await createStore(browser, 'Browser Ben', 'ben passphrase 333');
    await browser.getByRole('button', { name: 'Scan' }).click();
    await browser.getByLabel('Invitation link').fill(String(invitation!['link']));
    await browser.getByRole('button', { name: 'Connect' }).click();

    const events: Record<string, unknown>[] = [];
    const sync = (): void => void events.push(...graphchat(terminal, ['sync', '--timeout', '10', '--idle', '1']));
    for (let round = 0; round < 5 && !events.some((e) => e['event'] === 'connected'); round++) sync();
    assert.ok(events.some((e) => e['event'] === 'connected' && e['name'] === 'Browser Ben'), 'the terminal client connected');
    await browser.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);

    await sendText(browser, 'Hello terminal');
    await sentMessage(browser, 'Hello terminal').and(browser.locator('[data-status="sent"], [data-status="delivered"]')).waitFor(SLOW);
    for (let round = 0; round < 5 && !events.some((e) => e['event'] === 'message'); round++) sync();
    assert.ok(events.some((e) => e['event'] === 'message' && e['text'] === 'Hello terminal'), 'the terminal client got the message');
    const [contact] = graphchat(terminal, ['contacts']);
    graphchat(terminal, ['send', String(contact!['contact']), 'Hello browser']);
    sync();
    await receivedMessage(browser, 'Hello browser').waitFor(SLOW);
    await sentMessage(browser, 'Hello terminal').and(browser.locator('[data-status="delivered"]')).waitFor(SLOW);
    sync();
    const history = graphchat(terminal, ['history', String(contact!['contact'])]);
    assert.deepEqual(
      history.map((m) => [m['direction'], m['text'], m['status']]),
      [
        ['received', 'Hello terminal', 'received'],
        ['sent', 'Hello browser', 'delivered'],
      ],
    );
  });
});
