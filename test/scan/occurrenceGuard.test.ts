// A keyword occurrence selects its rule only where a match could start there: these pin that
// the check read from the regex rejects the look-alikes (case, a word character before a
// `\b`, a run too short) and never a place where the regex does match.
import { describe, expect, it } from 'vitest';
import RE2 from 're2';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { builtinRulePaths } from '../../src/config/loadRules.js';
import { buildRuleSet, parseRuleFile, revealSecret, Scanner } from '../../src/scan/index.js';
import { guardFor, passes } from '../../src/scan/occurrenceGuard.js';
import { scannerFromToml, tokenChars } from './helpers.js';

/** Whether the guard of `keyword` (of a rule with `keywords`) passes at the keyword's first occurrence (ASCII case folded) in `text`. */
function passesAt(regex: string, keyword: string, text: string, keywords = [keyword]): boolean {
  const g = guardFor(regex, keyword, keywords);
  if (!g) throw new Error('no guard');
  const start = text.toLowerCase().indexOf(keyword.toLowerCase());
  return passes(g, Buffer.from(text), start);
}

/**
 * Whether a match at [from, to) of `text` keeps a window: some occurrence of a keyword in it (or
 * one byte before, where a keyword opens with a separator) is unguarded or passes its guard.
 * Undefined when no keyword occurs there at all (the match was found through context).
 */
function matchKept(regex: string, keywords: string[], text: Buffer, from: number, to: number): boolean | undefined {
  const lower = text.toString('latin1').toLowerCase();
  let any = false;
  for (const keyword of keywords) {
    const g = guardFor(regex, keyword, keywords);
    for (let at = lower.indexOf(keyword, Math.max(0, from - 1)); at >= 0 && at < to; at = lower.indexOf(keyword, at + 1)) {
      any = true;
      if (!g || passes(g, text, at)) return true;
    }
  }
  return any ? false : undefined;
}

const FACEBOOK = String.raw`\b(EAA[A-Za-z0-9]{100,400})\b`;
const URL = String.raw`://[^\s:@/"'<>]{1,64}:([^\s:@/"'<>]{3,128})@[A-Za-z0-9][A-Za-z0-9.-]*`;
const AIRTABLE = String.raw`\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b`;

describe('occurrence guards', () => {
  it('wants the literal in its case, after a word boundary, with the run after it', () => {
    const token = `EAA${tokenChars(120)}`;
    expect(passesAt(FACEBOOK, 'eaa', `token=${token}`)).toBe(true);
    expect(passesAt(FACEBOOK, 'eaa', `AAAAA${token}`)).toBe(false);
    expect(passesAt(FACEBOOK, 'eaa', `token=eaa${tokenChars(120)}`)).toBe(false);
    expect(passesAt(FACEBOOK, 'eaa', `token=EAA${tokenChars(60)} rest`)).toBe(false);
    const aws = String.raw`\b(?:AKIA|ASIA)[A-Z2-7]{16}\b`;
    expect(passesAt(aws, 'asia', 'tz = "Asia/Tokyo"', ['akia', 'asia'])).toBe(false);
    expect(passesAt(aws, 'asia', 'id = "ASIAQM4PLPPJSMUEZQPO"', ['akia', 'asia'])).toBe(true);
    // A head no keyword opens (AKIA here): its matches rely on occurrences elsewhere, so no check.
    expect(guardFor(aws, 'asia', ['asia'])).toBeUndefined();
  });

  it('folds case where the regex does', () => {
    expect(passesAt(String.raw`(?i)\bacme_[a-z0-9]{8}\b`, 'acme_', 'k = ACME_ab12CD34')).toBe(true);
    expect(passesAt(String.raw`(?i:\bacme_)[a-z0-9]{8}`, 'acme_', 'k = Acme_ab12cd34')).toBe(true);
  });

  it('places the literal after a keyword that opens with a separator', () => {
    const token = `pat${tokenChars(14)}.${'0123456789abcdef'.repeat(4)}`;
    expect(passesAt(AIRTABLE, ' pat', `Bearer ${token}`)).toBe(true);
    expect(passesAt(AIRTABLE, ' pat', 'the path to the file')).toBe(false);
  });

  it('walks variable runs up to the literal that ends them', () => {
    expect(passesAt(URL, '://', 'https://svc:swP0dF6mdVHq0Tx19miU@proxy.acme.net')).toBe(true);
    expect(passesAt(URL, '://', 'https://acme.net/path?a=b:c@d')).toBe(false);
    expect(passesAt(URL, '://', `https://${'u'.repeat(65)}:pass1234@acme.net`)).toBe(false);
    // Non-ASCII: the regex counts characters, the guard bytes; it leaves the call to the regex.
    expect(passesAt(URL, '://', 'https://jürgen:pässwort1@acme.net')).toBe(true);
  });

  it('checks what surrounds a keyword inside the regex, before and after it', () => {
    const mailchimp = String.raw`\b([0-9a-f]{32}-us[0-9]{1,2})\b`;
    expect(passesAt(mailchimp, '-us', 'key = 5d376f43905001204653c8efee87e02f-us6')).toBe(true);
    expect(passesAt(mailchimp, '-us', 'locale = "en-us"')).toBe(false);
    expect(passesAt(mailchimp, '-us', 'key = 05d376f43905001204653c8efee87e02f-us6')).toBe(false);
    expect(passesAt(mailchimp, '-us', 'key = 5d376f43905001204653c8efee87e02f-use')).toBe(false);
    const http = String.raw`\b(?i:https?|wss?)://[^\s:@/"'<>]{1,64}:([^\s:@/"'<>]{3,128})@[A-Za-z0-9][A-Za-z0-9.-]*`;
    expect(passesAt(http, '://', 'HTTPS://svc:swP0dF6mdVHq0Tx19miU@proxy.acme.net')).toBe(true);
    expect(passesAt(http, '://', 'see https://acme.net/docs')).toBe(false);
  });

  it('reads the opening of each alternative, and the literal text after plain ones', () => {
    const mercadopago = String.raw`\b((?:APP_USR|TEST)-[0-9]{16}-[0-9]{6}-[0-9a-f]{32}-[0-9]{6,12})\b`;
    const token = `TEST-${'1234567890123456'}-123456-${'0123456789abcdef'.repeat(2)}-12345678`;
    const mp = ['app_usr-', 'test-'];
    expect(passesAt(mercadopago, 'test-', `MP_TOKEN=${token}`, mp)).toBe(true);
    expect(passesAt(mercadopago, 'test-', 'import "@testing-library/test-utils"', mp)).toBe(false);
    const notion = String.raw`\b(ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b`;
    expect(passesAt(notion, 'secret_', `NOTION_KEY=secret_${tokenChars(43)}`, ['ntn_', 'secret_'])).toBe(true);
    expect(passesAt(notion, 'secret_', 'const client_secret_id = 1', ['ntn_', 'secret_'])).toBe(false);
    expect(passesAt(String.raw`(acme|other)_[a-z]{8}`, 'acme', 'k = acme_abcdefgh', ['acme', 'other'])).toBe(true);
    expect(passesAt(String.raw`(acme|other)_[a-z]{8}`, 'acme', 'k = acme.abcdefgh', ['acme', 'other'])).toBe(false);
    const header = String.raw`(?i:\bx-(?:[a-z0-9]+-){0,3}[a-z0-9]*?(?:api-?key|token)|ocp-apim-subscription-key)["']?\s*[:=,]\s*([A-Za-z0-9_\-.~+/=]{16,300})`;
    expect(passesAt(header, 'x-', 'curl -H "X-Api-Key: abc"', ['x-', 'ocp-apim-subscription-key'])).toBe(true);
    expect(passesAt(header, 'x-', 'display: flex-box', ['x-', 'ocp-apim-subscription-key'])).toBe(false);
  });

  it('reads no opening where matches need not start with the keyword', () => {
    expect(guardFor(String.raw`\buser:\s+token|kubectl\b.{0,200}?--token`, 'user:')).toBeUndefined();
    expect(guardFor(String.raw`(?:prefix_|other_)acme_[a-z]{8}|acme`, 'acme_')).toBeUndefined();
    expect(guardFor(String.raw`acme(?:_live)?_[a-z]{8}`, '_live')).toBeUndefined();
  });

  it('never rejects where the regex matches (random texts around the literal)', () => {
    const cases: Array<[string, string]> = [
      [FACEBOOK, 'eaa'],
      [URL, '://'],
      [AIRTABLE, 'pat'],
      [String.raw`\b(re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24})\b`, 're_'],
      [String.raw`(?i)\b(ab[0-9]{2,4}x[a-z]+)`, 'ab'],
      [String.raw`\b([0-9a-f]{3,5}-us[0-9]{1,2})\b`, '-us'],
      [String.raw`(?i)[a-z]{2}\b[0-9]?x-ab[._-]?[a-z]+`, 'x-ab'],
    ];
    // Pieces that make matches likely, and the characters that break them.
    const pieces = [...'aAbBxXeEpt0123_ :@./-é', '://', '-us', '-us1', 'x-ab', 'X-AB', 'ab12x', 'us', 'deadbeef', 'f00d', 'pass', 'user'];
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let matches = 0;
    for (const [source, keyword] of cases) {
      const re = new RE2(source, 'g');
      const g = guardFor(source, keyword)!;
      expect(g).toBeDefined();
      for (let t = 0; t < 6000; t++) {
        const body = Array.from({ length: rand(40) }, () => pieces[rand(pieces.length)]).join('');
        const text = Buffer.from(body.slice(0, rand(4)) + keyword + body);
        re.lastIndex = 0;
        for (let m = re.exec(text as unknown as string); m; m = re.exec(text as unknown as string)) {
          const kept = matchKept(source, [keyword], text, m.index, m.index + Buffer.byteLength(m[0]));
          if (kept !== undefined) {
            expect(kept, `${source} on ${JSON.stringify(text.toString())}`).toBe(true);
            matches++;
          }
        }
      }
    }
    expect(matches).toBeGreaterThan(300);
  });
});

describe('occurrence guards in the scanner', () => {
  const toml = `
[[rules]]
id = "fb"
description = "d"
regex = '''${FACEBOOK}'''
keywords = ["eaa"]
`;
  const token = `EAA${tokenChars(120)}`;

  it('finds a token on a line whose earlier occurrences fail, in small and large fragments', () => {
    const s = scannerFromToml(toml);
    const line = `blob = "AAAAeAAAAEAAAAA"; fb = "${token}"\n`;
    for (const text of [line, 'const x = 1;\n'.repeat(4000) + line + 'const y = 2;\n'.repeat(10)]) {
      expect(s.scanFragment({ path: 'a.js', text }).findings.map((f) => revealSecret(f))).toEqual([token]);
    }
  });
});

describe('occurrence guards of the built-in rules', () => {
  const files = builtinRulePaths().map((p) => parseRuleFile(readFileSync(p, 'utf8'), `rules/${basename(p)}`, { requireExamples: true }));

  it('keep a passing occurrence in every match of a positive example', () => {
    let checked = 0;
    for (const rule of files.flatMap((f) => f.rules)) {
      if (rule.regex === undefined || !rule.keywords.some((k) => guardFor(rule.regex!, k, rule.keywords))) continue;
      const re = new RE2(rule.regex, 'g');
      for (const example of rule.examples?.positive ?? []) {
        const text = Buffer.from(example);
        re.lastIndex = 0;
        for (let m = re.exec(text as unknown as string); m; m = re.exec(text as unknown as string)) {
          const kept = matchKept(rule.regex, rule.keywords, text, m.index, m.index + Buffer.byteLength(m[0]));
          if (kept === undefined) continue;
          expect(kept, rule.id).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('leave every positive example found inside a large fragment (windows and guards apply)', () => {
    const pad = 'const filler = 1; // nothing to see here\n'.repeat(120);
    for (const file of files) {
      for (const rule of file.rules) {
        if (rule.regex === undefined || (rule.examples?.positivePaths.length ?? 0) > 0) continue;
        const scanner = new Scanner(buildRuleSet([{ ...file, rules: [rule], disabledRules: [], extend: undefined }]));
        rule.examples!.positive.forEach((example, i) => {
          const ids = scanner.scanFragment({ path: 'examples/config.txt', text: `${pad}${example}\n${pad}` }).findings.map((f) => f.ruleId);
          expect(ids, `${rule.id}: positive example #${i + 1} in a large fragment`).toContain(rule.id);
        });
      }
    }
  });
});
