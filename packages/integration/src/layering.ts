/**
 * The rules between the workspaces (docs/architecture.md, "Layers"), read
 * from the import statements of every source and test file:
 *
 * - `core` imports no other workspace;
 * - `server` never imports `client`, nor `client` `server`;
 * - `cli` and `web` never import each other;
 * - a package declares in its package.json every package it imports
 *   (workspaces included: npm workspaces share one node_modules, so an
 *   undeclared import would work here and break for anyone installing the
 *   package alone);
 * - a relative import stays inside its own package;
 * - a package's modules import each other without cycles.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative, sep } from 'node:path';

export interface SourceFile {
  /** Path relative to its package's folder, with `/` separators. */
  readonly path: string;
  readonly imports: readonly string[];
}

export interface Workspace {
  /** Folder name under packages/. */
  readonly folder: string;
  /** Its package.json name. */
  readonly name: string;
  /** Every package named in its dependencies, devDependencies and peerDependencies. */
  readonly declared: ReadonlySet<string>;
  readonly files: readonly SourceFile[];
}

/** Pairs of workspace folders where the first must never import the second. */
export const FORBIDDEN: readonly (readonly [string, string])[] = [
  ['server', 'client'],
  ['client', 'server'],
  ['cli', 'web'],
  ['web', 'cli'],
];

/** Workspaces `core` may not import: all of them. */
const LEAF = 'core';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

/** The module specifiers a TypeScript file imports or re-exports (static and literal dynamic imports). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) found.push((match[1] ?? match[2] ?? match[3])!);
  return found;
}

/** The package a bare specifier names: `@scope/name` or `name`, without a subpath. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || builtinModules.includes(specifier);

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** Every workspace under `root/packages`, with the imports of each of its `src` files. */
export function readWorkspaces(root: string): Workspace[] {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir)
    .filter((folder) => statSync(join(packagesDir, folder, 'package.json'), { throwIfNoEntry: false })?.isFile())
    .map((folder) => {
      const dir = join(packagesDir, folder);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string | undefined>;
      const declared = new Set<string>();
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
        const deps = manifest[field];
        if (typeof deps === 'object') for (const name of Object.keys(deps)) declared.add(name);
      }
      const files = sourceFiles(join(dir, 'src')).map((path) => ({
        path: relative(dir, path).split(sep).join('/'),
        imports: importsOf(readFileSync(path, 'utf8')),
      }));
      return { folder, name: String(manifest['name']), declared, files };
    });
}

/** The module a relative import in `from` names, as a path relative to its package (`.js` written for `.ts`). */
function resolveRelative(from: string, specifier: string): string {
  return normalize(join(dirname(from), specifier)).split(sep).join('/').replace(/\.js$/, '.ts');
}

/** Import cycles among the non-test modules of one workspace, each as the list of files around it. */
export function cyclesOf(workspace: Workspace): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of workspace.files) {
    if (file.path.endsWith('.test.ts')) continue;
    graph.set(
      file.path,
      file.imports.filter((s) => s.startsWith('.')).map((s) => resolveRelative(file.path, s)),
    );
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

/** Every broken rule, one sentence each; empty when the tree keeps them all. */
export function layeringViolations(workspaces: readonly Workspace[], rootDevDependencies: ReadonlySet<string>): string[] {
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const problems: string[] = [];
  for (const workspace of workspaces) {
    for (const file of workspace.files) {
      const where = `packages/${workspace.folder}/${file.path}`;
      for (const specifier of file.imports) {
        if (specifier.startsWith('.')) {
          if (resolveRelative(file.path, specifier).startsWith('../')) problems.push(`${where} reaches outside its package: ${specifier}`);
          continue;
        }
        if (isBuiltin(specifier)) continue;
        const name = packageOf(specifier);
        const target = byName.get(name);
        if (target !== undefined && target !== workspace) {
          if (workspace.folder === LEAF) problems.push(`${where}: core imports no other workspace, but imports ${name}`);
          if (FORBIDDEN.some(([from, to]) => from === workspace.folder && to === target.folder)) {
            problems.push(`${where}: ${workspace.folder} must not import ${target.folder}`);
          }
        }
        // Test-only tools of the whole repository (the compiler, type packages, fast-check) are the root's.
        const declared = workspace.declared.has(name) || target === workspace || (file.path.includes('test') && rootDevDependencies.has(name));
        if (!declared) problems.push(`${where} imports ${name}, which packages/${workspace.folder}/package.json does not declare`);
      }
    }
    for (const cycle of cyclesOf(workspace)) problems.push(`packages/${workspace.folder}: import cycle ${cycle.join(' -> ')}`);
  }
  return problems;
}
