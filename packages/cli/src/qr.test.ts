import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qrLineCount, qrModuleCount, renderQr } from './qr.js';

/** About the length of an invitation link. */
const LINK = 'https://graphchat.example/invite#' + 'x'.repeat(1890);

describe('terminal QR code', () => {
  it('a short text gives a small code with one line per two module rows', async () => {
    const text = 'graphchat:hello';
    const modules = qrModuleCount(text);
    assert.equal(modules, 21); // version 1
    const rendered = await renderQr(text);
    assert.ok(rendered.endsWith('\n'));
    assert.equal(rendered.split('\n').length - 1, qrLineCount(modules));
  });

  it('an invitation-sized link fits (byte mode, level L) and is drawn in full', async () => {
    const modules = qrModuleCount(LINK);
    const version = (modules - 17) / 4;
    assert.ok(Number.isInteger(version) && version >= 30 && version <= 40, `version ${version}`);
    const rendered = await renderQr(LINK);
    const lines = rendered.split('\n').slice(0, -1);
    assert.equal(lines.length, qrLineCount(modules));
    // Every line draws the code plus one quiet module each side: modules + 2 cells, without the colour codes.
    const visible = (line: string): number => [...line.replace(/\x1b\[[0-9;]*m/g, '')].length;
    for (const line of lines) assert.equal(visible(line), modules + 2);
    assert.match(rendered, /[▀▄█]/);
  });

  it('a text too long for any QR code is refused', async () => {
    await assert.rejects(renderQr('x'.repeat(3000)));
  });
});
