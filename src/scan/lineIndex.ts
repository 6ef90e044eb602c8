// Maps byte offsets in a fragment's UTF-8 bytes to file line and UTF-16 column, without
// splitting the text into lines: line starts are found once (natively, with indexOf) and
// looked up by binary search; byte->char conversion decodes at most one 64 KB stretch
// from a checkpoint, so a many-megabyte single line costs linear time, not quadratic.
import type { Fragment } from './types.js';

const CHECKPOINT_BYTES = 64 * 1024;

export class LineIndex {
  private starts?: number[];
  /** checkpoints[k] = UTF-16 offset of byte cpBytes[k] (a character boundary). */
  private readonly cpBytes: number[] = [0];
  private readonly cpChars: number[] = [0];

  constructor(
    private readonly bytes: Buffer,
    private readonly ascii: boolean,
    private readonly fragment: Pick<Fragment, 'lineNumbers' | 'startLine'>,
  ) {}

  private lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      const b = this.bytes;
      for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) starts.push(i + 1);
      this.starts = starts;
    }
    return this.starts;
  }

  /** 0-based index of the line holding byte offset `off`. */
  lineIndexOf(off: number): number {
    const s = this.lineStarts();
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(index: number): number {
    return this.lineStarts()[index];
  }

  /** Byte offset of the end of line `index` (exclusive, before the newline and any \r). */
  lineEnd(index: number): number {
    const s = this.lineStarts();
    let end = index + 1 < s.length ? s[index + 1] - 1 : this.bytes.length;
    if (end > s[index] && this.bytes[end - 1] === 13) end--;
    return end;
  }

  /** File line number (1-based) of a 0-based line index, honouring diff line numbers. */
  fileLine(index: number): number {
    const nums = this.fragment.lineNumbers;
    if (nums && nums.length > 0) {
      if (index < nums.length) return nums[index];
      return nums[nums.length - 1] + (index - nums.length + 1);
    }
    return (this.fragment.startLine ?? 1) + index;
  }

  /** UTF-16 offset of a byte offset that sits on a character boundary. */
  charOffset(off: number): number {
    if (this.ascii) return off;
    const cpB = this.cpBytes;
    const cpC = this.cpChars;
    // Extend checkpoints up to `off`, each on a character boundary (not a continuation byte).
    while (cpB[cpB.length - 1] + CHECKPOINT_BYTES <= off) {
      const from = cpB[cpB.length - 1];
      let to = from + CHECKPOINT_BYTES;
      while (to < this.bytes.length && (this.bytes[to] & 0xc0) === 0x80) to++;
      cpC.push(cpC[cpC.length - 1] + this.bytes.toString('utf8', from, to).length);
      cpB.push(to);
    }
    let k = cpB.length - 1;
    while (cpB[k] > off) k--;
    return cpC[k] + this.bytes.toString('utf8', cpB[k], off).length;
  }

  /** 1-based file line and 1-based UTF-16 column of a byte offset. */
  position(off: number): { lineIndex: number; line: number; column: number } {
    const li = this.lineIndexOf(off);
    const column = this.charOffset(off) - this.charOffset(this.lineStart(li)) + 1;
    return { lineIndex: li, line: this.fileLine(li), column };
  }
}
