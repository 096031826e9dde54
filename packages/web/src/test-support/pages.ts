/**
 * What the end-to-end tests do again and again: create a store on the
 * client's first screen, and run the terminal client beside the browser.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killSpawnedRelays, portOf, spawnRelay } from 'graphchat-server/test-support';
import type { Browser, Page } from 'playwright-core';

/** The repository root, from packages/web/dist/lib/test-support. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');
/** The built web client that the relay serves (`--web`). */
export const PUBLIC = join(ROOT, 'packages', 'web', 'dist', 'public');
const GRAPHCHAT = join(ROOT, 'packages', 'cli', 'bin', 'graphchat.js');
/** Waits for things that cross a relay, or derive a key in JavaScript. */
export const SLOW = { timeout: 30_000 };

export interface ServingRelay {
  /** A temporary directory for the suite's files, removed after it. */
  readonly temp: string;
  /** The relay's address, once `before` has run. */
  address(): string;
  /** The URL the relay serves the client at. */
  url(): string;
}

/** A relay process serving the built client, started before the suite's tests and stopped after them. */
export function servingRelay(prefix: string): ServingRelay {
  const temp = mkdtempSync(join(tmpdir(), prefix));
  let address = '';
  before(async () => {
    address = (await spawnRelay(join(temp, 'relay'), ['--web', PUBLIC])).address;
  });
  after(() => {
    killSpawnedRelays();
    rmSync(temp, { recursive: true, force: true });
  });
  return { temp, address: () => address, url: () => `http://127.0.0.1:${portOf(address)}/` };
}

/** A page in a browser of its own, failing the test on any uncaught page error. */
export async function openPage(t: TestContext, browser: Browser, url: string, viewport: { width: number; height: number }): Promise<Page> {
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  t.after(() => assert.deepEqual(errors, [], 'no uncaught errors in the page'));
  await page.goto(url);
  return page;
}

/**
 * Fills the first screen and creates the store; `beforeCreate` runs with
 * the form filled in (a screenshot, say).
 */
export async function createStore(page: Page, name: string, passphrase: string, beforeCreate?: () => Promise<void>): Promise<void> {
  await page.getByLabel('Your name (shown only to your contacts)').fill(name);
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Passphrase again').fill(passphrase);
  assert.match(await page.getByLabel('Relay').inputValue(), /^emp:\/\//, 'the serving relay is proposed');
  await beforeCreate?.();
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('button', { name: 'Add contact' }).waitFor(SLOW);
}

const TERMINAL_ENV = { ...process.env, GRAPHCHAT_PASSPHRASE: 'terminal passphrase', GRAPHCHAT_KDF: 'fast' };

/** Runs the terminal client (`graphchat --dir DIR --json ARGS`); returns its JSON lines. */
export function terminal(dir: string, args: readonly string[]): Record<string, unknown>[] {
  const run = spawnSync(process.execPath, [GRAPHCHAT, '--dir', dir, '--json', ...args], { encoding: 'utf8', env: TERMINAL_ENV });
  assert.equal(run.status, 0, `graphchat ${args.join(' ')}: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export interface TerminalProcess {
  /** Its JSON lines so far. */
  readonly lines: readonly Record<string, unknown>[];
  /** Resolves when it exits, with its status and what it wrote to stderr. */
  readonly exited: Promise<{ status: number | null; stderr: string }>;
}

/** Starts the terminal client as `terminal` runs it, for a command that keeps running while the browser acts; killed after the test. */
export function terminalProcess(t: TestContext, dir: string, args: readonly string[]): TerminalProcess {
  const child = spawn(process.execPath, [GRAPHCHAT, '--dir', dir, '--json', ...args], { env: TERMINAL_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill());
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const complete = out.split('\n');
    out = complete.pop()!;
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ status: number | null; stderr: string }>((resolve) => child.on('close', (status) => resolve({ status, stderr })));
  return { lines, exited };
}

/** Waits until `done` holds, checking every 100 ms. */
export async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
