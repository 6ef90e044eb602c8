// Runs one rule's regex over a fragment's bytes and picks each match's secret: the
// `secretGroup` when set, else the first non-empty capture group, else the whole match.
import type { CompiledRule } from './ruleSet.js';

export interface RawHit {
  rule: CompiledRule;
  secret: string;
  match: string;
  /** Byte offsets of the secret in the scanned bytes. */
  start: number;
  end: number;
}

type IndexedMatch = RegExpExecArray & { indices?: Array<[number, number] | undefined> };

export function matchRule(rule: CompiledRule, bytes: Buffer, out: RawHit[]): void {
  const re = rule.regex;
  if (!re) return;
  const wanted = rule.config.secretGroup;
  re.lastIndex = 0;
  for (;;) {
    const m = re.exec(bytes as unknown as string) as IndexedMatch | null;
    if (!m) break;
    const whole = m[0] as unknown as Buffer;
    if (whole.length === 0) {
      re.lastIndex++;
      if (re.lastIndex > bytes.length) break;
      continue;
    }
    let g = 0;
    if (wanted !== undefined) g = wanted < m.length ? wanted : -1;
    else {
      for (let i = 1; i < m.length; i++) {
        if (m[i] !== undefined && (m[i] as unknown as Buffer).length > 0) {
          g = i;
          break;
        }
      }
    }
    const span = g >= 0 ? m.indices?.[g] : undefined;
    if (!span || span[1] <= span[0]) continue;
    out.push({
      rule,
      secret: bytes.toString('utf8', span[0], span[1]),
      match: whole.toString('utf8'),
      start: span[0],
      end: span[1],
    });
  }
}
