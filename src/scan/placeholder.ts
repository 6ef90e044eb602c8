// "Looks like a placeholder": the shape documentation and sample configs give a key when they
// mean "put yours here" (a1b2c3d4e5f6…, 1234567890abcdef…, qwerty…, xxxx…). The engine drops
// such secrets for every rule (checksummed formats excepted: a valid checksum is no sample).
// A random token almost never holds a 4-character ascending run (about 1 in 62^3 per
// position), so a secret that is mostly made of such runs was typed, not generated; nor
// does one hold the same digit or x 8 times in a row (ghu_InstallationUserToServer000000000000;
// not letters: base64 of zero bytes is a run of A in real tokens).

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
/** Shortest run that counts, and the share of the secret's letters and digits runs must cover. */
const MIN_RUN = 4;
const MIN_SHARE = 0.4;
const MIN_LENGTH = 8;

function step(a: string, b: string): number {
  const x = a.toLowerCase().charCodeAt(0);
  const y = b.toLowerCase().charCodeAt(0);
  // Both digits or both letters: a run never crosses from 9 to a.
  const bothDigits = /\d/.test(a) && /\d/.test(b);
  const bothLetters = /[a-z]/i.test(a) && /[a-z]/i.test(b);
  if (!bothDigits && !bothLetters) return 99;
  return y - x;
}

function keyboardNext(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return KEYBOARD_ROWS.some((row) => {
    const i = row.indexOf(x);
    return i >= 0 && row[i + 1] === y;
  });
}

/** Marks s[i..i+len) as covered when it is a run: the same step (+1, -1 or 0) or a keyboard row. */
function markRuns(s: string, covered: Uint8Array): void {
  const n = s.length;
  let i = 0;
  while (i < n - 1) {
    const d = step(s[i], s[i + 1]);
    const kb = keyboardNext(s[i], s[i + 1]);
    let j = i + 1;
    if (d === 1 || d === -1 || d === 0) {
      while (j + 1 < n && step(s[j], s[j + 1]) === d) j++;
    } else if (kb) {
      while (j + 1 < n && keyboardNext(s[j], s[j + 1])) j++;
    }
    // '9' then '0' continues an ascending digit run (the top row of a keyboard).
    if (d === 1 && j + 1 < n && s[j] === '9' && s[j + 1] === '0') j++;
    if (j - i + 1 >= MIN_RUN) covered.fill(1, i, j + 1);
    i = j > i + 1 ? j : i + 1;
  }
}

/** a1b2c3d4…: two interleaved ascending runs, each at least MIN_RUN long. */
function markInterleaved(s: string, covered: Uint8Array): void {
  const n = s.length;
  for (let i = 0; i + 2 * MIN_RUN <= n; ) {
    let j = i;
    while (j + 3 < n && step(s[j], s[j + 2]) === 1 && step(s[j + 1], s[j + 3]) === 1) j += 2;
    const len = j - i + 2;
    if (len >= 2 * MIN_RUN) {
      covered.fill(1, i, i + len);
      i += len;
    } else i++;
  }
}

/** A whole secret that repeats one short unit ("abcabcabc", "DEADBEEFDEADBEEF"). */
function repeatsUnit(s: string): boolean {
  for (let unit = 1; unit <= 8 && unit * 2 <= s.length; unit++) {
    let same = true;
    for (let i = unit; i < s.length && same; i++) same = s[i] === s[i - unit];
    if (same) return true;
  }
  return false;
}

/** True when the secret's letters and digits are mostly typed patterns rather than random. */
export function looksLikePlaceholder(secret: string): boolean {
  const s = secret.replace(/[^A-Za-z0-9]/g, '');
  if (s.length < MIN_LENGTH) return false;
  if (repeatsUnit(s) || /([0-9xX])\1{7}/.test(s)) return true;
  const covered = new Uint8Array(s.length);
  markRuns(s, covered);
  markInterleaved(s, covered);
  let n = 0;
  for (const c of covered) n += c;
  return n / s.length >= MIN_SHARE;
}
