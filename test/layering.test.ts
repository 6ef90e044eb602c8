// The folder graph of src/ only goes down:
//   cli, app → queue, rotation, github → sources, report, config → scan → keyformat
// and keyservice is its own service (it shares only the kw key format; the rotator may read
// its response types, type-only, so a contract change breaks the build and nothing more).
// Read from the import statements themselves, so a new file is held to it without a list.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** What each folder may import at run time. Anything else (and any cycle) is a failure. */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['app', 'queue', 'rotation', 'github', 'sources', 'report', 'config', 'scan', 'keyformat', 'keyservice'],
  app: ['queue', 'rotation', 'github', 'sources', 'report', 'config', 'scan', 'keyformat'],
  rotation: ['queue', 'github', 'scan', 'keyformat'],
  queue: [],
  github: [],
  sources: ['scan', 'keyformat'],
  report: ['scan', 'keyformat'],
  config: ['scan', 'keyformat'],
  scan: ['keyformat'],
  keyformat: [],
  keyservice: ['keyformat'],
};
/** Imports allowed only as `import type` (erased at build: no run-time edge). */
const TYPE_ONLY: Record<string, readonly string[]> = {
  rotation: ['keyservice'],
};

interface Edge {
  from: string;
  to: string;
  file: string;
  typeOnly: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const folderOf = (file: string): string => relative(SRC, file).split(sep)[0];

// Static imports and re-exports (`import … from`, `export … from`, `import '…'`) and dynamic `import('…')`.
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export function importEdges(files: string[]): Edge[] {
  const edges: Edge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4];
      const to = folderOf(resolve(dirname(file), spec));
      const from = folderOf(file);
      if (to !== from) edges.push({ from, to, file: relative(SRC, file), typeOnly: m[2] !== undefined });
    }
  }
  return edges;
}

/** A folder-level cycle as a path (first folder repeated at the end), or undefined. */
export function findCycle(edges: Array<Pick<Edge, 'from' | 'to'>>): string[] | undefined {
  const next = new Map<string, Set<string>>();
  for (const e of edges) next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    if (state.get(n) === 'done') return undefined;
    state.set(n, 'open');
    path.push(n);
    for (const m of next.get(n) ?? []) {
      const cycle = visit(m);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of next.keys()) {
    const cycle = visit(n);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('src/ folder layering', () => {
  const edges = importEdges(tsFiles(SRC));

  it('reads the imports (the checker sees real edges)', () => {
    expect(edges.some((e) => e.from === 'app' && e.to === 'queue')).toBe(true);
    expect(edges.some((e) => e.from === 'scan' && e.to === 'keyformat')).toBe(true);
  });

  it('knows every folder of src/', () => {
    const folders = new Set(readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
    expect([...folders].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('has no folder-level import cycle (type-only imports included)', () => {
    expect(findCycle(edges)).toBeUndefined();
  });

  it('imports only downwards', () => {
    const wrong = edges
      .filter((e) => !ALLOWED[e.from]?.includes(e.to) && !(e.typeOnly && TYPE_ONLY[e.from]?.includes(e.to)))
      .map((e) => `${e.file} → ${e.to}/${e.typeOnly ? ' (type)' : ''}`);
    expect(wrong).toEqual([]);
  });

  it('keeps src/scan standing on keyformat alone', () => {
    expect(edges.filter((e) => e.from === 'scan' && e.to !== 'keyformat').map((e) => `${e.file} → ${e.to}`)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    expect(findCycle([{ from: 'queue', to: 'app' }, { from: 'app', to: 'rotation' }, { from: 'rotation', to: 'queue' }])).toEqual(['queue', 'app', 'rotation', 'queue']);
    expect(findCycle([{ from: 'app', to: 'queue' }, { from: 'cli', to: 'app' }])).toBeUndefined();
  });
});
