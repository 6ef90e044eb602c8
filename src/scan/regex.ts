// Every pattern runs on RE2: matching time stays linear in the input, so a crafted file
// cannot freeze the scanner. RE2 (npm) takes Go/RE2 syntax as-is ((?i) anywhere, \z,
// (?P<name>), [[:alpha:]], \pL), so gitleaks rules need no rewriting; what RE2 refuses
// (lookaround, backreferences, possessive quantifiers, \Z) gets a hint on what to write instead.
import RE2 from 're2';

const HINTS: Array<[RegExp, string]> = [
  [/invalid perl operator: \(\?[=!<]/, 'RE2 has no lookahead/lookbehind; match the context with a (?:...) group and use secretGroup'],
  [/bad repetition operator: [*+?}]\+/, 'RE2 has no possessive quantifiers; drop the trailing +'],
  [/invalid escape sequence: \\Z/, 'RE2 has no \\Z; use \\z (end of text) or $'],
  [/invalid escape sequence: \\[1-9]/, 'RE2 has no backreferences'],
  [/invalid repetition size/, 'RE2 allows at most {1000} repetitions'],
];

/** Returns what is wrong with a pattern, or undefined when it compiles. */
export function checkRegex(source: string): string | undefined {
  try {
    new RE2(source, 'u');
    return undefined;
  } catch (err) {
    const msg = (err as Error).message;
    const hint = HINTS.find(([re]) => re.test(msg));
    return hint ? `${msg} (${hint[1]})` : msg;
  }
}

/** A global, index-reporting RE2 (match offsets are bytes when run on a Buffer). */
export function compileRegex(source: string): RE2 {
  return new RE2(source, 'gd');
}

/** For short strings (paths, secrets, lines): a non-global RE2 test. */
export function compileTester(source: string): RE2 {
  return new RE2(source, '');
}
