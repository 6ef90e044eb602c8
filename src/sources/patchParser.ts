// A streaming parser for git's patch output (`git log -p`, `git diff --cached`) that keeps
// only added lines, with their new-file line numbers. It is a synchronous state machine fed
// raw chunks of git's stdout; finished fragments are collected for the caller to drain, so
// memory is bounded by one file's added text (and by `maxBytes`, beyond which a file is split).
//
// Added lines are nearly all of the output, so they never become strings: fragments carry
// the bytes git wrote (the engine scans bytes). Only the few header lines per file and commit
// that matter are decoded and parsed as strings.
import type { CommitInfo, Fragment } from '../scan/types.js';
import { addedRunKernel, KERNEL_CAPACITY, KERNEL_OUT } from './addedRunKernel.js';

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
  /** Split a file's added text into several fragments beyond this many bytes. */
  maxBytes?: number;
}

// Plain numbers rather than string states: compared once per line of output.
const IDLE = 0;
const COMMIT_HEADER = 1;
const FILE_HEADER = 2;
const HUNK = 3;

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** Chunks from this size on have their added lines taken by the WebAssembly kernel. */
const KERNEL_FROM = 16 * 1024;
const NL = 10;
const PLUS = 43;
const MINUS = 45;
const SPACE = 32;
const AT = 64;
const COMMA = 44;
const LOWER_D = 100;
const UPPER_B = 66;
const UPPER_G = 71;

export class PatchParser {
  readonly fragments: Fragment[] = [];
  readonly binaries: BinaryChange[] = [];
  commits = 0;

  private state = IDLE;
  private readonly maxBytes: number;
  /** A line split across chunks: its pieces so far. */
  private partial: Buffer[] = [];
  private headerParts: string[] = [];
  private headerNuls = 0;
  private commit: CommitInfo | undefined;
  /** The current file's `diff --git` / `diff --cc` line. */
  private diffLine = '';
  private path: string | undefined;
  /** The current file's added text so far: `size` bytes of `text`, lines joined by '\n'. */
  private text = Buffer.allocUnsafe(64 * 1024);
  private size = 0;
  private lineNumbers: number[] = [];
  /** The chunk this write() has copied into the kernel, if any. */
  private kernelChunk: Buffer | undefined;
  /** Scratch: newline offsets of the run of added lines being taken. */
  private readonly runEnds: number[] = [];
  private nextLine = 0;
  private newRemaining = 0;
  private oldRemaining = 0;
  private combined = false;
  /** Marker columns per line in a combined diff: one per parent. */
  private parents = 1;

  constructor(options: PatchParserOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Feeds the next chunk of git's stdout; lines may be split anywhere across chunks. */
  write(chunk: Buffer): void {
    // The caller may reuse a chunk's memory: a chunk is copied into the kernel afresh.
    this.kernelChunk = undefined;
    let start = 0;
    if (this.partial.length > 0) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.partial.push(chunk);
        return;
      }
      // Joined once, when the line is complete: a multi-megabyte line costs linear time.
      this.partial.push(chunk.subarray(0, nl));
      const line = Buffer.concat(this.partial);
      this.partial = [];
      this.line(line, 0, line.length);
      start = nl + 1;
    }
    const n = chunk.length;
    while (start < n) {
      if (this.state === HUNK && chunk[start] === PLUS && this.takesPlainAddedLine()) {
        const next = this.takeAddedRun(chunk, start);
        if (next !== start) {
          start = next;
          continue;
        }
      }
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      this.line(chunk, start, nl);
      start = nl + 1;
    }
    if (start < n) this.partial.push(chunk.subarray(start));
  }

  /** Call at end of input. */
  end(): void {
    if (this.partial.length > 0) {
      const line = Buffer.concat(this.partial);
      this.partial = [];
      this.line(line, 0, line.length);
    }
    if (this.state === COMMIT_HEADER) this.finishHeader();
    this.flush();
  }

  private line(buf: Buffer, s: number, e: number): void {
    const c = s < e ? buf[s] : -1;
    if (this.state === HUNK && (this.newRemaining > 0 || this.oldRemaining > 0) && c !== 0) {
      if (this.combined) return this.pushCombinedLine(buf, s, e);
      if (c === PLUS) {
        this.addLine(buf, s + 1, e);
        this.newRemaining--;
      } else if (c === MINUS) {
        this.oldRemaining--;
      } else if (c === SPACE || c === -1) {
        this.nextLine++;
        this.newRemaining--;
        this.oldRemaining--;
      }
      // '\ No newline at end of file' consumes nothing.
      return;
    }
    if (this.state === COMMIT_HEADER) return this.pushHeader(buf.toString('utf8', s, e));
    if (c === 0) {
      this.flush();
      this.state = COMMIT_HEADER;
      this.headerParts = [];
      this.headerNuls = 0;
      return this.pushHeader(buf.toString('utf8', s, e));
    }
    // Only lines that can matter are decoded: most header lines (index, mode, ---) do not.
    if (c === LOWER_D) {
      const line = buf.toString('utf8', s, e);
      if (line.startsWith('diff --git ') || line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) return this.startFile(line);
    } else if (this.state === FILE_HEADER) {
      if (c === AT) this.startHunk(buf, s, e);
      else if (c === PLUS || c === UPPER_B || c === UPPER_G) this.pushFileHeader(buf.toString('utf8', s, e));
    } else if (this.state === HUNK && c === AT) {
      this.startHunk(buf, s, e);
    }
  }

  private startFile(diffLine: string): void {
    this.flush();
    this.state = FILE_HEADER;
    this.combined = !diffLine.startsWith('diff --git ');
    this.diffLine = diffLine;
    this.path = undefined;
  }

  /** The path a `diff` line names; needed only to report a binary file, so not parsed before. */
  private headerPath(): string | undefined {
    const line = this.diffLine;
    return this.combined ? unquote(line.slice(line.indexOf(' ', 5) + 1)) : pathFromDiffGit(line.slice(11));
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
    this.state = IDLE;
  }

  private pushFileHeader(line: string): void {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4);
      this.path = target === '/dev/null' ? undefined : stripPrefix(unquote(stripTrailingTab(target)), 'b/');
    } else if (line.startsWith('Binary files ') || line.startsWith('GIT binary patch')) {
      const path = line.endsWith('/dev/null differ') ? undefined : this.headerPath();
      if (path !== undefined) this.binaries.push({ path, commit: this.commit?.sha });
    }
  }

  /**
   * `@@ -o[,n] +s[,n] @@` (or, for a merge's combined diff, one `-o[,n]` per parent and one
   * more `@` per parent), read straight from the bytes. Anything else leaves the state as is.
   */
  private startHunk(buf: Buffer, s: number, e: number): void {
    let i = s;
    while (i < e && buf[i] === AT) i++;
    const ats = i - s;
    if (ats < 2 || buf[i++] !== SPACE) return;
    let olds = 0;
    let firstOldCount = 1;
    const range = { start: 0, count: 1, end: 0 };
    while (i < e && buf[i] === MINUS) {
      if (!readRange(buf, i + 1, e, range)) return;
      if (olds++ === 0) firstOldCount = range.count;
      i = range.end;
      if (buf[i++] !== SPACE) return;
    }
    if (olds === 0 || buf[i] !== PLUS || !readRange(buf, i + 1, e, range)) return;
    const { start, count: newCount } = range;
    i = range.end;
    if (i + 2 >= e || buf[i] !== SPACE || buf[i + 1] !== AT || buf[i + 2] !== AT) return;
    this.state = HUNK;
    this.parents = ats - 1;
    this.nextLine = start;
    this.newRemaining = newCount;
    // For combined diffs (merges with --cc) old counts vary per parent; track only new lines.
    this.oldRemaining = this.combined ? 0 : firstOldCount;
  }

  private pushCombinedLine(buf: Buffer, s: number, e: number): void {
    // Combined diffs carry one marker column per parent; a line is new only when it is new
    // against every parent ("++"), i.e. the merge itself introduced it.
    let pluses = 0;
    for (let i = 0; i < this.parents; i++) {
      const c = s + i < e ? buf[s + i] : -1;
      if (c === MINUS) return;
      if (c === PLUS) pluses++;
    }
    if (pluses === this.parents) this.addLine(buf, s + this.parents, e);
    else this.nextLine++;
    this.newRemaining--;
  }

  private takesPlainAddedLine(): boolean {
    return !this.combined && this.path !== undefined && (this.newRemaining > 0 || this.oldRemaining > 0);
  }

  /**
   * Takes the run of complete added lines starting at `s` (a '+') and returns where the run
   * ends. Lines are found with native newline searches, and the run is copied with one
   * native copy and then closed up over the '+' markers in place: per-byte loops and
   * per-line copies between buffers both cost more in JavaScript.
   */
  private takeAddedRun(chunk: Buffer, s: number): number {
    const n = chunk.length;
    // Small chunks (a pre-commit diff) are not worth the kernel's set-up (~1.5 ms). Nor is a
    // run that may reach the split size: the code below splits it line by line.
    const kernel = n >= KERNEL_FROM && n <= KERNEL_CAPACITY && this.size + 1 + (n - s) <= this.maxBytes ? addedRunKernel() : undefined;
    if (kernel) {
      if (this.kernelChunk !== chunk || kernel.loaded !== chunk) {
        kernel.bytes.set(chunk, 0);
        kernel.loaded = this.kernelChunk = chunk;
      }
      // As line() does: while the old count is positive, any '+' line is taken.
      const [lines, next, outEnd] = kernel.take(s, n, this.oldRemaining > 0 ? 0x7fffffff : this.newRemaining);
      if (lines === 0) return s;
      this.newRemaining -= lines;
      const len = outEnd - KERNEL_OUT - 1;
      this.reserve(this.size + 1 + len);
      if (this.lineNumbers.length > 0) this.text[this.size++] = NL;
      this.text.set(kernel.bytes.subarray(KERNEL_OUT, KERNEL_OUT + len), this.size);
      this.size += len;
      for (let k = 0; k < lines; k++) this.lineNumbers.push(this.nextLine++);
      return next;
    }
    const ends = this.runEnds;
    ends.length = 0;
    let e = s;
    while (e < n && chunk[e] === PLUS && (this.newRemaining > 0 || this.oldRemaining > 0)) {
      const nl = chunk.indexOf(NL, e + 1);
      if (nl === -1) break;
      ends.push(nl);
      this.newRemaining--;
      e = nl + 1;
    }
    if (ends.length === 0) return s;
    const sep = this.lineNumbers.length > 0 ? 1 : 0;
    if (this.size + sep + (e - s) > this.maxBytes) {
      // The file reaches the split size in this run: the general path splits it line by line.
      let from = s;
      for (const nl of ends) {
        this.addLine(chunk, from + 1, nl);
        from = nl + 1;
      }
      return e;
    }
    this.reserve(this.size + sep + (e - s));
    const out = this.text;
    if (sep === 1) out[this.size] = NL;
    const base = this.size + sep - (s + 1);
    out.set(chunk.subarray(s + 1, ends[ends.length - 1]), base + s + 1);
    let w = base + ends[0];
    this.lineNumbers.push(this.nextLine++);
    for (let k = 1; k < ends.length; k++) {
      out[w++] = NL;
      const from = base + ends[k - 1] + 2;
      const to = base + ends[k];
      out.copyWithin(w, from, to);
      w += to - from;
      this.lineNumbers.push(this.nextLine++);
    }
    this.size = w;
    return e;
  }

  private addLine(buf: Buffer, s: number, e: number): void {
    if (this.path === undefined) {
      this.nextLine++;
      return;
    }
    const len = e - s;
    if (this.lineNumbers.length > 0 && this.size + 1 + len > this.maxBytes) this.flush();
    this.reserve(this.size + len + 1);
    if (this.lineNumbers.length > 0) this.text[this.size++] = NL;
    if (len > 0) this.size += buf.copy(this.text, this.size, s, e);
    this.lineNumbers.push(this.nextLine++);
  }

  private reserve(bytes: number): void {
    if (bytes <= this.text.length) return;
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.text.length * 2));
    this.text.copy(grown, 0, 0, this.size);
    this.text = grown;
  }

  private flush(): void {
    if (this.lineNumbers.length > 0 && this.path !== undefined) {
      // The engine scans bytes: the text stays as git wrote it, never decoded.
      const text = Buffer.allocUnsafe(this.size);
      this.text.copy(text, 0, 0, this.size);
      // git printed these lines as a text diff: it found the file not binary.
      const fragment: Fragment = { path: this.path, text, lineNumbers: this.lineNumbers, knownText: true };
      if (this.commit) fragment.commit = this.commit;
      this.fragments.push(fragment);
    }
    this.lineNumbers = [];
    this.size = 0;
  }
}

/** Reads decimal digits at `i` into `out`; false when there are none. */
/** A hunk range `N[,M]` at i: its start N and line count M (1 when omitted), and where it ends. */
function readRange(buf: Buffer, i: number, e: number, out: { start: number; count: number; end: number }): boolean {
  let j = i;
  let start = 0;
  while (j < e && buf[j] >= 48 && buf[j] <= 57) start = start * 10 + buf[j++] - 48;
  if (j === i) return false;
  let count = 1;
  if (buf[j] === COMMA) {
    const digits = ++j;
    count = 0;
    while (j < e && buf[j] >= 48 && buf[j] <= 57) count = count * 10 + buf[j++] - 48;
    if (j === digits) return false;
  }
  out.start = start;
  out.count = count;
  out.end = j;
  return true;
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
