// Builds the web client into packages/web/dist/public: the bundle (esbuild),
// the static files, generated PNG icons and a service worker that caches
// exactly the files of this build. Run after `tsc -b` (the root `npm run build`).
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'dist', 'public');

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

await build({
  entryPoints: [join(HERE, 'src', 'main.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  legalComments: 'none',
  outdir: OUT,
  entryNames: 'app',
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
cpSync(join(HERE, 'public'), OUT, { recursive: true });

// ---------------------------------------------------------------- icons

/** A PNG (RGBA, no filter) of `size` pixels drawn by `pixel(x, y) -> [r, g, b, a]`. */
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The app icon: two speech bubbles joined by a line (a graph of two), white on the theme colour. Maskable: the motif stays in the middle 60%. */
function icon(size) {
  const s = size / 100;
  const inCircle = (x, y, cx, cy, r) => (x - cx * s) ** 2 + (y - cy * s) ** 2 <= (r * s) ** 2;
  const onLine = (x, y) => {
    const [x1, y1, x2, y2] = [38 * s, 42 * s, 62 * s, 58 * s];
    const t = Math.max(0, Math.min(1, ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2)));
    return Math.hypot(x - (x1 + t * (x2 - x1)), y - (y1 + t * (y2 - y1))) <= 3 * s;
  };
  return png(size, (x, y) => (inCircle(x, y, 36, 40, 12) || inCircle(x, y, 64, 60, 12) || onLine(x, y) ? [255, 255, 255, 255] : [31, 92, 153, 255]));
}
for (const size of [192, 512]) writeFileSync(join(OUT, `icon-${size}.png`), icon(size));

// ---------------------------------------------------------------- service worker

function files(dir) {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
}
const cached = files(OUT)
  .map((path) => relative(OUT, path))
  .filter((path) => path !== 'sw.js')
  .sort();
const version = createHash('sha256');
for (const path of cached) version.update(path).update(readFileSync(join(OUT, path)));
const worker = readFileSync(join(HERE, 'src', 'sw.js'), 'utf8')
  .replace('__VERSION__', version.digest('hex').slice(0, 16))
  .replace('__FILES__', JSON.stringify(['./', ...cached.filter((p) => p !== 'index.html').map((p) => `./${p}`)]));
writeFileSync(join(OUT, 'sw.js'), worker);

// ---------------------------------------------------------------- size

let gzipped = 0;
for (const path of files(OUT)) if (!path.endsWith('.png')) gzipped += gzipSync(readFileSync(path), { level: 9 }).length;
writeFileSync(join(HERE, 'dist', 'size.json'), JSON.stringify({ gzipBytes: gzipped }) + '\n');
process.stdout.write(`web client: ${OUT} (${(gzipped / 1024).toFixed(1)} KiB gzip, icons aside)\n`);
