// Scans the added lines of a commit range in a local clone with the built-in rules plus the
// repository's config, within caps. Runs inside the scan thread (scanThread.ts): its result
// crosses a thread boundary, so it is plain data, and the raw secrets of GitHub tokens (which
// must be revoked with the token itself) travel separately, in memory only.
import { buildRuleSet, Scanner, revealSecret, type Finding, type RuleFileConfig, type SkippedFragment } from '../../scan/index.js';
import { loadBuiltinRuleFiles } from '../../config/loadRules.js';
import { gitHistoryFragments } from '../../sources/gitHistory.js';
import type { RepoConfig } from '../repoConfig.js';

export interface ScanCommitsInput {
  repoDir: string;
  /** A git revision range (A..B) or a single revision (its whole history, capped). */
  range: string;
  config: Pick<RepoConfig, 'disabledRules' | 'ignorePaths' | 'allowlists'>;
  maxCommits: number;
  maxBytes: number;
}

export interface ScanCommitsResult {
  findings: Finding[];
  skipped: SkippedFragment[];
  bytes: number;
  commits: number;
  /** What the caps cut off, for the report. */
  truncated?: { reason: 'max-commits' | 'max-bytes'; limit: number };
  /** fingerprint → raw token, for rotator `github` findings only. Never serialised. */
  githubTokens: Array<[string, string]>;
}

export function repoRuleFile(config: ScanCommitsInput['config']): RuleFileConfig {
  return { file: '.github/keywarden.yml', rules: [], allowlists: config.allowlists, disabledRules: config.disabledRules, ignorePaths: [] };
}

export async function scanCommits(input: ScanCommitsInput): Promise<ScanCommitsResult> {
  const rules = buildRuleSet([...loadBuiltinRuleFiles(), repoRuleFile(input.config)]);
  const scanner = new Scanner(rules, { ignoreGlobs: input.config.ignorePaths });
  const out: ScanCommitsResult = { findings: [], skipped: [], bytes: 0, commits: 0, githubTokens: [] };
  for await (const fragment of gitHistoryFragments({
    repoDir: input.repoDir,
    range: input.range,
    onCommit: (n) => (out.commits = n),
    onBinary: (b) => out.skipped.push({ path: b.path, commit: b.commit, reason: 'binary', bytes: 0 }),
  })) {
    if (out.commits > input.maxCommits) {
      out.commits = input.maxCommits;
      out.truncated = { reason: 'max-commits', limit: input.maxCommits };
      break;
    }
    if (out.bytes + fragment.text.length > input.maxBytes) {
      out.truncated = { reason: 'max-bytes', limit: input.maxBytes };
      break;
    }
    out.bytes += fragment.text.length;
    const { findings, skipped } = scanner.scanFragment(fragment);
    if (skipped) out.skipped.push(skipped);
    for (const f of findings) {
      out.findings.push(f);
      if (f.rotator === 'github' && f.kind === 'secret') {
        const raw = revealSecret(f);
        if (raw) out.githubTokens.push([f.fingerprint, raw]);
      }
    }
  }
  return out;
}
