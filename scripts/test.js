// Runs every compiled test file (packages/*/dist/**/*.test.js) with Node's test runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...testFiles(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const files = readdirSync('packages')
  .map((pkg) => join('packages', pkg, 'dist'))
  .filter((dist) => statSync(dist, { throwIfNoEntry: false })?.isDirectory())
  .flatMap(testFiles)
  .filter((file) => process.argv.slice(2).every((filter) => file.includes(filter)))
  .sort();

const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
