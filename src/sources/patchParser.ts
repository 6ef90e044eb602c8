// A streaming parser for git's patch output (`git log -p`, `git diff --cached`) that keeps
// only added lines, with their new-file line numbers. It is a synchronous state machine fed
// one line at a time; finished fragments are collected for the caller to drain, so memory is
// bounded by one file's added text (and by `maxBytes`, beyond which a file is split).
import type { CommitInfo, Fragment } from '../scan/types.js';

/**
 * Commit header we ask `git log` for: NUL, then fields separated by NUL, then NUL.
 * A patch line can never start with NUL (content lines start with ' ', '+', '-' or '\'),
 * so a line starting with NUL is always one of our headers.
 */
export const COMMIT_FORMAT = '--format=%x00%H%x00%an%x00%ae%x00%aI%x00%B%x00';
const HEADER_FIELDS = 6;

export interface BinaryChange {
  path: string;
  commit?: string;
}

export interface PatchParserOptions {
  /** Split a file's added text into several fragments beyond this many characters. */
  maxBytes?: number;
}

type State = 'idle' | 'commit-header' | 'file-header' | 'hunk';

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const HUNK_HEADER = /^@@+ (?:-\d+(?:,\d+)? )+\+(\d+)(?:,(\d+))? @@/;

export class PatchParser {
  readonly fragments: Fragment[] = [];
  readonly binaries: BinaryChange[] = [];
  commits = 0;

  private state: State = 'idle';
  private readonly maxBytes: number;
  private headerParts: string[] = [];
  private headerNuls = 0;
  private commit: CommitInfo | undefined;
  private headerPath: string | undefined;
  private path: string | undefined;
  private lines: string[] = [];
  private lineNumbers: number[] = [];
  private size = 0;
  private nextLine = 0;
  private newRemaining = 0;
  private oldRemaining = 0;
  private combined = false;
  /** Marker columns per line in a combined diff: one per parent. */
  private parents = 1;

  constructor(options: PatchParserOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  push(line: string): void {
    if (this.state === 'commit-header') return this.pushHeader(line);
    if (line.charCodeAt(0) === 0) {
      this.flush();
      this.state = 'commit-header';
      this.headerParts = [];
      this.headerNuls = 0;
      return this.pushHeader(line);
    }
    if (this.state === 'hunk' && (this.newRemaining > 0 || this.oldRemaining > 0)) return this.pushHunkLine(line);
    if (line.startsWith('diff --git ') || line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) {
      this.flush();
      this.state = 'file-header';
      this.combined = !line.startsWith('diff --git ');
      this.headerPath = this.combined ? unquote(line.slice(line.indexOf(' ', 5) + 1)) : pathFromDiffGit(line.slice(11));
      this.path = undefined;
      return;
    }
    if (this.state === 'file-header') return this.pushFileHeader(line);
    if (this.state === 'hunk' && line.startsWith('@@')) return this.startHunk(line);
  }

  /** Call at end of input. */
  end(): void {
    if (this.state === 'commit-header') this.finishHeader();
    this.flush();
  }

  private pushHeader(line: string): void {
    this.headerParts.push(line);
    for (let i = line.indexOf('\0'); i !== -1; i = line.indexOf('\0', i + 1)) this.headerNuls++;
    if (this.headerNuls >= HEADER_FIELDS) this.finishHeader();
  }

  private finishHeader(): void {
    const fields = this.headerParts.join('\n').split('\0');
    // fields[0] is empty (the header starts with NUL)
    const [, sha = '', author, email, date, message] = fields;
    this.commit = { sha, author, email, date, message: message?.replace(/\n+$/, '') };
    this.commits++;
    this.headerParts = [];
    this.state = 'idle';
  }

  private pushFileHeader(line: string): void {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4);
      this.path = target === '/dev/null' ? undefined : stripPrefix(unquote(stripTrailingTab(target)), 'b/');
    } else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) {
      if (!line.endsWith('/dev/null differ') && this.headerPath !== undefined) {
        this.binaries.push({ path: this.headerPath, commit: this.commit?.sha });
      }
    } else if (line.startsWith('@@')) {
      this.startHunk(line);
    }
  }

  private startHunk(line: string): void {
    const m = HUNK_HEADER.exec(line);
    if (!m) return;
    this.state = 'hunk';
    this.parents = /^@+/.exec(line)![0].length - 1;
    this.nextLine = Number(m[1]);
    this.newRemaining = m[2] === undefined ? 1 : Number(m[2]);
    // For combined diffs (merges with --cc) old counts vary per parent; track only new lines.
    this.oldRemaining = 0;
    if (!this.combined) {
      const old = /^@@ -\d+(?:,(\d+))? /.exec(line);
      this.oldRemaining = old && old[1] !== undefined ? Number(old[1]) : 1;
    }
  }

  private pushHunkLine(line: string): void {
    if (this.combined) return this.pushCombinedLine(line);
    const c = line.charCodeAt(0);
    if (c === 43 /* + */) {
      this.addLine(line.slice(1));
      this.newRemaining--;
    } else if (c === 45 /* - */) {
      this.oldRemaining--;
    } else if (c === 32 /* space */ || line === '') {
      this.nextLine++;
      this.newRemaining--;
      this.oldRemaining--;
    }
    // '\ No newline at end of file' consumes nothing.
  }

  private pushCombinedLine(line: string): void {
    // Combined diffs carry one marker column per parent; a line is new only when it is new
    // against every parent ("++"), i.e. the merge itself introduced it.
    const prefix = line.slice(0, this.parents);
    if (prefix.includes('-')) return;
    if (prefix === '+'.repeat(this.parents)) this.addLine(line.slice(this.parents));
    else this.nextLine++;
    this.newRemaining--;
  }

  private addLine(text: string): void {
    if (this.path === undefined) {
      this.nextLine++;
      return;
    }
    if (this.size + text.length > this.maxBytes && this.lines.length > 0) this.flush();
    this.lines.push(text);
    this.lineNumbers.push(this.nextLine++);
    this.size += text.length + 1;
  }

  private flush(): void {
    if (this.lines.length > 0 && this.path !== undefined) {
      const fragment: Fragment = { path: this.path, text: this.lines.join('\n'), lineNumbers: this.lineNumbers };
      if (this.commit) fragment.commit = this.commit;
      this.fragments.push(fragment);
    }
    this.lines = [];
    this.lineNumbers = [];
    this.size = 0;
  }
}

function stripTrailingTab(s: string): string {
  // git appends a TAB to ---/+++ names that contain a space (for GNU patch)
  return s.endsWith('\t') ? s.slice(0, -1) : s;
}

function stripPrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

/** `diff --git a/X b/X`: when unquoted and unambiguous, X. Used only for binary reports. */
function pathFromDiffGit(rest: string): string | undefined {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    const second = rest.slice(end + 2);
    return stripPrefix(unquote(second), 'b/');
  }
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ') {
    const a = rest.slice(0, half);
    const b = rest.slice(half + 1);
    if (a.slice(2) === b.slice(2)) return stripPrefix(b, 'b/');
  }
  const idx = rest.lastIndexOf(' b/');
  return idx === -1 ? undefined : rest.slice(idx + 3);
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return s.length - 1;
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 };

/** Undoes git's C-style quoting of unusual path names ("a\tb", octal-escaped UTF-8 bytes). */
export function unquote(s: string): string {
  if (!s.startsWith('"') || !s.endsWith('"') || s.length < 2) return s;
  const bytes: number[] = [];
  const body = s.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      continue;
    }
    const next = body[++i];
    if (next !== undefined && next >= '0' && next <= '7') {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else if (next !== undefined && next in ESCAPES) {
      bytes.push(ESCAPES[next]);
    } else if (next !== undefined) {
      bytes.push(next.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
