/**
 * The `graphchat` command as a child process, for process-level tests: run to
 * completion, or killed with SIGKILL after a delay or once it has printed the
 * k-th JSON event of a kind. Databases created through it use the cheap test
 * Argon2id cost (GRAPHCHAT_KDF=fast, runtime.ts).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Json = Record<string, unknown>;

/** The committed entry point (bin/graphchat.js), run with this Node so the pid is the client's own. */
export const GRAPHCHAT_BIN = fileURLToPath(new URL('../../bin/graphchat.js', import.meta.url));

function environment(passphrase: string): NodeJS.ProcessEnv {
  return { ...process.env, GRAPHCHAT_PASSPHRASE: passphrase, GRAPHCHAT_KDF: 'fast' };
}

function parseLines(text: string): Json[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Json);
}

/** Runs `graphchat --dir DIR --json ARGS` to completion; asserts exit 0 (or non-zero with expectFailure) and returns its JSON lines. */
export function graphchat(dir: string, passphrase: string, args: readonly string[], options: { expectFailure?: boolean } = {}): Json[] {
  const result = spawnSync(process.execPath, [GRAPHCHAT_BIN, '--dir', dir, '--json', ...args], {
    encoding: 'utf8',
    env: environment(passphrase),
    timeout: 60_000,
  });
  if (options.expectFailure === true) assert.notEqual(result.status, 0, `graphchat ${args.join(' ')} succeeded`);
  else assert.equal(result.status, 0, `graphchat ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return parseLines(result.stdout);
}

/**
 * When to SIGKILL the process: after a delay from spawning, once it printed
 * `afterEvents` events of kind `event` whose fields also match `step` (a
 * move step, say `{afterEvents: 1, event: 'move', step: 'keyed'}`) and
 * `where`, if given, or once it printed a line with the field `afterField`
 * (a device link's `link`, which is no event).
 */
export type KillPlan =
  | { readonly afterMs: number }
  | { readonly afterEvents: number; readonly event: string; readonly step?: string; readonly where?: Readonly<Json> }
  | { readonly afterField: string };

/** Whether a printed JSON line counts towards an event kill plan. */
export function matchesPlan(line: Json, plan: Extract<KillPlan, { afterEvents: number }>): boolean {
  if (line.event !== plan.event) return false;
  if (plan.step !== undefined && line.step !== plan.step) return false;
  return Object.entries(plan.where ?? {}).every(([field, value]) => line[field] === value);
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether this helper's SIGKILL ended the process (rather than its own exit before the kill point). */
  readonly killed: boolean;
  /** The complete JSON lines it printed (a line cut by the kill is dropped). */
  readonly lines: Json[];
  readonly stderr: string;
  readonly elapsedMs: number;
}

/**
 * Runs `graphchat --dir DIR --json ARGS` as a child process, killed with
 * SIGKILL at `plan` if given; `onLine` sees each JSON line as it comes (a
 * device link, to pass on while the process waits).
 */
export function cliProcess(dir: string, passphrase: string, args: readonly string[], plan?: KillPlan, onLine?: (line: Json) => void): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [GRAPHCHAT_BIN, '--dir', dir, '--json', ...args], {
    env: environment(passphrase),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Json[] = [];
  let partial = '';
  let stderr = '';
  let sentKill = false;
  let counted = 0;
  const kill = (): void => {
    if (sentKill || child.exitCode !== null || child.signalCode !== null) return;
    sentKill = true;
    child.kill('SIGKILL');
  };
  const timer = plan !== undefined && 'afterMs' in plan ? setTimeout(kill, plan.afterMs) : null;
  // A hung client fails the test rather than hanging it.
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const part of parts) {
      if (part.length === 0) continue;
      const line = JSON.parse(part) as Json;
      lines.push(line);
      if (plan !== undefined && 'afterEvents' in plan && matchesPlan(line, plan) && ++counted >= plan.afterEvents) kill();
      if (plan !== undefined && 'afterField' in plan && plan.afterField in line) kill();
      onLine?.(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (timer !== null) clearTimeout(timer);
      clearTimeout(guard);
      resolve({ code, signal, killed: sentKill && signal === 'SIGKILL', lines, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/** A small seeded PRNG (mulberry32): the same seed gives the same kill points. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
