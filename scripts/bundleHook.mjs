// Build step after tsc: bundles the CLI entry and the modules the pre-commit hook runs
// (`keywarden scan --staged`) into one CommonJS file, dist/cli/main.bundle.cjs, which
// bin/keywarden.js loads. Loading ~40 ES modules one by one (resolve, read, compile, link
// each) cost the hook about as much as its whole scan; one file costs one read and compile.
//
// - Only the hook's modules are inlined: every other dynamic import (other commands,
//   formats, sources, the worker pool, the TOML parser) stays an import of its dist/ file,
//   so those keep their own module graph and their import.meta.url.
// - CommonJS output keeps the hook's order of work: a package (re2) or Node module is
//   required where the inlined module would have been evaluated, not hoisted to the top,
//   so git still starts before the engine loads.
// - Each inlined module sees the import.meta.url its dist/ file would have.
// - The bundle is run by bin/keywarden.js with a V8 code cache, through vm.Script. Node 20
//   loses a vm.Script's dynamic-import hook when the script comes from a code cache, so the
//   bundle never calls import() itself: each external dynamic import becomes a call to
//   `importFromBundle`, which bin/keywarden.js passes in.
import { build, transform } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const ENTRY = join(SRC, 'cli/main.ts');
const OUTFILE = join(DIST, 'cli/main.bundle.cjs');

/** What `import('../x.js')` from src/a/b.ts names: the source file, src/x.ts. */
function sourceOf(importer, spec) {
  return resolve(dirname(importer), spec).replace(/\.js$/, '.ts');
}

/** The dist/ file for a source file, as a path relative to the bundle. */
function distSpecifier(sourceFile) {
  const rel = relative(dirname(OUTFILE), join(DIST, relative(SRC, sourceFile))).replace(/\.ts$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/**
 * The dynamic imports of the hook's path, taken into the bundle with their static imports;
 * scanCommand too, so that every `scan` (through commander) runs the bundled runScan, and
 * the sources and JSON report of the common scans (`scan DIR`, `scan --git`), so that those
 * load no ES module at all (the ES loader's set-up alone is ~10 ms).
 * Any other dynamic import stays external, unless its module is in the bundle already (one
 * instance of every module, e.g. the secret registry in scan/secret).
 */
const HOOK_PATH = [
  'cli/scanPlan.ts',
  'cli/scanSource.ts',
  'cli/runScan.ts',
  'sources/staged.ts',
  'report/text.ts',
  'cli/scanCommand.ts',
  'sources/gitHistory.ts',
  'sources/directory.ts',
  'report/json.ts',
].map((f) => join(SRC, f));

/**
 * CommonJS packages the CLI imports dynamically: the bundle requires them (the result has the
 * same named exports), rather than importing them through the ES loader.
 */
const REQUIRED_PACKAGES = new Set(['commander', 'cli-progress', 'minimatch', 'simple-git']);

function plugin(inline) {
  return {
    name: 'keywarden-hook-bundle',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const url = JSON.stringify(relative(dirname(OUTFILE), join(DIST, relative(SRC, args.path))).replace(/\.ts$/, '.js'));
        // Types stripped first, so that type-only `import('x')` are gone. A dynamic import of
        // a module that is not inlined becomes importFromBundle('<its dist/ file>').
        const { code } = await transform(await readFile(args.path, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: args.path, sourcemap: 'inline' });
        const contents = code
          .replaceAll('import.meta.url', `__kwModuleUrl(${url})`)
          .replace(/\bimport\((['"])([^'"]+)\1\)/g, (call, _q, spec) => {
            if (!/^\.\.?\//.test(spec)) {
              return REQUIRED_PACKAGES.has(spec) ? `Promise.resolve(require(${JSON.stringify(spec)}))` : `importFromBundle(${JSON.stringify(spec)})`;
            }
            const target = sourceOf(args.path, spec);
            return inline.has(target) ? call : `importFromBundle(${JSON.stringify(distSpecifier(target))})`;
          });
        return { contents, loader: 'js' };
      });
    },
  };
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
};

// Pass 1: the static module graph of the entry and the hook's modules.
const graph = await build({
  ...common,
  entryPoints: [ENTRY, ...HOOK_PATH],
  outdir: join(DIST, '.bundle-graph'),
  format: 'esm',
  write: false,
  metafile: true,
  plugins: [plugin(new Set())],
});
const inline = new Set(Object.keys(graph.metafile.inputs).map((p) => resolve(ROOT, p)));

// Pass 2: the bundle.
await build({
  ...common,
  entryPoints: [ENTRY],
  outfile: OUTFILE,
  format: 'cjs',
  sourcemap: true,
  banner: {
    js: '"use strict";\nconst __kwModuleUrl = (rel) => require("node:url").pathToFileURL(require("node:path").join(__dirname, rel)).href;',
  },
  plugins: [plugin(inline)],
});
const calls = (await readFile(OUTFILE, 'utf8')).match(/\bimport\(/g);
if (calls) throw new Error(`${OUTFILE}: ${calls.length} import() calls left; route them through importFromBundle`);
// A code cache left by an earlier bundle must not be used with this one (bin checks too).
await rm(`${OUTFILE}.v8cache`, { force: true });
