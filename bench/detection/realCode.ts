// Findings per 100 MB of real third-party code that holds no secrets to speak of: the repo's own
// node_modules (resolved from the repository, so CI and users measure their own), /usr/share and
// /usr/lib/python3* where present. Every finding there is worth a look; generic-rule findings are
// listed one by one (rule, file, line, redacted preview).
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isBinary, type Finding, type Scanner } from '../../src/scan/index.js';
import { hashSeed } from './rng.js';

const MAX_FILE = 1024 * 1024;
/** /usr/share holds ~400 MB of files under 1 MB on a Debian image, mostly binary; ~60 MB of text is enough for a rate. */
export const SAMPLE_CAP = 60 * 1024 * 1024;

export interface RealRoot {
  name: string;
  dir: string;
  /** Keep one file in `stride`, chosen by a hash of its path (1 = every file). */
  stride: number;
}

export interface RealResult {
  root: RealRoot;
  files: number;
  bytes: number;
  ms: number;
  findings: Array<{ path: string; finding: Finding; generic: boolean }>;
}

function listFiles(dir: string): Array<{ path: string; size: number }> {
  const out: Array<{ path: string; size: number }> = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, e.name);
      // Compiled bytecode is binary; a directory symlink could loop.
      if (e.isDirectory()) {
        if (e.name !== '__pycache__') walk(p);
      } else if (e.isFile()) {
        const size = statSync(p).size;
        if (size > 0 && size <= MAX_FILE) out.push({ path: p, size });
      }
    }
  };
  walk(dir);
  return out;
}

/** The roots present on this machine, with the stride that keeps each under SAMPLE_CAP of candidates where it must be sampled. */
export function realRoots(repoRoot: string): RealRoot[] {
  const roots: RealRoot[] = [];
  const nm = join(repoRoot, 'node_modules');
  if (existsSync(nm)) roots.push({ name: 'node_modules', dir: realpathSync(nm), stride: 1 });
  if (existsSync('/usr/share')) roots.push({ name: '/usr/share', dir: '/usr/share', stride: 0 });
  if (existsSync('/usr/lib')) {
    for (const d of readdirSync('/usr/lib').filter((n) => /^python3(\.\d+)?$/.test(n)).sort()) roots.push({ name: `/usr/lib/${d}`, dir: `/usr/lib/${d}`, stride: 1 });
  }
  return roots;
}

export function scanRoot(root: RealRoot, scanner: Scanner): RealResult {
  const start = performance.now();
  const all = listFiles(root.dir);
  let stride = root.stride;
  if (stride === 0) {
    // Sampled: a third of /usr/share's small files are text; aim at SAMPLE_CAP of text.
    const total = all.reduce((n, f) => n + f.size, 0);
    stride = Math.max(1, Math.round(total / 3 / SAMPLE_CAP));
  }
  root.stride = stride;
  const res: RealResult = { root, files: 0, bytes: 0, ms: 0, findings: [] };
  for (const f of all) {
    if (stride > 1 && hashSeed(f.path) % stride !== 0) continue;
    let buf: Buffer;
    try {
      buf = readFileSync(f.path);
    } catch {
      continue;
    }
    if (isBinary(buf)) continue;
    res.files++;
    res.bytes += buf.length;
    const path = relative(root.dir, f.path);
    for (const finding of scanner.scanFragment({ path, text: buf, knownText: true }).findings) {
      const rule = scanner.rules.rules.find((r) => r.id === finding.ruleId);
      res.findings.push({ path, finding, generic: rule ? rule.config.generic || rule.config.tags.includes('generic') : false });
    }
  }
  res.ms = performance.now() - start;
  return res;
}
