/**
 * The browser client's static files (`--web DIR`), served on the relay's own
 * port so that a newcomer opens one URL and the app finds its relay there.
 * Only regular files under the root are served, never a directory listing;
 * a request path that could name anything outside the root is refused before
 * the file system is asked, and a symbolic link that leads out of the root
 * counts as missing.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { extname, join, posix, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigError } from './config.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * For the app's HTML pages: scripts, styles and workers only from this origin,
 * nothing inline. connect-src stays open because the client talks to relays
 * anywhere, over WebSocket or HTTP.
 */
export const HTML_CSP =
  "default-src 'self'; connect-src 'self' ws: wss: http: https:; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
  "style-src 'self'; script-src 'self'; worker-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Why a request path names no file: malformed or outside the root (400), or simply not there (404). */
export type WebMiss = 'BAD_PATH' | 'NOT_FOUND';

/** File system errors that mean "no such file" rather than a fault of the relay. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

export class WebRoot {
  private constructor(private readonly root: string) {}

  /** The root with symbolic links resolved; a ConfigError when it is not a directory, so the relay refuses to start. */
  static async open(dir: string): Promise<WebRoot> {
    let root: string;
    try {
      root = await realpath(dir);
      const handle = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
      await handle.close();
    } catch (error) {
      throw new ConfigError(`web root must be a readable directory, got "${dir}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return new WebRoot(root);
  }

  /** Opens the regular file that `urlPath` (the request path, still percent-encoded, without the query) names. */
  async find(urlPath: string): Promise<WebFile | WebMiss> {
    const relative = fileOf(urlPath);
    if (relative === null) return 'BAD_PATH';
    let handle: FileHandle;
    let path: string;
    try {
      path = await realpath(join(this.root, relative));
      if (!this.contains(path)) return 'NOT_FOUND';
      // O_NONBLOCK: opening a FIFO left in the root must not hang; regular files ignore it.
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (MISSING.has((error as NodeJS.ErrnoException).code ?? '')) return 'NOT_FOUND';
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (info.isFile()) return new WebFile(handle, path, info.size);
    await handle.close();
    return 'NOT_FOUND'; // a directory (no listings) or a device
  }

  private contains(path: string): boolean {
    return path.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
  }
}

/**
 * The root-relative path of the file a request path names, or null when the
 * path is malformed or could step outside the root. Browsers resolve `.` and
 * `..` before sending and never send a backslash or a NUL, so such a path is
 * an error or an attack, not a file name. A path ending in `/` names that
 * directory's index.html.
 */
export function fileOf(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null; // a malformed escape such as %zz or half a UTF-8 sequence
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').includes('..')) return null;
  const normal = posix.normalize(decoded); // collapses `//` and `.`
  return normal.endsWith('/') ? `${normal.slice(1)}index.html` : normal.slice(1);
}

export class WebFile {
  constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly size: number,
  ) {}

  /** Sends the file (only its headers when `headOnly`) and closes it. */
  async send(res: ServerResponse, headOnly: boolean): Promise<void> {
    res.writeHead(200, webHeaders(this.path, this.size));
    if (headOnly) {
      res.end();
      await this.handle.close();
      return;
    }
    await pipeline(this.handle.createReadStream(), res); // the stream closes the handle, also when the client goes away
  }
}

function webHeaders(path: string, size: number): OutgoingHttpHeaders {
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  return {
    'content-type': type,
    'content-length': size,
    // The service worker keeps the offline copy; the browser itself must revalidate, so a new build of the app reaches it at once.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') ? { 'content-security-policy': HTML_CSP } : {}),
  };
}
