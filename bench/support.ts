/**
 * Plumbing shared by the benchmark scripts: options and --help, machine load,
 * and the report table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function usageError(message: string): never {
  process.stderr.write(`bench: ${message} (--help lists the options)\n`);
  process.exit(2);
}

/**
 * Parses the command line; with --help prints the script's header comment
 * (the text of its first comment block) and exits.
 */
export function parseBenchOptions<const T extends NonNullable<ParseArgsConfig['options']>>(
  options: T,
  scriptUrl: string,
): ReturnType<typeof parseArgs<{ strict: true; options: T }>>['values'] {
  let values: ReturnType<typeof parseArgs<{ strict: true; options: T }>>['values'];
  try {
    values = parseArgs<{ strict: true; options: T }>({ strict: true, options }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(readFileSync(fileURLToPath(scriptUrl), 'utf8').split('*/')[0]!.replace(/^\/\*\*|^ \* ?/gm, '') + '\n');
    process.exit(0);
  }
  return values;
}

export function positive(name: string, text: string, integer = true): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    usageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}

/** Busy and total jiffies of all CPUs, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const values = fields.map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  return { busy: total - values[3]! - values[4]!, total };
}

/** Percentage of the machine's CPU time in use over `ms`: other work skews the figures. */
export async function machineBusy(ms: number): Promise<number> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  return (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total);
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Left-aligned first column, right-aligned others. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd()).join('\n');
}

/** Writes `results` to bench/results/<name>-<date>.json under `root` (git-ignored); with `json`, also as stdout's last line. */
export function saveResults(root: string, name: string, results: { date: string }, json: boolean): void {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\nresults: ${file}\n`);
  if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
}

/** Runs a benchmark's main and exits: 0 when it completes, 1 with the error otherwise. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
