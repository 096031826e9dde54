// Several devices per person (issue 14, docs/protocol/devices.md) in the
// browser client, in real headless Chromium against a real relay process,
// with the terminal client as real processes for the other people and devices.
//
// a: Alice, in the terminal, chats with Bob (another terminal) and makes a
//    device link with history; a new browser joins it from its first
//    screen. The browser shows Bob and the conversation so far, the same
//    security code as the terminal, then connects to Bob on its own: it gets
//    Bob's next text, and its text reaches Bob and shows in Alice's
//    terminal history as sent by her. Last, the terminal removes the browser,
//    and the browser says so.
// b: The reverse: a browser with a profile and a contact makes a device
//    link on its Link a device screen; a new terminal directory joins it
//    and lists the contact and the conversation so far.
// c: Browser to browser: a new browser scans the device link's QR code with
//    its camera on its first screen; both show the same security code.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium } from './test-support/browser.js';
import { decodePng } from './test-support/png.js';
import { writeStillY4m } from './test-support/y4m.js';
import { createStore, openPage, servingRelay, SLOW, terminal as graphchat, terminalProcess, until } from './test-support/pages.js';

async function sendText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

const even = (n: number): number => n + (n % 2);

const messages = (page: Page, direction: 'sent' | 'received') => page.locator(`li.message.${direction} p.text`);
const shownCode = async (page: Page, label: string): Promise<string> => (await page.getByLabel(label, { exact: true }).locator('span').allTextContents()).join(' ');

/** Syncs each terminal directory once (`sync`), returning their events. */
function syncAll(...dirs: string[]): Record<string, unknown>[] {
  return dirs.flatMap((dir) => graphchat(dir, ['sync', '--timeout', '10', '--idle', '1']));
}

/** Connects two terminal directories by an invitation of the first; returns each one's contact id for the other. */
function connectTerminals(inviter: string, joiner: string): { inviterSide: string; joinerSide: string } {
  const [invitation] = graphchat(inviter, ['invite']);
  graphchat(joiner, ['connect', String(invitation!['link'])]);
  for (let round = 0; round < 5; round++) {
    syncAll(inviter, joiner);
    const connected = [inviter, joiner].map((dir) => graphchat(dir, ['contacts']).find((c) => c['status'] === 'connected'));
    if (connected.every((c) => c !== undefined)) return { inviterSide: String(connected[0]!['contact']), joinerSide: String(connected[1]!['contact']) };
  }
  assert.fail('the terminals did not connect');
}

describe('web client: several devices per person', () => {
  const { temp, url, address: relay } = servingRelay('graphchat-web-devices-');

  it('a: the browser joins a device link made in the terminal, gets the contacts and history, and chats as the same person', { timeout: 240_000 }, async (t) => {
    const alice = join(temp, 'alice');
    const bob = join(temp, 'bob');
    graphchat(alice, ['init', '--name', 'Alice', '--server', relay()]);
    graphchat(bob, ['init', '--name', 'Bob', '--server', relay()]);
    const { inviterSide: aliceBob, joinerSide: bobAlice } = connectTerminals(alice, bob);
    graphchat(alice, ['send', aliceBob, 'hello Bob, from the terminal']);
    syncAll(alice, bob);
    graphchat(bob, ['send', bobAlice, 'hello Alice']);
    syncAll(bob, alice);

    const linking = terminalProcess(t, alice, ['device', 'link', '--history', '--name', 'Terminal']);
    await until(() => linking.lines.some((l) => typeof l['link'] === 'string'), 'the device link', 20_000);
    const link = String(linking.lines.find((l) => typeof l['link'] === 'string')!['link']);
    assert.match(link, /^(graphchat:\/|https?:\/\/.*\/)device#/);

    const page = await openPage(t, await launchChromium(), url(), { width: 1000, height: 760 });
    await page.getByRole('button', { name: 'Link to a device you already use' }).click();
    await page.getByLabel(/^Device link/).fill(link);
    await page.getByLabel(/^A name for this device/).fill('Browser');
    await page.getByLabel('Passphrase', { exact: true }).fill('alice passphrase 1');
    await page.getByLabel('Passphrase again').fill('alice passphrase 1');
    await page.getByRole('button', { name: 'Link', exact: true }).click();
    await page.getByRole('button', { name: 'Add contact' }).waitFor(SLOW);

    const done = await linking.exited;
    assert.equal(done.status, 0, `device link: ${done.stderr}`);
    const linked = linking.lines.find((l) => l['linked'] !== undefined)?.['linked'] as { device: string; name: string; code: string } | undefined;
    assert.equal(linked?.name, 'Browser', 'the terminal linked the browser');

    // The share: the profile's name, Bob, and the conversation so far, with Alice's text as sent by her.
    await page.getByRole('combobox', { name: 'Profile' }).locator('option', { hasText: 'Alice' }).waitFor({ state: 'attached', ...SLOW });
    await page.locator('[data-contact]', { hasText: 'Bob' }).click(SLOW);
    await messages(page, 'received').filter({ hasText: 'hello Alice' }).waitFor(SLOW);
    assert.deepEqual(await messages(page, 'sent').allTextContents(), ['hello Bob, from the terminal']);
    // Bob's terminal has not run since: the browser has no pair with Bob yet, and says why it cannot write.
    await page.locator('[data-contact]', { hasText: 'Bob' }).getByText('connecting this device…').waitFor(SLOW);
    await page.getByText('Connecting this device to Bob').waitFor(SLOW);
    assert.equal(await page.getByRole('textbox', { name: 'Message' }).isDisabled(), true, 'no writing until connected');

    // Both devices show the same security code for their channel.
    await page.getByRole('button', { name: 'Devices' }).click();
    const devices = page.getByRole('list', { name: 'Devices' });
    await devices.locator('li', { hasText: 'this device' }).filter({ hasText: 'Browser' }).waitFor(SLOW);
    await devices.locator('li', { hasText: 'Terminal' }).getByRole('button', { name: 'Security code' }).click();
    assert.equal(await shownCode(page, 'Security code with Terminal'), linked!.code, "the browser's code is the terminal's");

    // Bob's terminal is introduced to the browser by Alice's terminal, joins it, and the browser writes on its own pair.
    await page.locator('[data-contact]', { hasText: 'Bob' }).click();
    const composer = page.getByRole('textbox', { name: 'Message' });
    for (let round = 0; round < 8 && !(await composer.isEnabled()); round++) syncAll(alice, bob);
    assert.ok(await composer.isEnabled(), 'the browser connected to Bob');
    graphchat(bob, ['send', bobAlice, 'Bob again']);
    syncAll(bob);
    await messages(page, 'received').filter({ hasText: 'Bob again' }).waitFor(SLOW);

    await sendText(page, 'from the browser');
    await page.locator('li.message.sent', { hasText: 'from the browser' }).and(page.locator('[data-status="sent"], [data-status="delivered"]')).waitFor(SLOW);
    const bobEvents = syncAll(bob);
    assert.ok(bobEvents.some((e) => e['event'] === 'message' && e['text'] === 'from the browser'), 'Bob got the text written in the browser');
    let history: Record<string, unknown>[] = [];
    for (let round = 0; round < 4 && !history.some((m) => m['text'] === 'from the browser'); round++) {
      syncAll(alice);
      history = graphchat(alice, ['history', aliceBob]);
    }
    // Sorted: the order of texts written on two devices is the merged one (devices.md §7), not this test's.
    assert.deepEqual(
      history.map((m) => `${String(m['direction'])}: ${String(m['text'])}`).sort(),
      ['received: Bob again', 'received: hello Alice', 'sent: from the browser', 'sent: hello Bob, from the terminal'],
      "Alice's terminal shows the browser's text as sent by her",
    );

    // Alice's terminal removes the browser: the browser learns it, and says so on its Devices screen.
    graphchat(alice, ['device', 'remove', linked!.device]);
    syncAll(alice);
    await page.getByText('This device was removed from the profile by another of your devices').waitFor(SLOW);
    await page.getByRole('list', { name: 'Devices' }).getByText('this device, removed').waitFor(SLOW);
  });

  it('b: a terminal joins a device link made in the browser and gets its contact and history', { timeout: 240_000 }, async (t) => {
    const dave = join(temp, 'dave');
    graphchat(dave, ['init', '--name', 'Dave', '--server', relay()]);
    const [invitation] = graphchat(dave, ['invite']);
    const page = await openPage(t, await launchChromium(), url(), { width: 1000, height: 760 });
    await createStore(page, 'Carol', 'carol passphrase 2');
    await page.getByRole('button', { name: 'Scan' }).click();
    await page.getByLabel('Invitation link').fill(String(invitation!['link']));
    await page.getByRole('button', { name: 'Connect' }).click();
    for (let round = 0; round < 5 && !syncAll(dave).some((e) => e['event'] === 'connected'); round++);
    await page.getByRole('textbox', { name: 'Message' }).waitFor(SLOW);
    await sendText(page, 'hello Dave');
    await page.locator('li.message.sent', { hasText: 'hello Dave' }).and(page.locator('[data-status="sent"], [data-status="delivered"]')).waitFor(SLOW);

    await page.getByRole('button', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'Link a device' }).click();
    await page.getByLabel(/^A name for this device/).fill('Carol browser');
    await page.getByLabel(/^Bring contacts' history/).check();
    await page.getByRole('button', { name: 'Make a device link' }).click();
    const link = await page.getByLabel('Device link', { exact: true }).inputValue(SLOW);
    assert.match(link, /device#/);
    await page.getByText(/^Expires at /).waitFor(SLOW);

    const carol = join(temp, 'carol-terminal');
    const joining = terminalProcess(t, carol, ['device', 'join', link, '--name', 'Carol terminal']);
    await page.getByText('Linked: Carol terminal').waitFor({ timeout: 60_000 });
    const browserCode = await shownCode(page, 'Security code');
    assert.match(browserCode, /^(\d{5} ){5}\d{5}$/, 'the browser shows the six groups of the channel code');
    const done = await joining.exited;
    assert.equal(done.status, 0, `device join: ${done.stderr}`);
    assert.ok(joining.lines.some((l) => l['linked'] === true), 'the terminal says it is linked');

    const devices = graphchat(carol, ['devices']);
    assert.deepEqual(devices.map((d) => [d['name'], d['this'] === true]), [['Carol terminal', true], ['Carol browser', false]], 'the terminal knows the browser by the name given there');
    const [terminalCode] = graphchat(carol, ['device', 'code', 'Carol browser']);
    assert.equal(terminalCode!['code'], browserCode, 'both show the same security code');

    const contacts = graphchat(carol, ['contacts']);
    assert.deepEqual(contacts.map((c) => c['name']), ['Dave'], 'the terminal has the contact');
    const history = graphchat(carol, ['history', String(contacts[0]!['contact'])]);
    assert.deepEqual(history.map((m) => [m['direction'], m['text']]), [['sent', 'hello Dave']], 'and the conversation so far');

    // The browser's Devices list shows the new device.
    await page.getByRole('button', { name: 'Devices' }).click();
    await page.getByRole('list', { name: 'Devices' }).locator('li', { hasText: 'Carol terminal' }).waitFor(SLOW);
  });
  it('c: a new browser scans the device link of another with its camera', { timeout: 120_000 }, async (t) => {
    const first = await openPage(t, await launchChromium(), url(), { width: 1000, height: 900 });
    await createStore(first, 'Erin', 'erin passphrase 3');
    await first.getByRole('button', { name: 'Devices' }).click();
    await first.getByRole('button', { name: 'Link a device' }).click();
    await first.getByLabel(/^A name for this device/).fill('Desktop');
    await first.getByRole('button', { name: 'Make a device link' }).click();
    const code = first.getByRole('img', { name: 'Device link QR code' });
    await code.waitFor(SLOW);

    // The new browser's camera sees the first one's screen: a video of the screenshot of its QR code.
    const image = decodePng(await code.screenshot());
    const camera = join(temp, 'device-link.y4m');
    writeStillY4m(camera, image, even(image.width + 64), even(image.height + 64));
    const second = await openPage(t, await launchChromium(camera), url(), { width: 390, height: 900 });
    await second.getByRole('button', { name: 'Link to a device you already use' }).click();
    await second.getByRole('button', { name: 'Scan its QR code' }).click();
    await second.getByText('Device link scanned.').waitFor(SLOW);
    assert.equal(await second.getByLabel(/^Device link/).inputValue(), await first.getByLabel('Device link', { exact: true }).inputValue());
    await second.getByLabel(/^A name for this device/).fill('Phone');
    await second.getByLabel('Passphrase', { exact: true }).fill('erin passphrase 3');
    await second.getByLabel('Passphrase again').fill('erin passphrase 3');
    await second.getByRole('button', { name: 'Link', exact: true }).click();

    await first.getByText('Linked: Phone').waitFor(SLOW);
    await second.getByRole('combobox', { name: 'Profile' }).locator('option', { hasText: 'Erin' }).waitFor({ state: 'attached', ...SLOW });
    // The name given on the Link a device screen is the one the new device shows.
    await second.getByRole('button', { name: 'Devices' }).click();
    await second.getByRole('list', { name: 'Devices' }).locator('li', { hasText: 'Desktop' }).getByRole('button', { name: 'Security code' }).click();
    assert.equal(await shownCode(second, 'Security code with Desktop'), await shownCode(first, 'Security code'), 'both browsers show the same code');
  });
});
