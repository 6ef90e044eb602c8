#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build`,
// which `npm install` / `npm ci` run through the `prepare` script. The build then bundles
// the entry with the pre-commit hook's modules into one file (scripts/bundleHook.mjs): the
// hook starts faster from one file than from forty modules. A bundle older than the
// compiled entry (tsc run alone since) is stale, and the compiled modules are used instead.
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const path = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const builtAt = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

const main = new URL('../dist/cli/main.js', import.meta.url);
const bundle = path('../dist/cli/main.bundle.cjs');
const mainAt = builtAt(fileURLToPath(main));
if (mainAt === undefined) {
  process.stderr.write('keywarden: not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(2);
}
if ((builtAt(bundle) ?? -1) >= mainAt) createRequire(import.meta.url)(bundle);
else await import(main.href);
