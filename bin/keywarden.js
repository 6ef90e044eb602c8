#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm run build`,
// which `npm install` / `npm ci` run through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('keywarden: not built yet; run `npm run build` (npm install does it for you)\n');
  process.exit(2);
}
await import(entry.href);
