/**
 * Writes a Y4M video (YUV4MPEG2: a one-line header, then frames of raw
 * planar 4:2:0 YUV) of one still image, centred on a white frame. Chromium
 * plays such a file as its camera with --use-file-for-fake-video-capture.
 */
import { writeFileSync } from 'node:fs';
import type { Rgba } from './png.js';

/** BT.601 full-range luma, as JPEG (and C420jpeg) use. */
const luma = (r: number, g: number, b: number): number => Math.round(0.299 * r + 0.587 * g + 0.114 * b);

/**
 * `frames` identical frames of `width` × `height` (even numbers), the image
 * centred and the rest white. Colour is dropped (chroma planes neutral):
 * a QR code needs only luma.
 */
export function writeStillY4m(path: string, image: Rgba, width: number, height: number, frames = 4): void {
  if (width % 2 !== 0 || height % 2 !== 0 || image.width > width || image.height > height) throw new RangeError('frame must be even-sized and hold the image');
  const y = new Uint8Array(width * height).fill(255);
  const left = (width - image.width) >> 1;
  const top = (height - image.height) >> 1;
  for (let row = 0; row < image.height; row++) {
    for (let col = 0; col < image.width; col++) {
      const i = (row * image.width + col) * 4;
      const alpha = image.pixels[i + 3]! / 255;
      // Composite over white: a transparent pixel is paper.
      const value = luma(image.pixels[i]!, image.pixels[i + 1]!, image.pixels[i + 2]!) * alpha + 255 * (1 - alpha);
      y[(top + row) * width + left + col] = Math.round(value);
    }
  }
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), y, chroma]);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
