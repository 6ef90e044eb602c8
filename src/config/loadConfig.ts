// The user's configuration: `keywarden.toml` or `.keywarden.toml` at the repository root, or
// `--config FILE` (an existing `.gitleaks.toml` works too). The rule parts (rules,
// allowlists, disabledRules, ignorePaths, [extend]) are parsed and validated by the engine's
// parseRuleFile; this module finds the file and checks the keywarden-only [limits].
import { readFile } from 'node:fs/promises';
import { parseRuleFile, type RuleFileConfig } from '../scan/ruleConfig.js';
import { defaultConfig, findConfigFile } from './configFile.js';
import { ConfigError } from './errors.js';
import { parseSize } from './size.js';

export { CONFIG_NAMES, findRepoRoot } from './configFile.js';

export interface Limits {
  maxFileSize?: number;
  maxFragmentBytes?: number;
  decodeDepth?: number;
}

export interface KeywardenConfig {
  /** The file the config came from (as given, or relative to the repo root), if any. */
  file?: string;
  rules?: RuleFileConfig;
  disabledRules: string[];
  ignorePaths: string[];
  limits: Limits;
  /** false only with `[extend] useDefault = false`: then the built-in rules are off. */
  useDefault: boolean;
}

const LIMIT_KEYS = ['maxFileSize', 'maxFragmentBytes', 'decodeDepth'] as const;

export async function loadConfig(opts: { explicit?: string; rootDir: string }): Promise<KeywardenConfig> {
  const file = opts.explicit ?? findConfigFile(opts.rootDir);
  if (file === undefined) return defaultConfig();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError('CONFIG_NOT_FOUND', `${file}: cannot read the config file (${code ?? (err as Error).message}); check the --config path`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): KeywardenConfig {
  const rules = parseRuleFile(text, file);
  return {
    file,
    rules,
    disabledRules: [...rules.disabledRules, ...(rules.extend?.disabledRules ?? [])],
    ignorePaths: rules.ignorePaths,
    limits: parseLimits(rules.limits ?? {}, file),
    useDefault: rules.extend?.useDefault !== false,
  };
}

function parseLimits(table: Record<string, unknown>, file: string): Limits {
  const limits: Limits = {};
  for (const [key, value] of Object.entries(table)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError('INVALID_CONFIG', `${file}: unknown key "limits.${key}" (allowed: ${LIMIT_KEYS.join(', ')})`);
    }
    if (key === 'decodeDepth') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 5) {
        throw new ConfigError('INVALID_CONFIG', `${file}: key "limits.decodeDepth" must be an integer from 0 to 5, got ${JSON.stringify(value)}`);
      }
      limits.decodeDepth = value;
      continue;
    }
    const bytes = parseSize(value);
    if (bytes === undefined || bytes === 0) {
      throw new ConfigError('INVALID_CONFIG', `${file}: key "limits.${key}" must be a size such as 1048576, "512KB" or "1MB", got ${JSON.stringify(value)}`);
    }
    limits[key as 'maxFileSize' | 'maxFragmentBytes'] = bytes;
  }
  return limits;
}
