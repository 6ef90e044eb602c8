import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCorpus } from '../../bench/detection/corpus.js';
import { expandFormat, formatProblem } from '../../bench/detection/formats.js';
import { Rng } from '../../bench/detection/rng.js';
import { recall, score } from '../../bench/detection/score.js';
import { loadSpecs, SpecError } from '../../bench/detection/spec.js';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { Scanner } from '../../src/scan/index.js';
import { VALIDATORS } from '../../src/scan/validators.js';
import { parseToken } from '../../src/keyformat/keyFormat.js';

const SPECS = join(import.meta.dirname, '..', '..', 'bench', 'detection', 'providers');

describe('detection corpus', () => {
  it('expands formats to the stated alphabet and length, and rejects unknown charsets', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) {
      expect(expandFormat('tskey-api-{alnum:16}-{alnum:32}', rng)).toMatch(/^tskey-api-[A-Za-z0-9]{16}-[A-Za-z0-9]{32}$/);
      expect(expandFormat('x{hex:4-6}', rng)).toMatch(/^x[0-9a-f]{4,6}$/);
    }
    for (let i = 0; i < 50; i++) {
      expect(VALIDATORS['github-crc32'](expandFormat('{gen:github-classic}', rng))).toBe(true);
      expect(parseToken(expandFormat('{gen:keywarden-secret-live}', rng))).not.toBeNull();
    }
    // One changed character breaks the checksum, as the validator needs it to.
    const t = expandFormat('{gen:github-pat}', rng);
    expect(VALIDATORS['github-crc32'](t.slice(0, 10) + (t[10] === 'A' ? 'B' : 'A') + t.slice(11))).toBe(false);
    expect(formatProblem('{base99:4}')).toMatch(/unknown charset/);
    expect(formatProblem('{gen:nope}')).toMatch(/unknown generator/);
  });

  it('is the same corpus on every run, with every label pointing at its planted text', () => {
    const specs = loadSpecs(SPECS);
    const a = buildCorpus(specs);
    const b = buildCorpus(specs);
    expect(a.positives.map((f) => f.text)).toEqual(b.positives.map((f) => f.text));
    expect(a.negatives.map((f) => f.text)).toEqual(b.negatives.map((f) => f.text));
    expect(a.positives.length).toBeGreaterThanOrEqual(2000);
    expect(a.negatives.length).toBeGreaterThanOrEqual(1500);
    for (const f of a.positives) {
      expect(f.planted.length).toBeGreaterThan(0);
      for (const p of f.planted) {
        expect(p.end).toBeLessThanOrEqual(f.text.length);
        expect(p.end - p.start).toBeGreaterThan(7);
      }
    }
    // The bare form decodes to the value itself; the env-file form to an assignment of it.
    const decode = (f: (typeof a.positives)[number]) => Buffer.from(f.text.slice(f.planted[0].start, f.planted[0].end), 'base64').toString();
    const bare = a.positives.filter((f) => f.kind === 'k8s-secret-data');
    const env = a.positives.filter((f) => f.kind === 'k8s-secret-data-env');
    expect(bare.length).toBeGreaterThan(0);
    expect(env.length).toBeGreaterThan(0);
    for (const f of bare) expect(decode(f)).not.toMatch(/\n$/);
    for (const f of env) expect(decode(f)).toMatch(/^[A-Z0-9_]+=[^\n]+\n$/);
    for (const f of a.negatives) expect(f.planted).toEqual([]);
  });

  it('generates GitHub tokens whose CRC32 the github rule validates, and scores overlaps as found', () => {
    const specs = loadSpecs(SPECS).filter((s) => s.provider === 'github');
    const { positives } = buildCorpus(specs, { positives: 20 });
    const scanner = new Scanner(loadBuiltinRules());
    const results = positives.map((file) => ({ file, findings: scanner.scanFragment({ path: file.path, text: file.text }).findings }));
    const s = score(results);
    expect(s.overall.planted).toBe(positives.length);
    // Every template that keeps the token on one line gets it found by the checksum rule.
    expect(recall(s.overall)).toBeGreaterThan(0.9);
    expect(s.overall.foundByProvider).toBeGreaterThan(0);
    // An empty result finds nothing: the score is not built in.
    const none = score(positives.map((file) => ({ file, findings: [] })));
    expect(none.overall.found).toBe(0);
  });

  it('lets a family spec file replace the starter entry, and says what is wrong with a bad spec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-specs-'));
    try {
      const spec = { provider: 'acme', name: 'Acme', category: 'saas', context: ['acme'], envVar: 'ACME_KEY', formats: ['acme_{alnum:20}'] };
      writeFileSync(join(dir, 'starter.json'), JSON.stringify([spec]));
      writeFileSync(join(dir, 'saas.json'), JSON.stringify([{ ...spec, formats: ['acme2_{alnum:20}'] }]));
      expect(loadSpecs(dir).map((s) => [s.file, s.formats[0]])).toEqual([['saas.json', 'acme2_{alnum:20}']]);
      writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ ...spec, provider: 'x', category: 'misc' }]));
      expect(() => loadSpecs(dir)).toThrow(SpecError);
      expect(() => loadSpecs(dir)).toThrow(/unknown category "misc"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
