// The private routing setting in the browser client (issue 12, part 5), in
// real headless Chromium against a real relay that serves the client: the
// setting is on the Relays screen, starts at the default, and a change is
// kept in the encrypted store across a reload.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { launchChromium } from './test-support/browser.js';
import { createStore, openPage, servingRelay, SLOW } from './test-support/pages.js';

describe('web client: private routing setting', () => {
  const { url } = servingRelay('graphchat-web-routing-');

  it('shows the default, changes it, and keeps the change across a reload', { timeout: 120_000 }, async (t) => {
    const page = await openPage(t, await launchChromium(), url(), { width: 1000, height: 720 });
    await createStore(page, 'Rita', 'rita passphrase 4');
    await page.getByRole('button', { name: 'Relays' }).click();

    const setting = page.getByLabel('Private routing');
    assert.equal(await setting.inputValue(), 'unknown-relays');
    await setting.selectOption('never');
    await page.getByText('Saved. The next messages follow it.').waitFor(SLOW);

    await page.reload();
    await page.getByLabel('Passphrase').fill('rita passphrase 4');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('button', { name: 'Relays' }).click(SLOW);
    assert.equal(await page.getByLabel('Private routing').inputValue(), 'never');
  });
});
