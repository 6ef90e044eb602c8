// The labelled corpus: positives planted from every provider spec in realistic files, and hard
// negatives (the specs' near misses, placeholders and env-var references under the providers'
// own variable names, plus the spec-free kinds in negatives.ts). Deterministic: one seed.
import { namesOf, render, type CorpusFile } from './doc.js';
import { expandFormat, literalPrefix } from './formats.js';
import { NEGATIVE_KINDS } from './negatives.js';
import { Rng } from './rng.js';
import type { ProviderSpec } from './spec.js';
import { CODE_TEMPLATES } from './templates/code.js';
import { CONFIG_TEMPLATES } from './templates/config.js';
import { lines, type Shape, type Slot, type Template } from './templates/types.js';

export const TEMPLATES: readonly Template[] = [...CONFIG_TEMPLATES, ...CODE_TEMPLATES];
export const DEFAULT_SEED = 20261204;

export interface CorpusOptions {
  seed?: number;
  /** Positive files wanted in all; each provider gets an equal share, at least minPerProvider. */
  positives?: number;
  minPerProvider?: number;
}

export function shapeOf(value: string): Shape {
  if (value.includes('\n')) return 'multiline';
  if (/^[A-Za-z][A-Za-z0-9-]*: \S/.test(value)) return 'header';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'uri';
  if (/[\s;"'`\\]/.test(value)) return 'spaced';
  return 'plain';
}

/** Categories whose values are recognisable only by the name they are assigned to. */
const KEYWORD_ONLY = new Set(['password', 'generic']);

/**
 * Whether the spec's values can be told from text without the provider's keyword: a documented
 * prefix of three or more characters, a checksummed generator, or a structure of their own.
 */
function standsAlone(spec: ProviderSpec): boolean {
  if (KEYWORD_ONLY.has(spec.category)) return false;
  if (spec.formats.length === 0) return commonPrefix(spec.tokens).length >= 3;
  return spec.formats.every((f) => literalPrefix(f).length >= 3 || ['uri', 'multiline', 'header'].includes(shapeOf(f)));
}

function commonPrefix(xs: string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** The spec's variable name, with its keyword in front when the name lacks it (as real names carry it). */
function keywordName(spec: ProviderSpec): string {
  const env = spec.envVar;
  const words = spec.context.length > 0 ? spec.context : [spec.provider];
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (words.some((w) => norm(env).includes(norm(w)))) return env;
  return `${words[0].replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}_${env}`;
}

function slotFor(spec: ProviderSpec, value: string): Slot {
  return {
    value,
    names: namesOf(keywordName(spec)),
    shape: shapeOf(value),
    keyword: (spec.context[0] ?? spec.provider).toLowerCase().replace(/[^a-z0-9-]+/g, '-'),
    display: spec.name,
  };
}

function templatesFor(shape: Shape, detachedOk: boolean): Template[] {
  return TEMPLATES.filter((t) => t.shapes.includes(shape) && (detachedOk || !t.detached));
}

/** Picks templates in a shuffled round, so a provider's files spread over every fitting form. */
class TemplateDeck {
  private decks = new Map<string, Template[]>();
  constructor(private readonly rng: Rng) {}
  draw(shape: Shape, detachedOk: boolean): Template | undefined {
    const key = `${shape}:${detachedOk}`;
    let deck = this.decks.get(key);
    if (!deck || deck.length === 0) {
      deck = templatesFor(shape, detachedOk);
      for (let i = deck.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        [deck[i], deck[j]] = [deck[j], deck[i]];
      }
      this.decks.set(key, deck);
    }
    return deck.pop();
  }
}

function positivesFor(spec: ProviderSpec, count: number, rng: Rng, n: { i: number }): CorpusFile[] {
  const out: CorpusFile[] = [];
  const deck = new TemplateDeck(rng.fork('deck'));
  const alone = standsAlone(spec);
  const sources = [...spec.formats.map((f) => ({ format: f })), ...spec.tokens.map((t) => ({ token: t }))];
  for (let k = 0; k < count; k++) {
    const src = sources[k % sources.length];
    const value = 'token' in src ? src.token! : expandFormat(src.format!, rng);
    const slot = slotFor(spec, value);
    const t = deck.draw(slot.shape, alone);
    if (!t) continue;
    const { path, parts } = t.render(slot, rng);
    const { text, planted } = render(parts, { provider: spec.provider, category: spec.category });
    out.push({ path: `pos/${n.i++}/${path}`, text, planted, kind: t.name, category: spec.category, provider: spec.provider });
  }
  return out;
}

const PLACEHOLDERS = (s: Slot, prefix: string): string[] => [
  `<your-${s.names.kebab}>`,
  'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  `\${${s.names.screaming}}`,
  `{{ .Values.${s.names.camel} }}`,
  `your_${s.names.snake}_here`,
  'changeme',
  'REPLACE_ME',
  `%(${s.names.snake})s`,
  '********',
  `{{ secrets.${s.names.screaming} }}`,
  `$(${s.names.screaming})`,
  `<%= ENV['${s.names.screaming}'] %>`,
  ...(prefix.length >= 3 && prefix !== 'gen' ? [`${prefix}${'x'.repeat(32)}`, `${prefix}XXXXXXXXXXXXXXXXXXXXXXXX`, `${prefix}<your-token>`, `${prefix}...`] : []),
];

/** Reading the variable instead of writing the value, in the languages the positives use. */
const ENV_REFERENCES: Array<(s: Slot) => { path: string; text: string }> = [
  (s) => ({ path: 'src/config.js', text: lines(`const ${s.names.camel} = process.env.${s.names.screaming};`, `if (!${s.names.camel}) throw new Error('${s.names.screaming} is not set');`) }),
  (s) => ({ path: 'app/settings.py', text: lines('import os', `${s.names.screaming} = os.environ["${s.names.screaming}"]`, `${s.names.snake}_fallback = os.getenv("${s.names.screaming}", "")`) }),
  (s) => ({ path: 'internal/config/config.go', text: lines(`\t${s.names.camel} := os.Getenv("${s.names.screaming}")`) }),
  (s) => ({ path: 'src/main/java/Config.java', text: lines(`    private final String ${s.names.camel} = System.getenv("${s.names.screaming}");`) }),
  (s) => ({ path: 'config/initializers/keys.rb', text: lines(`${s.names.screaming} = ENV.fetch("${s.names.screaming}")`) }),
  (s) => ({ path: 'Program.cs', text: lines(`var ${s.names.camel} = Environment.GetEnvironmentVariable("${s.names.screaming}");`) }),
  (s) => ({ path: 'config.php', text: lines('<?php', `$${s.names.camel} = getenv('${s.names.screaming}');`) }),
  (s) => ({ path: '.github/workflows/release.yml', text: lines('    env:', `      ${s.names.screaming}: \${{ secrets.${s.names.screaming} }}`) }),
  (s) => ({ path: 'k8s/deployment.yaml', text: lines('        env:', `          - name: ${s.names.screaming}`, '            valueFrom:', '              secretKeyRef:', `                name: ${s.keyword}`, `                key: ${s.names.kebab}`) }),
  (s) => ({ path: 'docker-compose.yml', text: lines('    environment:', `      ${s.names.screaming}: \${${s.names.screaming}:?set it in .env}`) }),
];

function negativesFor(spec: ProviderSpec, perSpec: number, rng: Rng, n: { i: number }): CorpusFile[] {
  const out: CorpusFile[] = [];
  const deck = new TemplateDeck(rng.fork('deck'));
  const base = { category: spec.category, provider: spec.provider, planted: [] };
  const plant = (value: string, kind: string) => {
    const slot = slotFor(spec, value);
    const t = deck.draw(slot.shape, false);
    if (!t) return;
    const { path, parts } = t.render(slot, rng);
    out.push({ ...base, path: `neg/${n.i++}/${path}`, text: render(parts).text, kind });
  };
  for (const nm of spec.nearMisses) for (let k = 0; k < 2; k++) plant(expandFormat(nm, rng), 'near-miss');
  const prefix = spec.formats.length > 0 ? literalPrefix(spec.formats[0]) : '';
  const holders = PLACEHOLDERS(slotFor(spec, ''), prefix);
  for (let k = 0; k < perSpec; k++) plant(holders[rng.int(holders.length)], 'placeholder');
  for (let k = 0; k < perSpec; k++) {
    const f = ENV_REFERENCES[rng.int(ENV_REFERENCES.length)](slotFor(spec, ''));
    out.push({ ...base, path: `neg/${n.i++}/${f.path}`, text: f.text, kind: 'env-reference' });
  }
  return out;
}

export interface Corpus {
  positives: CorpusFile[];
  negatives: CorpusFile[];
}

export function buildCorpus(specs: ProviderSpec[], opts: CorpusOptions = {}): Corpus {
  const root = new Rng(opts.seed ?? DEFAULT_SEED);
  const wanted = opts.positives ?? 2100;
  const per = Math.max(opts.minPerProvider ?? 3, Math.ceil(wanted / Math.max(1, specs.length)));
  // Spec-bound negatives: enough that placeholders and env references reach ~300 each.
  const negPer = Math.max(1, Math.ceil(300 / Math.max(1, specs.length)));
  const n = { i: 0 };
  const positives = specs.flatMap((s) => positivesFor(s, per, root.fork(`pos:${s.provider}`), n));
  const negatives = specs.flatMap((s) => negativesFor(s, negPer, root.fork(`neg:${s.provider}`), n));
  for (const { kind, count, make } of NEGATIVE_KINDS) {
    const rng = root.fork(`neg:${kind}`);
    for (let i = 0; i < count; i++) {
      const f = make(rng, i);
      negatives.push({ path: `neg/${n.i++}/${f.path}`, text: f.text, planted: [], kind, category: 'negative' });
    }
  }
  return { positives, negatives };
}

