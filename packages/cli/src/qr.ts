/**
 * The invitation link as a QR code for the terminal. A link is about 1,900
 * characters, so the code is large (version 30 or more): byte mode and the
 * lowest error correction (L) keep it as small as it can be, and the small
 * renderer draws two module rows per text line with half blocks. That is
 * about 150 columns for a two-relay invitation, wider than most terminals,
 * so a code that does not fit is drawn with quadrant blocks instead, two
 * module columns per character as well (about 75 columns): its modules are
 * twice as tall as wide, which scanners read like any slanted photo.
 */
import QRCode from 'qrcode';

/** Byte mode, level L: the settings every rendering here uses. */
function segments(text: string): QRCode.QRCodeSegment[] {
  return [{ data: Buffer.from(text, 'utf8'), mode: 'byte' }];
}

/** Quadrant blocks by the modules they cover: top-left 1, top-right 2, bottom-left 4, bottom-right 8. */
const QUADRANTS = ' ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█';
const DARK_ON_LIGHT = '\x1b[30;47m';
const RESET = '\x1b[0m';

/**
 * The QR code of `text` for a terminal of `columns` (ANSI colours), ending
 * with a line break: half blocks when they fit, quadrant blocks otherwise.
 */
export async function renderQr(text: string, columns = 80): Promise<string> {
  if (qrModuleCount(text) + 2 > columns) return renderCompact(text);
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

/** Two module columns and two module rows per character, with a quiet zone of two modules. */
function renderCompact(text: string): string {
  const { modules } = QRCode.create(segments(text), { errorCorrectionLevel: 'L' });
  const quiet = 2;
  const side = modules.size + 2 * quiet;
  const dark = (row: number, col: number): number => {
    const r = row - quiet;
    const c = col - quiet;
    return r >= 0 && c >= 0 && r < modules.size && c < modules.size && modules.get(r, c) ? 1 : 0;
  };
  const lines: string[] = [];
  for (let row = 0; row < side; row += 2) {
    let line = '';
    for (let col = 0; col < side; col += 2) {
      line += QUADRANTS[dark(row, col) | (dark(row, col + 1) << 1) | (dark(row + 1, col) << 2) | (dark(row + 1, col + 1) << 3)];
    }
    lines.push(DARK_ON_LIGHT + line + RESET);
  }
  return lines.join('\n') + '\n';
}

/** Text lines and columns of the compact (quadrant) drawing of a code of `modules` per side. */
export function compactQrSize(modules: number): { lines: number; columns: number } {
  const side = modules + 4;
  return { lines: Math.ceil(side / 2), columns: Math.ceil(side / 2) };
}
