// The last scan's findings, kept so `keywarden ignore --last` can write them into
// .keywardenignore. Only what an ignore entry needs: fingerprint, path, line, rule, commit;
// never a secret nor its preview. Stored in the repository's git directory (per work tree,
// gone with the clone), or for a directory outside git in the user's cache directory.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Finding } from '../scan/types.js';
import { ConfigError } from './errors.js';

const FORMAT = 1;
const FILE_NAME = 'keywarden-last-scan.json';

export interface LastScanFinding {
  fingerprint: string;
  path: string;
  line: number;
  ruleId: string;
  commit?: string;
}

export interface LastScan {
  format: number;
  /** The repository root (or scanned directory) the fingerprints are relative to. */
  root: string;
  scannedAt: string;
  findings: LastScanFinding[];
}

/** Where the last scan of `root` is kept. */
export function lastScanFile(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const gitDir = gitDirOf(root);
  if (gitDir !== undefined) return join(gitDir, FILE_NAME);
  const cache = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  // node:crypto only here: the pre-commit hook (always in a git repository) never loads it.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const id = createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16);
  return join(cache, 'keywarden', `last-scan-${id}.json`);
}

/** `.git` is a directory, or in a linked work tree or submodule a file naming it (`gitdir: PATH`). */
function gitDirOf(root: string): string | undefined {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    return pointer ? resolve(root, pointer[1].trim()) : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a scan never fails because its findings could not be remembered. */
export function writeLastScan(root: string, findings: readonly Finding[], now = new Date()): void {
  const file = lastScanFile(root);
  const doc: LastScan = {
    format: FORMAT,
    root,
    scannedAt: now.toISOString(),
    findings: findings.map((f) => ({ fingerprint: f.fingerprint, path: f.path, line: f.line, ruleId: f.ruleId, ...(f.commit ? { commit: f.commit } : {}) })),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(tmp, JSON.stringify(doc));
    renameSync(tmp, file);
  } catch {
    // Read-only git directory or cache: `ignore --last` will say there is no last scan.
  }
}

export function readLastScan(root: string): LastScan {
  const file = lastScanFile(root);
  let doc: LastScan;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as LastScan;
  } catch {
    throw new ConfigError('NO_LAST_SCAN', `no scan of ${root} to take findings from; run keywarden scan (or commit, with the hook installed) first`);
  }
  if (doc.format !== FORMAT || !Array.isArray(doc.findings)) {
    throw new ConfigError('NO_LAST_SCAN', `${file} was written by another keywarden version; run keywarden scan again`);
  }
  return doc;
}
