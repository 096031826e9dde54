import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import QRCode from 'qrcode';
import { compactQrSize, qrLineCount, qrModuleCount, renderQr } from './qr.js';

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

  it('an invitation-sized link is drawn compactly for an 80-column terminal: quadrant blocks, two modules per character', async () => {
    const modules = qrModuleCount(LINK);
    const rendered = await renderQr(LINK, 80);
    const lines = rendered.split('\n').slice(0, -1);
    const size = compactQrSize(modules);
    assert.equal(lines.length, size.lines);
    const visible = (line: string): string[] => [...line.replace(/\x1b\[[0-9;]*m/g, '')];
    for (const line of lines) assert.equal(visible(line).length, size.columns);
    assert.ok(size.columns <= 80, `${size.columns} columns`);
    // Decode the drawing back to modules: it is exactly the code, with a two-module quiet zone.
    const quadrants = ' ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█';
    const matrix = QRCode.create([{ data: Buffer.from(LINK), mode: 'byte' }], { errorCorrectionLevel: 'L' }).modules;
    lines.forEach((line, i) =>
      visible(line).forEach((cell, j) => {
        const bits = quadrants.indexOf(cell);
        assert.ok(bits >= 0, `unexpected character ${cell}`);
        for (const [bit, dr, dc] of [[1, 0, 0], [2, 0, 1], [4, 1, 0], [8, 1, 1]] as const) {
          const r = 2 * i + dr - 2;
          const c = 2 * j + dc - 2;
          const expected = r >= 0 && c >= 0 && r < modules && c < modules && matrix.get(r, c) ? bit : 0;
          assert.equal(bits & bit, expected, `module ${r},${c}`);
        }
      }),
    );
  });

  it('an invitation-sized link fits (byte mode, level L) and is drawn in full in a wide terminal', async () => {
    const modules = qrModuleCount(LINK);
    const version = (modules - 17) / 4;
    assert.ok(Number.isInteger(version) && version >= 30 && version <= 40, `version ${version}`);
    const rendered = await renderQr(LINK, 200);
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
