// What a report says about one finding: what was found (redacted), why it matters, and how
// to silence a false positive. Shared by annotations, review comments and the baseline issue.
import { fingerprintOf, type Finding } from '../../scan/index.js';

/** Commit-independent identity of a leak (path, rule, secret hash): survives rebases and rescans. */
export function leakId(f: Finding): string {
  return fingerprintOf({ ruleId: f.ruleId, path: f.path, secretHash: f.secretHash });
}

/** Hidden marker in review comments, so a rescan can tell what was already said. */
export function leakMarker(f: Finding): string {
  return `<!-- keywarden:leak=${leakId(f)} -->`;
}
// The id holds the file's path, which may contain spaces: the id runs up to the closing ` -->`.
export const LEAK_MARKER_RE = /<!-- keywarden:leak=(.+?) -->/g;

export function whyItMatters(f: Finding): string {
  if (f.kind === 'public') return 'This key is meant to be public; it is reported for information only and is never rotated.';
  const rotation = f.rotator ? ' keywarden asks for it to be rolled automatically when rotation is on.' : '';
  return `Anyone who can read this repository (and its history, forks and clones) can use this key until it is revoked.${rotation}`;
}

export function howToSilence(f: Finding): string {
  return `If this is not a real secret, add \`keywarden:allow\` in a comment on that line, or add \`${f.fingerprint}\` to \`.keywardenignore\`.`;
}

export function findingTitle(f: Finding): string {
  return `${f.description} (${f.ruleId})`;
}

export function findingMessage(f: Finding): string {
  const where = f.commit ? ` in commit ${f.commit.slice(0, 12)}` : '';
  return `${f.description}: ${f.preview}${where}.\n${whyItMatters(f)}\n${howToSilence(f)}`;
}
