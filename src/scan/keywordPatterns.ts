// The keywords as the prefilter matches them: bytes with ASCII case folded (for the automaton),
// lower-case RE2 patterns (for the Set that answers small scans before the automaton is built).
import RE2 from 're2';

/** An ASCII keyword as a pattern matching its lower-case form only. */
export function lowerPattern(keyword: string): string {
  return keyword.toLowerCase().replace(/[^a-z0-9_]/g, (c) => `\\x{${c.charCodeAt(0).toString(16)}}`);
}

/** `keyword` as bytes with ASCII letters lower-cased (only ASCII: gitleaks keywords fold ASCII case). */
export function foldedBytes(keyword: string): Buffer {
  const b = Buffer.from(keyword, 'utf8');
  for (let i = 0; i < b.length; i++) if (b[i] >= 65 && b[i] <= 90) b[i] += 32;
  return b;
}

/** A Set of the patterns; null when RE2 cannot compile it (only conceivable with huge custom rule sets). */
export function compileSet(patterns: string[]): InstanceType<typeof RE2.Set> | null {
  try {
    return new RE2.Set(patterns, 'u');
  } catch {
    return null;
  }
}
