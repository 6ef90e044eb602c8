// Binary content is skipped (and reported as skipped): regexes over it only produce noise.
const SAMPLE = 8_000;
// Control characters other than tab, newline, form feed and carriage return.
const CONTROL = /[\x01-\x08\x0b\x0e-\x1f]/g;

/** NUL bytes, or more than 10% control (or undecodable) characters in the first 8 KB, mean binary. */
export function isBinary(text: string | Buffer): boolean {
  const n = Math.min(text.length, SAMPLE);
  if (n === 0) return false;
  let control = 0;
  if (typeof text === 'string') {
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0) return true;
      // U+FFFD: bytes that were not UTF-8 when the file was decoded.
      if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 0xfffd) control++;
    }
  } else {
    // Native searches rather than a byte loop: the pre-commit hook runs this cold, where
    // interpreted JavaScript costs ~100 ns a byte.
    const sample = text.subarray(0, n);
    if (sample.indexOf(0) !== -1) return true;
    control = sample.toString('latin1').match(CONTROL)?.length ?? 0;
  }
  return control / n > 0.1;
}
