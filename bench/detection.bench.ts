// `npm run bench detection`: recall and precision on the labelled corpus generated from
// bench/detection/providers/*.json (see bench/detection/corpus.ts), then findings per 100 MB of
// real third-party code. KW_DETECTION_OUT=DIR also writes the corpus and its labels there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBuiltinRules } from '../src/config/loadRules.js';
import { Scanner } from '../src/scan/index.js';
import { table } from './benchUtil.js';
import { buildCorpus, DEFAULT_SEED } from './detection/corpus.js';
import type { CorpusFile } from './detection/doc.js';
import { realRoots, scanRoot } from './detection/realCode.js';
import { precision, recall, score, type FileResult, type Tally } from './detection/score.js';
import { loadSpecs } from './detection/spec.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPECS = join(ROOT, 'bench', 'detection', 'providers');
const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(1)} %`);

function writeOut(dir: string, files: CorpusFile[]): void {
  for (const f of files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.text);
  }
  const labels = files.map((f) => ({ path: f.path, kind: f.kind, category: f.category, provider: f.provider, planted: f.planted }));
  writeFileSync(join(dir, 'labels.json'), JSON.stringify(labels, null, 1));
}

function tallyRow(name: string, t: Tally): (string | number)[] {
  return [name, t.planted, t.found, pct(recall(t)), t.planted ? pct(t.foundByProvider / t.planted) : '-', t.truePositives, t.falsePositives, pct(precision(t))];
}

export function runCorpus(scanner: Scanner): void {
  const specs = loadSpecs(SPECS);
  const t0 = performance.now();
  const { positives, negatives } = buildCorpus(specs);
  const genMs = performance.now() - t0;
  const files = [...positives, ...negatives];
  if (process.env.KW_DETECTION_OUT) writeOut(process.env.KW_DETECTION_OUT, files);
  const t1 = performance.now();
  const results: FileResult[] = files.map((file) => ({ file, findings: scanner.scanFragment({ path: file.path, text: file.text }).findings }));
  const scanMs = performance.now() - t1;
  const s = score(results);
  // What the GitHub App fails a check on by default (and `--min-confidence medium`): catch-all rules' low-confidence findings left out.
  const atMedium = score(results.map((r) => ({ file: r.file, findings: r.findings.filter((f) => f.confidence !== 'low') })));
  const providers = new Set(positives.map((f) => f.provider)).size;
  console.log(
    `corpus (seed ${DEFAULT_SEED}): ${positives.length} positive files (${s.overall.planted} planted secrets, ${providers} providers, ${specs.length} specs), ` +
      `${negatives.length} hard negatives; generated in ${genMs.toFixed(0)} ms, scanned in ${scanMs.toFixed(0)} ms with ${scanner.rules.rules.length} rules\n`,
  );
  const cats = [...s.byCategory.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  table([
    ['category', 'planted', 'found', 'recall', 'by its rule', 'TP findings', 'FP findings', 'precision'],
    ...cats.map(([c, t]) => tallyRow(c, t)),
    tallyRow('OVERALL', s.overall),
    tallyRow('OVERALL, confidence >= medium', atMedium.overall),
  ]);
  console.log(
    '\n"by its rule": found by a rule whose tags or id name the provider. FP findings of a category include its near-miss, placeholder and env-reference negatives;' +
      ' "negative" holds the spec-free kinds. "confidence >= medium": low-confidence (catch-all) findings dropped, as --min-confidence medium and the GitHub App do.\n',
  );
  table([['negative kind', 'files', 'files flagged', 'findings'], ...[...s.negativeKinds.entries()].sort().map(([k, v]) => [k, v.files, v.flagged, v.findings])]);
  console.log('');
  table([['file form (positives)', 'planted', 'found', 'recall'], ...[...s.templates.entries()].sort().map(([k, v]) => [k, v.planted, v.found, pct(v.found / v.planted)])]);
  const missed = [...s.missedProviders.entries()].filter(([, v]) => v.missed > 0).sort((a, b) => b[1].missed / b[1].planted - a[1].missed / a[1].planted || b[1].missed - a[1].missed || a[0].localeCompare(b[0]));
  console.log(`\nproviders with misses: ${missed.length} of ${s.missedProviders.size}; ${missed.filter(([, v]) => v.missed === v.planted).length} missed entirely. Top 30:`);
  if (missed.length > 0) table([['provider', 'category', 'missed', 'of'], ...missed.slice(0, 30).map(([p, v]) => [p, v.category, v.missed, v.planted])]);
  const fps = [...s.falsePositiveRules.entries()].sort((a, b) => b[1].count - a[1].count);
  console.log(`\nrules raising false positives: ${fps.length}. Worst 20:`);
  if (fps.length > 0) {
    table([
      ['rule', 'FPs', 'where', 'first (redacted)'],
      ...fps.slice(0, 20).map(([r, v]) => [r, v.count, [...v.kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, n]) => `${k} ${n}`).join(', '), v.example]),
    ]);
  }
}

export function runRealCode(scanner: Scanner): void {
  console.log('\nreal third-party code (text files <= 1 MB):\n');
  const rows: (string | number)[][] = [['corpus', 'files', 'MB', 'scan s', 'findings', 'per 100 MB', 'generic-rule findings', 'sampling']];
  const generic: Array<[string, string]> = [];
  const byRule = new Map<string, number>();
  for (const root of realRoots(ROOT)) {
    const r = scanRoot(root, scanner);
    const mb = r.bytes / 1e6;
    const g = r.findings.filter((f) => f.generic);
    rows.push([root.name, r.files, Number(mb.toFixed(1)), Number((r.ms / 1000).toFixed(1)), r.findings.length, Number(((r.findings.length / mb) * 100).toFixed(1)), g.length, root.stride > 1 ? `1 file in ${root.stride} by path hash` : 'all']);
    for (const f of r.findings) byRule.set(`${f.finding.ruleId}${f.generic ? ' (generic)' : ''}`, (byRule.get(`${f.finding.ruleId}${f.generic ? ' (generic)' : ''}`) ?? 0) + 1);
    for (const f of g) generic.push([root.name, `${f.finding.ruleId}  ${f.path}:${f.finding.line}  ${f.finding.preview}`]);
  }
  table(rows);
  console.log('\nfindings by rule (all real-code corpora):');
  if (byRule.size > 0) table([['rule', 'findings'], ...[...byRule.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))]);
  console.log(`\ngeneric-rule findings, one by one (${generic.length}):`);
  for (const [root, line] of generic.sort()) console.log(`  [${root}] ${line}`);
}

export async function run(): Promise<void> {
  const rules = loadBuiltinRules();
  const scanner = new Scanner(rules);
  runCorpus(scanner);
  runRealCode(scanner);
}
