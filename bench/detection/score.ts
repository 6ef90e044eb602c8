// Scores findings against the corpus labels. A planted secret is found when a finding's span
// overlaps it (any rule); "by its provider's rule" when that rule's tags (or id) name the
// provider. Every finding that overlaps no planted secret is a false positive.
import { revealSecret, type Finding } from '../../src/scan/index.js';
import type { CorpusFile, Planted } from './doc.js';

export interface FileResult {
  file: CorpusFile;
  findings: Finding[];
}

export interface Tally {
  planted: number;
  found: number;
  foundByProvider: number;
  truePositives: number;
  falsePositives: number;
}

export interface Score {
  overall: Tally;
  byCategory: Map<string, Tally>;
  /** Negative files by kind: how many, how many raised anything, how many findings. */
  negativeKinds: Map<string, { files: number; flagged: number; findings: number }>;
  /** Positives by file template: planted and found. */
  templates: Map<string, { planted: number; found: number }>;
  missedProviders: Map<string, { planted: number; missed: number; category: string }>;
  falsePositiveRules: Map<string, { count: number; kinds: Map<string, number>; example: string }>;
}

const emptyTally = (): Tally => ({ planted: 0, found: 0, foundByProvider: 0, truePositives: 0, falsePositives: 0 });

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The finding's span in the file's text (UTF-16 offsets). Decoded findings span the encoded text. */
export function findingSpan(f: Finding, starts: number[]): [number, number] {
  const lineStart = starts[f.line - 1] ?? 0;
  const start = lineStart + f.column - 1;
  if (f.decoded) return [start, Math.max(start + 1, lineStart + f.endColumn - 1)];
  return [start, start + Math.max(1, revealSecret(f)?.length ?? 1)];
}

/** Whether the finding's rule belongs to the planted secret's provider (by tag or id). */
export function ruleOfProvider(f: Finding, provider: string): boolean {
  if (f.ruleId === provider || f.ruleId.startsWith(`${provider}-`)) return true;
  const parts = provider.split('-');
  const names = new Set(parts.map((_, i) => parts.slice(0, i + 1).join('-')));
  return (f.tags ?? []).some((t) => names.has(t));
}

export function score(results: FileResult[]): Score {
  const s: Score = {
    overall: emptyTally(),
    byCategory: new Map(),
    negativeKinds: new Map(),
    templates: new Map(),
    missedProviders: new Map(),
    falsePositiveRules: new Map(),
  };
  const cat = (c: string) => {
    let t = s.byCategory.get(c);
    if (!t) s.byCategory.set(c, (t = emptyTally()));
    return t;
  };
  for (const { file, findings } of results) {
    const starts = lineStarts(file.text);
    const spans = findings.map((f) => findingSpan(f, starts));
    const hitsPlanted = (p: Planted, i: number) => spans[i][0] < p.end && p.start < spans[i][1];
    for (const p of file.planted) {
      const by = findings.map((_, i) => i).filter((i) => hitsPlanted(p, i));
      const found = by.length > 0;
      const right = by.some((i) => ruleOfProvider(findings[i], p.provider));
      for (const t of [s.overall, cat(p.category)]) {
        t.planted++;
        if (found) t.found++;
        if (right) t.foundByProvider++;
      }
      const tpl = s.templates.get(file.kind) ?? { planted: 0, found: 0 };
      tpl.planted++;
      if (found) tpl.found++;
      s.templates.set(file.kind, tpl);
      const mp = s.missedProviders.get(p.provider) ?? { planted: 0, missed: 0, category: p.category };
      mp.planted++;
      if (!found) mp.missed++;
      s.missedProviders.set(p.provider, mp);
    }
    let fileFalse = 0;
    findings.forEach((f, i) => {
      const tp = file.planted.some((p) => hitsPlanted(p, i));
      const t = cat(file.category);
      if (tp) {
        s.overall.truePositives++;
        t.truePositives++;
        return;
      }
      fileFalse++;
      s.overall.falsePositives++;
      t.falsePositives++;
      const r = s.falsePositiveRules.get(f.ruleId) ?? { count: 0, kinds: new Map(), example: `${file.path}:${f.line} ${f.preview}` };
      r.count++;
      const kind = file.planted.length > 0 ? `in a positive file (${file.kind})` : file.kind;
      r.kinds.set(kind, (r.kinds.get(kind) ?? 0) + 1);
      s.falsePositiveRules.set(f.ruleId, r);
    });
    if (file.planted.length === 0) {
      const k = s.negativeKinds.get(file.kind) ?? { files: 0, flagged: 0, findings: 0 };
      k.files++;
      if (fileFalse > 0) k.flagged++;
      k.findings += fileFalse;
      s.negativeKinds.set(file.kind, k);
    }
  }
  return s;
}

export const recall = (t: Tally) => (t.planted === 0 ? NaN : t.found / t.planted);
export const precision = (t: Tally) => (t.truePositives + t.falsePositives === 0 ? NaN : t.truePositives / (t.truePositives + t.falsePositives));
