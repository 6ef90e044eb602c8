// Provider specs (bench/detection/providers/*.json, format in /work/detection-spec.md and the
// README): each describes a provider's documented token format, independently of our rules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CATEGORIES = [
  'cloud',
  'vcs-registry',
  'ci-infra',
  'ai-data',
  'communications',
  'payments-commerce',
  'saas',
  'observability',
  'database',
  'crypto',
  'connection-string',
  'password',
  'header',
  'private-key',
  'generic',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ProviderSpec {
  provider: string;
  name: string;
  category: Category;
  context: string[];
  envVar: string;
  formats: string[];
  tokens: string[];
  nearMisses: string[];
  /** The file the spec came from (for error messages and the report). */
  file: string;
}

export class SpecError extends Error {
  readonly code = 'DETECTION_SPEC_INVALID';
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function check(raw: unknown, file: string, i: number): ProviderSpec {
  const where = `${file} entry ${i}`;
  if (typeof raw !== 'object' || raw === null) throw new SpecError(`${where}: expected an object`);
  const o = raw as Record<string, unknown>;
  const need = (k: string): string => {
    if (typeof o[k] !== 'string' || (o[k] as string).trim() === '') throw new SpecError(`${where}: "${k}" must be a non-empty string`);
    return o[k] as string;
  };
  const list = (k: string): string[] => {
    if (o[k] === undefined) return [];
    if (!strings(o[k])) throw new SpecError(`${where}: "${k}" must be an array of strings`);
    return o[k] as string[];
  };
  const provider = need('provider');
  const category = need('category');
  if (!(CATEGORIES as readonly string[]).includes(category)) {
    throw new SpecError(`${where} (${provider}): unknown category "${category}"; use one of ${CATEGORIES.join(', ')}`);
  }
  const spec: ProviderSpec = {
    provider,
    name: typeof o.name === 'string' ? o.name : provider,
    category: category as Category,
    context: list('context'),
    envVar: need('envVar'),
    formats: list('formats'),
    tokens: list('tokens'),
    nearMisses: list('nearMisses'),
    file,
  };
  if (spec.formats.length === 0 && spec.tokens.length === 0) throw new SpecError(`${where} (${provider}): needs "formats" or "tokens"`);
  return spec;
}

/**
 * Every spec in dir, sorted by provider. A provider listed twice (the starter set and a
 * helper's family file) keeps the family file's entry: the starter set only stood in.
 */
export function loadSpecs(dir: string): ProviderSpec[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => (a === 'starter.json' ? -1 : b === 'starter.json' ? 1 : a.localeCompare(b)));
  const byProvider = new Map<string, ProviderSpec>();
  for (const f of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch (err) {
      throw new SpecError(`${f}: not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new SpecError(`${f}: expected a JSON array of provider specs`);
    parsed.forEach((raw, i) => {
      const spec = check(raw, f, i);
      const prev = byProvider.get(spec.provider);
      if (prev && prev.file !== 'starter.json' && f !== 'starter.json') {
        // Two helpers wrote the same provider: keep the first, it is still measured once.
        return;
      }
      if (prev && f === 'starter.json') return;
      byProvider.set(spec.provider, spec);
    });
  }
  return [...byProvider.values()].sort((a, b) => a.provider.localeCompare(b.provider));
}
