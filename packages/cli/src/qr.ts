/**
 * The invitation link as a QR code for the terminal. A link is about 1,900
 * characters, so the code is large (version 30 or more): byte mode and the
 * lowest error correction (L) keep it as small as it can be, and the small
 * renderer draws two module rows per text line with half blocks.
 */
import QRCode from 'qrcode';

/** Byte mode, level L: the settings every rendering here uses. */
function segments(text: string): QRCode.QRCodeSegment[] {
  return [{ data: Buffer.from(text, 'utf8'), mode: 'byte' }];
}

/** The QR code of `text` for a terminal (ANSI colours, half blocks), ending with a line break. */
export async function renderQr(text: string): Promise<string> {
  const rendered = await QRCode.toString(segments(text), { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
  // Each line ends with a colour reset; the renderer leaves only escape codes after the last line break.
  return rendered.replace(/\n(?:\x1b\[[0-9;]*m)*$/, '') + '\x1b[0m\n';
}

/** Modules per side of the code `renderQr` draws for `text`. */
export function qrModuleCount(text: string): number {
  return QRCode.create(segments(text), { errorCorrectionLevel: 'L' }).modules.size;
}

/** Text lines the small renderer uses for a code of `modules` per side: one quiet module around it, two rows per line. */
export function qrLineCount(modules: number): number {
  return Math.ceil((modules + 2) / 2);
}
