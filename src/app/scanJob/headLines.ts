// Where each leak of a pull request sits in the head version of its file. `git log -p` numbers
// a finding's line in the commit that added it; a later commit of the same pull request can
// shift it (lines added above) or remove it. GitHub places review comments (`line`, `side:
// RIGHT`) on the head version, so the review needs the head's line: found by scanning the
// head blob of each file with the same rules and matching the secret's hash, or, when the
// rules no longer match there (context changed, `keywarden:allow` added), by the secret's
// own text. A leak found in neither way is gone from the head (removed later in the PR).
// Runs in the scan thread, where the raw secrets still are; only line numbers come out.
import { fingerprintOf, revealSecret, type Finding, type Scanner } from '../../scan/index.js';
import { gitChunks, GitError } from '../../sources/gitProcess.js';

/** Commit-independent identity of a leak: the same value as publish/findingText's leakId. */
const leakKey = (f: Pick<Finding, 'ruleId' | 'path' | 'secretHash'>): string => fingerprintOf({ ruleId: f.ruleId, path: f.path, secretHash: f.secretHash });

/** The file at `rev`, or undefined when the revision has no such file (deleted, renamed away). */
async function blobAt(repoDir: string, rev: string, path: string): Promise<Buffer | undefined> {
  const out: Buffer[] = [];
  try {
    for await (const chunk of gitChunks(['cat-file', 'blob', `${rev}:${path}`], repoDir)) out.push(chunk);
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
  return Buffer.concat(out);
}

/** The 1-based line of `text` nearest to `near` that contains `needle`, if any. */
function lineContaining(lines: string[], needle: string, near: number): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes(needle)) continue;
    const line = i + 1;
    if (best === undefined || Math.abs(line - near) < Math.abs(best - near)) best = line;
  }
  return best;
}

/**
 * leakId → line in the head version, for every finding still there. With several places in
 * the head, the one nearest to where the commit put it.
 */
export async function headLinesOf(repoDir: string, headSha: string, findings: readonly Finding[], scanner: Scanner): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  for (const [path, inFile] of byPath) {
    const blob = await blobAt(repoDir, headSha, path);
    if (!blob) continue;
    const inHead = new Map<string, number[]>();
    for (const h of scanner.scanFragment({ path, text: blob, commit: { sha: headSha } }).findings) {
      const k = leakKey(h);
      inHead.set(k, [...(inHead.get(k) ?? []), h.line]);
    }
    let lines: string[] | undefined;
    for (const f of inFile) {
      const k = leakKey(f);
      const near = (candidates: number[]) => candidates.reduce((a, b) => (Math.abs(b - f.line) < Math.abs(a - f.line) ? b : a));
      let line = inHead.has(k) ? near(inHead.get(k)!) : undefined;
      const secret = revealSecret(f);
      if (line === undefined && secret) line = lineContaining((lines ??= blob.toString('utf8').split('\n')), secret, f.line);
      if (line !== undefined) out[k] ??= line;
    }
  }
  return out;
}
