// Pieces of reading a regex source (Go/RE2 syntax) that the modules judging rules from their
// regexes share: relaxBounds.ts rewrites bounds, occurrenceGuard.ts reads what a match opens with.

const QUANTIFIER = /^(?:\{(\d+)(?:(,)(\d*))?\}|[?*+])\??/;

export interface Quantifier {
  min: number;
  max: number;
  /** Characters it takes in the source, a lazy `?` included; 0: none there. */
  length: number;
  /** Followed by `?`: fewest repetitions first. */
  lazy: boolean;
}

/** The quantifier at src[i]; none (length 0): exactly once. A `{` that is no repetition is none. */
export function quantifierAt(src: string, i: number): Quantifier {
  const q = QUANTIFIER.exec(src.slice(i, i + 16));
  if (!q) return { min: 1, max: 1, length: 0, lazy: false };
  const lazy = q[0].length > 1 && q[0].endsWith('?');
  if (q[0][0] === '?') return { min: 0, max: 1, length: q[0].length, lazy };
  if (q[0][0] === '*') return { min: 0, max: Infinity, length: q[0].length, lazy };
  if (q[0][0] === '+') return { min: 1, max: Infinity, length: q[0].length, lazy };
  const min = Number(q[1]);
  return { min, max: q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3]), length: q[0].length, lazy };
}
