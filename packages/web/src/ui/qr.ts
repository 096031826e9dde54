/**
 * QR codes drawn on a canvas: byte mode and level L, as the terminal client
 * draws them (an invitation is about 1,900 characters, so the code is large
 * and every module counts), with a quiet zone of four modules.
 */
import QRCode from 'qrcode';

const QUIET_ZONE = 4;

/** A canvas showing `text` with modules of `scale` pixels (crisp: no smoothing). */
export function qrCanvas(text: string, scale: number, label: string): HTMLCanvasElement {
  const { modules } = QRCode.create([{ data: new TextEncoder().encode(text), mode: 'byte' }], { errorCorrectionLevel: 'L' });
  const size = (modules.size + 2 * QUIET_ZONE) * scale;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, size, size);
  context.fillStyle = '#000';
  for (let y = 0; y < modules.size; y++) {
    for (let x = 0; x < modules.size; x++) {
      if (modules.get(y, x)) context.fillRect((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale, scale, scale);
    }
  }
  return canvas;
}
