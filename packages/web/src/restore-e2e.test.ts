// A contact whose state went back to an older copy (issue 12, graph-chat
// §8.7), seen from the browser client in real headless Chromium: the
// terminal client's state directory is copied, it sends, the copy is put
// back and it sends again. The browser's conversation shows a notice that
// the contact's device went back, every message once and in order, and
// later messages flow both ways.
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium } from './test-support/browser.js';
import { createStore, openPage, servingRelay, SLOW, terminal as graphchat } from './test-support/pages.js';

const received = (page: Page) => page.locator('li.message.received p.text');

describe('web client: a contact restored from an older copy', () => {
  const { temp, url, address: relay } = servingRelay('graphchat-web-restore-');

  it('shows a notice, every message once and in order, and later messages flow', { timeout: 180_000 }, async (t) => {
    const terminal = join(temp, 'terminal');
    graphchat(terminal, ['init', '--name', 'Terminal Tess', '--server', relay()]);
    const [invitation] = graphchat(terminal, ['invite']);
    const page = await openPage(t, await launchChromium(), url(), { width: 1000, height: 720 });
    await createStore(page, 'Browser Ben', 'ben passphrase 444');
    await page.getByRole('button', { name: 'Scan' }).click();
    await page.getByLabel('Invitation link').fill(String(invitation!['link']));
    await page.getByRole('button', { name: 'Connect' }).click();

    const events: Record<string, unknown>[] = [];
    const sync = (): void => void events.push(...graphchat(terminal, ['sync', '--timeout', '10', '--idle', '1']));
    for (let round = 0; round < 5 && !events.some((e) => e['event'] === 'connected'); round++) sync();
    await page.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);
    const contact = String(graphchat(terminal, ['contacts'])[0]!['contact']);

    const copy = join(temp, 'terminal-copy');
    cpSync(terminal, copy, { recursive: true });
    graphchat(terminal, ['send', contact, 'first']);
    sync();
    await received(page).filter({ hasText: 'first' }).waitFor(SLOW);
    sync();

    // The terminal's directory goes back to the copy, which does not know it sent 'first'.
    rmSync(terminal, { recursive: true });
    cpSync(copy, terminal, { recursive: true });
    graphchat(terminal, ['send', contact, 'second']);
    sync();
    await page.getByRole('textbox', { name: 'Message' }).fill('are you there?');
    await page.getByRole('button', { name: 'Send' }).click();
    for (let round = 0; round < 6 && !events.some((e) => e['event'] === 'restored'); round++) sync();
    assert.ok(events.some((e) => e['event'] === 'restored' && e['device'] === 'this'), 'the terminal was told its state went back');
    await page.locator('li.notice', { hasText: "The contact's device went back to an older copy of its data" }).waitFor(SLOW);
    await received(page).filter({ hasText: 'second' }).waitFor(SLOW);

    graphchat(terminal, ['send', contact, 'later']);
    sync();
    await received(page).filter({ hasText: 'later' }).waitFor(SLOW);
    assert.deepEqual(await received(page).allTextContents(), ['first', 'second', 'later'], 'each once, in order');
    const history = graphchat(terminal, ['history', contact]).filter((m) => m['notice'] !== true && m['direction'] === 'received');
    assert.deepEqual(
      history.map((m) => m['text']),
      ['are you there?'],
    );
  });
});
