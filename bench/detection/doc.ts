// Building a corpus file while keeping track of where each planted secret lands: a document is
// a list of parts, and a part marked as planted records its offsets (UTF-16, in the text).
import type { Category } from './spec.js';

export interface Planted {
  provider: string;
  category: Category;
  /** Offsets in the file's text (UTF-16 code units) of the secret as written there (encoded, escaped or indented). */
  start: number;
  end: number;
}

export interface CorpusFile {
  path: string;
  text: string;
  /** Empty for negatives. */
  planted: Planted[];
  /** What the file is: a positive's template, or a negative's kind. */
  kind: string;
  /** Positives: the provider's category. Negatives: the near-miss spec's category, or "negative". */
  category: string;
  /** The spec the file came from, when one did. */
  provider?: string;
}

export interface Mark {
  secret: string;
}

export type Part = string | Mark;

export const mark = (secret: string): Mark => ({ secret });

/** Joins parts into a file; each Mark becomes a planted span for the given provider. */
export function render(parts: Part[], who?: { provider: string; category: Category }): { text: string; planted: Planted[] } {
  let text = '';
  const planted: Planted[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      text += p;
      continue;
    }
    if (who) planted.push({ provider: who.provider, category: who.category, start: text.length, end: text.length + p.secret.length });
    text += p.secret;
  }
  return { text, planted };
}

/** Identifier forms of a variable name such as TAILSCALE_API_KEY. */
export interface Names {
  screaming: string;
  snake: string;
  camel: string;
  pascal: string;
  kebab: string;
  dotted: string;
}

export function namesOf(envVar: string): Names {
  const words = envVar
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
  return {
    screaming: words.join('_').toUpperCase(),
    snake: words.join('_'),
    camel: words[0] + words.slice(1).map(cap).join(''),
    pascal: words.map(cap).join(''),
    kebab: words.join('-'),
    dotted: words.join('.'),
  };
}
