// The import rules between workspaces hold for every source and test file,
// and the checker itself catches each kind of break.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { cyclesOf, importsOf, layeringViolations, packageOf, readWorkspaces, type Workspace } from './layering.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const rootDevDependencies = new Set(Object.keys((JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { devDependencies: Record<string, string> }).devDependencies));

function workspace(folder: string, name: string, declared: string[], files: Record<string, string[]>, declaredForTests: string[] = []): Workspace {
  return { folder, name, declared: new Set(declared), declaredForTests: new Set(declaredForTests), files: Object.entries(files).map(([path, imports]) => ({ path, imports })) };
}

describe('layering', () => {
  it('the tree keeps every rule', () => {
    const workspaces = readWorkspaces(ROOT);
    assert.deepEqual(workspaces.map((w) => w.folder).sort(), ['cli', 'client', 'core', 'integration', 'server', 'web']);
    assert.ok(workspaces.every((w) => w.files.length > 0));
    assert.deepEqual(layeringViolations(workspaces, rootDevDependencies), []);
  });

  it('reads static, type-only, re-exported, side-effect and dynamic imports', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '@graphchat/core';",
      'import {\n  c,\n  d,\n} from "graphchat-server/test-support";',
      "export { e } from './e.js';",
      "import 'side-effect';",
      "const f = await import('ws');",
      "// not code: it says import x from 'y' in a comment line? it still counts, which only errs on the strict side",
    ].join('\n');
    assert.deepEqual(importsOf(source).slice(0, 6), ['./a.js', '@graphchat/core', 'graphchat-server/test-support', './e.js', 'side-effect', 'ws']);
    assert.equal(packageOf('@graphchat/core/crypto-sodium'), '@graphchat/core');
    assert.equal(packageOf('graphchat-server/test-support'), 'graphchat-server');
  });

  it('catches each kind of break', () => {
    const core = workspace('core', '@graphchat/core', [], { 'src/a.ts': ['@graphchat/client'] });
    const client = workspace('client', '@graphchat/client', ['@graphchat/core'], { 'src/b.ts': ['graphchat-server', '@graphchat/core'] });
    const server = workspace('server', 'graphchat-server', ['@graphchat/core'], { 'src/c.ts': ['@graphchat/core', '../../client/src/x.js'] });
    const cli = workspace('cli', '@graphchat/cli', ['@graphchat/web'], { 'src/d.ts': ['@graphchat/web', 'ws'] });
    const web = workspace(
      'web',
      '@graphchat/web',
      [],
      { 'src/e.test.ts': ['fast-check', 'node:test', 'fs', 'esbuild'], 'src/test-support/f.ts': ['esbuild'], 'src/g.ts': ['esbuild'], 'src/latest.ts': ['fast-check'] },
      ['esbuild'],
    );
    const problems = layeringViolations([core, client, server, cli, web], new Set(['fast-check']));
    assert.deepEqual(problems, [
      'packages/core/src/a.ts: core imports no other workspace, but imports @graphchat/client',
      'packages/core/src/a.ts imports @graphchat/client, which packages/core/package.json does not declare',
      'packages/client/src/b.ts: client must not import server',
      'packages/client/src/b.ts imports graphchat-server, which packages/client/package.json does not declare',
      'packages/server/src/c.ts reaches outside its package: ../../client/src/x.js',
      'packages/cli/src/d.ts: cli must not import web',
      'packages/cli/src/d.ts imports ws, which packages/cli/package.json does not declare',
      'packages/web/src/g.ts imports esbuild, which packages/web/package.json does not declare among its dependencies (only as a devDependency)',
      'packages/web/src/latest.ts imports fast-check, which packages/web/package.json does not declare',
    ]);
  });

  it('finds an import cycle, but not a chain', () => {
    const looped = workspace('client', '@graphchat/client', [], {
      'src/conversation/inbound.ts': ['./mode.js', '../store/records.js'],
      'src/conversation/mode.ts': ['./inbound.js'],
      'src/store/records.ts': [],
      'src/conversation/inbound.test.ts': ['./inbound.js'],
    });
    assert.deepEqual(cyclesOf(looped), [['src/conversation/inbound.ts', 'src/conversation/mode.ts', 'src/conversation/inbound.ts']]);
    const chain = workspace('client', '@graphchat/client', [], { 'src/a.ts': ['./b.js'], 'src/b.ts': ['./c.js'], 'src/c.ts': [] });
    assert.deepEqual(cyclesOf(chain), []);
  });
});
