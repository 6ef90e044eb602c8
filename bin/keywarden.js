#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build`,
// which `npm install` / `npm ci` run through the `prepare` script. The build then bundles
// the entry with the pre-commit hook's modules into one CommonJS file
// (scripts/bundleHook.mjs): the hook starts faster from one file than from forty modules.
// A bundle older than the compiled entry (tsc run alone since) is stale, and the compiled
// ES modules are used instead.
//
// This file is CommonJS (bin/package.json): an ES module entry point costs every run,
// the pre-commit hook included, 15-20 ms of ESM loader set-up.
'use strict';
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

// The pre-commit hook's exact arguments (src/cli/hookScan.ts).
const hookRun = process.argv.length === 4 && process.argv[2] === 'scan' && process.argv[3] === '--staged';

// V8 hands a function to its optimizing compiler once it has run a budget of bytecode
// (132 KB by default). A scan runs a few dozen functions that warm for well under a
// second, and compiling them all on a background thread took 100-150 ms of CPU from git
// on the other core (history scans are bound by git). With eight times the budget only
// the hottest are optimized: `scan --git` over the bench history went from ~690 to ~600 ms
// (16 interleaved runs; 600 KB and 2.5 MB were both slower), a 97 MB directory from 1.81
// to 1.78 s. Not for the hook: its run is too short to optimize much, and loading the v8
// module costs it 3 ms.
if (!hookRun) require('node:v8').setFlagsFromString('--interrupt-budget=1048576');

const main = join(__dirname, '../dist/cli/main.js');
const bundle = join(__dirname, '../dist/cli/main.bundle.cjs');

const mainStat = statSync(main, { throwIfNoEntry: false });
if (mainStat === undefined) {
  process.stderr.write('keywarden: not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(2);
}
const bundleStat = statSync(bundle, { throwIfNoEntry: false });
if (bundleStat !== undefined && bundleStat.mtimeMs >= mainStat.mtimeMs) runBundle(bundleStat);
else import(pathToFileURL(main).href);

/**
 * Runs the bundle like require() would, but compiled with a V8 code cache: V8 then skips
 * parsing and compiling the functions the last pre-commit run used (~10 ms of every run).
 * The cache (dist/cli/main.bundle.cjs.v8cache) is written by a `scan --staged` run that
 * found none or had it rejected. It is tagged with the bundle's size and mtime, because V8
 * itself only checks the source's length. The bundle's import() calls come through
 * importFromBundle: Node 20 drops a cached vm.Script's own dynamic-import hook.
 */
function runBundle(stat) {
  const cacheFile = `${bundle}.v8cache`;
  const tag = Buffer.from(`keywarden-v8cache ${process.version} ${stat.size} ${stat.mtimeMs}\n`);
  let cachedData;
  try {
    const file = readFileSync(cacheFile);
    if (file.subarray(0, tag.length).equals(tag)) cachedData = file.subarray(tag.length);
  } catch {
    // No cache yet.
  }
  const dir = dirname(bundle);
  const wrapper = `(function (exports, require, module, __filename, __dirname, importFromBundle) {${readFileSync(bundle, 'utf8')}\n})`;
  const script = new vm.Script(wrapper, { filename: bundle, cachedData });
  const importFromBundle = (spec) => import(/^\.\.?\//.test(spec) ? pathToFileURL(join(dir, spec)).href : spec);
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dir);
  if (hookRun && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, Buffer.concat([tag, script.createCachedData()]));
        renameSync(tmp, cacheFile);
      } catch {
        // Read-only install: the cache is an optimisation only.
      }
    });
  }
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dir, importFromBundle);
}
