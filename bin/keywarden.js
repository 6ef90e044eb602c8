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
const { statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const builtAt = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
const main = join(__dirname, '../dist/cli/main.js');
const bundle = join(__dirname, '../dist/cli/main.bundle.cjs');

const mainAt = builtAt(main);
if (mainAt === undefined) {
  process.stderr.write('keywarden: not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(2);
}
if ((builtAt(bundle) ?? -1) >= mainAt) require(bundle);
else import(pathToFileURL(main).href);
