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
 *   package alone), its code among its dependencies, its tests possibly
 *   among its devDependencies;
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
  /** Packages its published code may import: its dependencies and peerDependencies. */
  readonly declared: ReadonlySet<string>;
  /** Packages only its tests may import: its devDependencies. */
  readonly declaredForTests: ReadonlySet<string>;
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

/** A test, or code only tests use: `*.test.ts` and anything under a `test-support/` folder. */
const isTestFile = (path: string): boolean => path.endsWith('.test.ts') || /(^|\/)test-support\//.test(path);

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
      const names = (...fields: string[]): Set<string> =>
        new Set(fields.flatMap((field) => {
          const deps = manifest[field];
          return typeof deps === 'object' ? Object.keys(deps) : [];
        }));
      const files = sourceFiles(join(dir, 'src')).map((path) => ({
        path: relative(dir, path).split(sep).join('/'),
        imports: importsOf(readFileSync(path, 'utf8')),
      }));
      return { folder, name: String(manifest['name']), declared: names('dependencies', 'peerDependencies'), declaredForTests: names('devDependencies'), files };
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
        // Tests may also use the package's devDependencies and the whole repository's (fast-check, type packages).
        const forTests = isTestFile(file.path) && (workspace.declaredForTests.has(name) || rootDevDependencies.has(name));
        const declared = workspace.declared.has(name) || target === workspace || forTests;
        if (!declared) {
          const kind = workspace.declaredForTests.has(name) ? ' among its dependencies (only as a devDependency)' : '';
          problems.push(`${where} imports ${name}, which packages/${workspace.folder}/package.json does not declare${kind}`);
        }
      }
    }
    for (const cycle of cyclesOf(workspace)) problems.push(`packages/${workspace.folder}: import cycle ${cycle.join(' -> ')}`);
  }
  return problems;
}
