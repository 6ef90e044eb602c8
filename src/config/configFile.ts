// Where the user's config lives, found without loading the TOML parser: most repositories
// have no config file, and then the pre-commit hook never pays for parsing one.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KeywardenConfig } from './loadConfig.js';

export const CONFIG_NAMES = ['keywarden.toml', '.keywarden.toml'] as const;

/** The nearest directory at or above `dir` that holds `.git`, else `dir` itself. */
export function findRepoRoot(dir: string): string {
  const start = resolve(dir);
  for (let d = start; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return start;
  }
}

/** The config file at the repository root, if there is one. */
export function findConfigFile(rootDir: string): string | undefined {
  const name = CONFIG_NAMES.find((n) => existsSync(join(rootDir, n)));
  return name === undefined ? undefined : join(rootDir, name);
}

/** The configuration when there is no config file. */
export function defaultConfig(): KeywardenConfig {
  return { disabledRules: [], ignorePaths: [], limits: {}, useDefault: true };
}
