// Binary content is skipped (and reported as skipped): regexes over it only produce noise.
const SAMPLE = 8_000;

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
    for (let i = 0; i < n; i++) {
      const c = text[i];
      if (c === 0) return true;
      if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
    }
  }
  return control / n > 0.1;
}
