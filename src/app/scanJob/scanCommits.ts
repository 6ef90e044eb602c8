// Scans the added lines of a commit range in a local clone with the built-in rules plus the
// repository's config, within caps. Runs inside the scan thread (scanThread.ts): its result
// crosses a thread boundary, so it is plain data, and the raw secrets of GitHub tokens (which
// must be revoked with the token itself) travel separately, in memory only.
import { buildRuleSet, Scanner, revealSecret, type Finding, type RuleFileConfig, type SkippedFragment } from '../../scan/index.js';
import { loadBuiltinRuleFiles } from '../../config/loadRules.js';
import { gitHistoryFragments } from '../../sources/gitHistory.js';
import type { RepoConfig } from '../repoConfig.js';
import { countCommits } from './countCommits.js';
import { headLinesOf } from './headLines.js';

export interface ScanCommitsInput {
  repoDir: string;
  /** A git revision range (A..B) or a single revision (its whole history, capped). */
  range: string;
  config: Pick<RepoConfig, 'disabledRules' | 'ignorePaths' | 'allowlists'>;
  maxCommits: number;
  maxBytes: number;
  /** Pull requests: the head commit, to number each leak's line in the head version (headLines.ts). */
  headSha?: string;
}

export interface ScanCommitsResult {
  findings: Finding[];
  skipped: SkippedFragment[];
  bytes: number;
  commits: number;
  /** What the caps cut off, for the report. */
  truncated?: { reason: 'max-commits' | 'max-bytes'; limit: number };
  /**
   * What the scan did not cover: commits past the commit cap, and files skipped as too large
   * (over the scan's byte budget, or over the scanner's size per file). Either one means the
   * scan cannot be called clean.
   */
  notScanned: { commits: number; files: number; commitsAtLeast?: boolean };
  /** fingerprint → raw token, for rotator `github` findings only. Never serialised. */
  githubTokens: Array<[string, string]>;
  /** With `headSha`: leakId → the leak's line in the head version; a leak not there is absent. */
  headLines?: Record<string, number>;
}

export function repoRuleFile(config: ScanCommitsInput['config']): RuleFileConfig {
  return { file: '.github/keywarden.yml', rules: [], allowlists: config.allowlists, disabledRules: config.disabledRules, ignorePaths: [] };
}

export async function scanCommits(input: ScanCommitsInput): Promise<ScanCommitsResult> {
  const rules = buildRuleSet([...loadBuiltinRuleFiles(), repoRuleFile(input.config)]);
  const scanner = new Scanner(rules, { ignoreGlobs: input.config.ignorePaths });
  const out: ScanCommitsResult = { findings: [], skipped: [], bytes: 0, commits: 0, notScanned: { commits: 0, files: 0 }, githubTokens: [] };
  for await (const fragment of gitHistoryFragments({
    repoDir: input.repoDir,
    range: input.range,
    // One commit past the cap tells the scan it was cut; git goes no further (a scan's clone is
    // shallow just beyond that commit: fetchCommits.ts).
    maxCount: input.maxCommits + 1,
    onCommit: (n) => (out.commits = n),
    onBinary: (b) => out.skipped.push({ path: b.path, commit: b.commit, reason: 'binary', bytes: 0 }),
  })) {
    if (out.commits > input.maxCommits) {
      out.commits = input.maxCommits;
      out.truncated = { reason: 'max-commits', limit: input.maxCommits };
      await countNotScanned(out, input);
      break;
    }
    if (out.bytes + fragment.text.length > input.maxBytes) {
      // Skip this file and go on: one huge file must not leave every later file and commit
      // unscanned. The budget still bounds what is scanned; smaller files that fit are read.
      out.truncated ??= { reason: 'max-bytes', limit: input.maxBytes };
      out.skipped.push({ path: fragment.path, commit: fragment.commit?.sha, reason: 'too-large', bytes: fragment.text.length });
      out.notScanned.files++;
      continue;
    }
    out.bytes += fragment.text.length;
    const { findings, skipped } = scanner.scanFragment(fragment);
    if (skipped) out.skipped.push(skipped);
    if (skipped?.reason === 'too-large') out.notScanned.files++;
    for (const f of findings) {
      out.findings.push(f);
      if (f.rotator === 'github' && f.kind === 'secret') {
        const raw = revealSecret(f);
        if (raw) out.githubTokens.push([f.fingerprint, raw]);
      }
    }
  }
  if (out.commits > input.maxCommits) {
    // The commit past the cap added no text (a merge, a deletion): it cut the range all the same.
    out.commits = input.maxCommits;
    out.truncated = { reason: 'max-commits', limit: input.maxCommits };
    await countNotScanned(out, input);
  }
  if (input.headSha && out.findings.length > 0) out.headLines = await headLinesOf(input.repoDir, input.headSha, out.findings, scanner);
  return out;
}

async function countNotScanned(out: ScanCommitsResult, input: ScanCommitsInput): Promise<void> {
  const { count, atLeast } = await countCommits(input.repoDir, input.range);
  out.notScanned.commits = Math.max(0, count - input.maxCommits);
  if (atLeast) out.notScanned.commitsAtLeast = true;
}
