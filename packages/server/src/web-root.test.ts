// The web client's static files (--web DIR) and GET /relay.json, over a real
// relay on loopback: types and headers, `/` and `/info`, HEAD, missing files,
// and request paths that try to leave the web root, sent raw (fetch would
// normalise them before they reach the relay).
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatRelayAddress, fromUtf8, parseRelayAddress } from '@graphchat/core';
import { ConfigError } from './config.js';
import type { RunningRelay } from './server.js';
import { crypto, httpBase, httpRequest, jsonOf, startTestRelay, tempDir } from './test-support/harness.js';
import { fileOf, HTML_CSP } from './web-root.js';

const SECRET = 'TOP SECRET: outside the web root';
const INDEX = '<!doctype html><title>graphchat web</title><script src="app.js"></script>';
const BIG = crypto.randomBytes(1024 * 1024 + 7);

/** A web root beside a file it must never serve, and a symbolic link from inside to that file. */
function makeWebRoot(): string {
  const base = tempDir();
  writeFileSync(join(base, 'package.json'), SECRET);
  const root = join(base, 'public');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'app.js'), 'console.log("app");');
  writeFileSync(join(root, 'style.css'), 'body { margin: 0 }');
  writeFileSync(join(root, 'data.json'), '{"a":1}');
  writeFileSync(join(root, 'manifest.webmanifest'), '{"name":"graphchat"}');
  writeFileSync(join(root, 'icon.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(root, 'logo.SVG'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'favicon.ico'), new Uint8Array([0, 0, 1, 0]));
  writeFileSync(join(root, 'robots.txt'), 'User-agent: *');
  writeFileSync(join(root, 'big.bin'), BIG);
  writeFileSync(join(root, 'sub', 'page.txt'), 'in a subdirectory');
  symlinkSync(join(base, 'package.json'), join(root, 'escape.txt'));
  return root;
}

interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with `path` exactly as given on the request line, unlike fetch, which resolves `..` and `%2e%2e`. */
function raw(port: number, path: string, method = 'GET'): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const isInfoPage = (html: string) => html.includes('<h1>graphchat relay</h1>');

describe('fileOf: request path → file under the web root', () => {
  it('maps paths to root-relative files, `/` and any `dir/` to index.html', () => {
    const cases: [path: string, file: string][] = [
      ['/', 'index.html'],
      ['/app.js', 'app.js'],
      ['/sub/page.txt', 'sub/page.txt'],
      ['/sub/', 'sub/index.html'],
      ['//sub//page.txt', 'sub/page.txt'],
      ['/./app.js', 'app.js'],
      ['/%61pp.js', 'app.js'],
      ['/with%20space.txt', 'with space.txt'],
      ['/...', '...'],
      ['/..a/b..', '..a/b..'],
    ];
    for (const [path, file] of cases) assert.equal(fileOf(path), file, path);
  });

  it('refuses `..` segments, backslashes, NUL, malformed escapes and paths not starting with /', () => {
    for (const path of ['/..', '/../x', '/a/../b', '/a/../../x', '/%2e%2e/x', '/%2E%2E/x', '/.%2e/x', '/..%2fx', '/a%2f..%2f..%2fx', '/a\\b', '/%5c..%5cx', '/x%00.png', '/%00', '/%zz', '/%e0%a4%a', 'x', 'http://host/x', '']) {
      assert.equal(fileOf(path), null, path);
    }
  });
});

describe('web client files (--web DIR)', () => {
  const password = 'web secret';
  let relay: RunningRelay;
  let base: string;

  before(async () => {
    relay = await startTestRelay({ webRoot: makeWebRoot(), password });
    base = httpBase(relay.address);
  });
  after(() => relay.close());

  it('serves each file with its type, length, no-cache and nosniff; a CSP only on HTML', async () => {
    const files: [path: string, type: string][] = [
      ['index.html', 'text/html; charset=utf-8'],
      ['app.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
      ['data.json', 'application/json'],
      ['manifest.webmanifest', 'application/manifest+json'],
      ['icon.png', 'image/png'],
      ['logo.SVG', 'image/svg+xml'],
      ['favicon.ico', 'image/x-icon'],
      ['robots.txt', 'text/plain; charset=utf-8'],
      ['big.bin', 'application/octet-stream'],
      ['sub/page.txt', 'text/plain; charset=utf-8'],
    ];
    for (const [path, type] of files) {
      const reply = await httpRequest(base + path);
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers.get('content-type'), type, path);
      assert.equal(reply.headers.get('content-length'), String(reply.body.length), path);
      assert.equal(reply.headers.get('cache-control'), 'no-cache', path);
      assert.equal(reply.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(reply.headers.get('content-security-policy'), type.startsWith('text/html') ? HTML_CSP : null, path);
    }
    assert.deepEqual((await httpRequest(`${base}big.bin`)).body, BIG, 'a large file arrives whole');
    assert.equal(fromUtf8((await httpRequest(`${base}sub/page.txt`)).body), 'in a subdirectory');
  });

  it('the CSP allows only same-origin code and connections to relays anywhere', () => {
    assert.match(HTML_CSP, /default-src 'self'/);
    assert.match(HTML_CSP, /connect-src 'self' ws: wss: http: https:/);
    assert.match(HTML_CSP, /script-src 'self';/);
    assert.match(HTML_CSP, /frame-ancestors 'none'/);
    assert.doesNotMatch(HTML_CSP, /unsafe/);
  });

  it('`/` is index.html, and the info page moves to /info', async () => {
    const root = await httpRequest(base);
    assert.equal(root.status, 200);
    assert.equal(fromUtf8(root.body), INDEX);
    assert.equal(root.headers.get('content-security-policy'), HTML_CSP);
    const info = await httpRequest(`${base}info`);
    assert.equal(info.status, 200);
    assert.ok(isInfoPage(fromUtf8(info.body)));
  });

  it('the API routes still answer, whatever the web root holds', async () => {
    assert.deepEqual(jsonOf(await httpRequest(`${base}health`)), { status: 'ok' });
    assert.equal((await httpRequest(`${base}v1/session`)).status, 405, 'GET on the handshake route');
  });

  it('GET /relay.json: the public address without the password, marked private, for any origin', async () => {
    const reply = await httpRequest(`${base}relay.json`, { headers: { origin: 'https://elsewhere.example' } });
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(reply.headers.get('access-control-allow-origin'), '*');
    const publicAddress = formatRelayAddress({ ...parseRelayAddress(relay.address), password: '' });
    assert.deepEqual(jsonOf(reply), { address: publicAddress, private: true });
    assert.ok(!fromUtf8(reply.body).includes('secret'), 'no password');
  });

  it('HEAD gives the headers of GET and no body', async () => {
    const head = await raw(relay.port, '/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(head.headers['content-length'], String('console.log("app");'.length));
    assert.equal(head.headers['cache-control'], 'no-cache');
    assert.equal(head.body, '');
    const index = await raw(relay.port, '/', 'HEAD');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-security-policy'], HTML_CSP);
    assert.equal((await raw(relay.port, '/missing.js', 'HEAD')).status, 404);
  });

  it('a missing file, a directory or a symbolic link out of the root → 404 NOT_FOUND; no listings', async () => {
    for (const path of ['missing.js', 'sub', 'sub/', 'sub/missing', 'app.js/x', 'escape.txt', 'index.html.bak']) {
      const reply = await httpRequest(base + path);
      assert.equal(reply.status, 404, path);
      assert.deepEqual(jsonOf(reply), { error: 'NOT_FOUND' }, path);
    }
  });

  it('the query string is ignored; methods other than GET and HEAD → 405 METHOD', async () => {
    assert.equal(fromUtf8((await httpRequest(`${base}app.js?v=2`)).body), 'console.log("app");');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const reply = await httpRequest(`${base}app.js`, { method });
      assert.equal(reply.status, 405, method);
      assert.deepEqual(jsonOf(reply), { error: 'METHOD' });
    }
  });

  it('paths that try to leave the root get 400 BAD_PATH or 404, never the file outside', async () => {
    const refused: [path: string, status: number][] = [
      ['/../package.json', 400],
      ['/%2e%2e/package.json', 400],
      ['/%2E%2E/package.json', 400],
      ['/.%2e/package.json', 400],
      ['/a/../../package.json', 400],
      ['/sub/../../package.json', 400],
      ['/..%2fpackage.json', 400],
      ['/%2e%2e%2fpackage.json', 400],
      ['/..%5cpackage.json', 400],
      ['/%5c..%5cpackage.json', 400],
      ['/..\\package.json', 400],
      ['/index.html%00.png', 400],
      ['/%00', 400],
      ['/%zz', 400],
      ['//../package.json', 400],
      ['/%252e%252e/package.json', 404],
      ['/escape.txt', 404],
    ];
    for (const [path, status] of refused) {
      const reply = await raw(relay.port, path);
      assert.equal(reply.status, status, path);
      assert.deepEqual(JSON.parse(reply.body), { error: status === 400 ? 'BAD_PATH' : 'NOT_FOUND' }, path);
      assert.ok(!reply.body.includes(SECRET), path);
    }
  });

  it('a relay with a web root gives its URL: host, public port and TLS of its address', async () => {
    assert.equal(relay.webUrl, `http://127.0.0.1:${relay.port}/`);
    const cases: [overrides: { host: string; publicPort: number | null; tls: boolean | null }, url: (port: number) => string][] = [
      [{ host: 'localhost', publicPort: null, tls: null }, (port) => `http://localhost:${port}/`],
      [{ host: 'relay.example.org', publicPort: 443, tls: null }, () => 'https://relay.example.org/'],
      [{ host: 'relay.example.org', publicPort: 8443, tls: true }, () => 'https://relay.example.org:8443/'],
      [{ host: 'relay.example.org', publicPort: 80, tls: null }, () => 'http://relay.example.org/'],
    ];
    for (const [overrides, url] of cases) {
      const other = await startTestRelay({ webRoot: makeWebRoot(), ...overrides });
      assert.equal(other.webUrl, url(other.port));
      await other.close();
    }
  });
});

describe('a relay without a web root', () => {
  let relay: RunningRelay;
  let base: string;

  before(async () => {
    relay = await startTestRelay();
    base = httpBase(relay.address);
  });
  after(() => relay.close());

  it('keeps the info page at `/`, also at /info, and serves no files', async () => {
    for (const path of ['', 'info']) {
      const reply = await httpRequest(base + path);
      assert.equal(reply.status, 200, path);
      assert.ok(isInfoPage(fromUtf8(reply.body)), path);
    }
    for (const path of ['index.html', 'app.js', '../package.json']) {
      const reply = await httpRequest(base + path);
      assert.equal(reply.status, 404, path);
      assert.deepEqual(jsonOf(reply), { error: 'NOT_FOUND' });
    }
    assert.equal(relay.webUrl, null);
  });

  it('still answers GET /relay.json, marked public', async () => {
    const reply = await httpRequest(`${base}relay.json`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(jsonOf(reply), { address: relay.address, private: false });
  });
});

describe('a web root that is not a directory', () => {
  it('stops the start with a ConfigError that names the option', async () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'not a directory');
    for (const webRoot of [join(tempDir(), 'missing'), file]) {
      await assert.rejects(startTestRelay({ webRoot }), (e: Error) => e instanceof ConfigError && /web root/.test(e.message) && e.message.includes(webRoot));
    }
  });
});
