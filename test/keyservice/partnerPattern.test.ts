import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseToken } from '../../src/keyformat/keyFormat.js';
import { partnerTokenType } from '../../src/keyservice/partner/partnerPattern.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 120_000 });

/** GitHub's \A / \z anchors, in JavaScript's spelling, to run the printed regex here. */
const asJs = (regex: string) => new RegExp(regex.replaceAll('\\A', '^').replaceAll('\\z', '$'));

describe('keywarden keyservice partner-pattern', () => {
  it('prints the secret-key token types with GitHub-shaped regexes, fresh valid examples and the endpoint', () => {
    const run = cli('keyservice', 'partner-pattern', '--json', '--url', 'https://keys.acme.test/', '--examples', '4');
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.endpoint).toBe('https://keys.acme.test/v1/github/secret-scanning');
    expect(out.tokenTypes.map((t: { tokenType: string }) => t.tokenType)).toEqual(['keywarden_secret_key_live', 'keywarden_secret_key_test']);
    for (const t of out.tokenTypes) {
      expect(t.secretFormat).not.toMatch(/\\b/);
      expect(t.examples).toHaveLength(4);
      expect(new Set(t.examples).size).toBe(4);
      for (const example of t.examples) {
        expect(parseToken(example)?.visibility).toBe('secret');
        expect(asJs(t.regex).exec(`KEY="${example}"`)?.[1]).toBe(example);
        expect(asJs(t.regex).test(`x${example}`)).toBe(false);
        expect(asJs(t.regex).test(`${example}0`)).toBe(false);
      }
    }
    const again = JSON.parse(cli('keyservice', 'partner-pattern', '--json').stdout);
    expect(again.tokenTypes[0].examples).not.toEqual(out.tokenTypes[0].examples);

    const text = cli('keyservice', 'partner-pattern');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Secret format: kwsk_live_[0-9A-Za-z]{36}');
    expect(text.stdout).toContain('/v1/github/secret-scanning');
  });

  it('refuses a rule GitHub could not take as it is', () => {
    expect(() => partnerTokenType({ id: 'x', description: 'x', regex: 'kwsk_live_(?=[A-Z])[0-9A-Za-z]{36}' }, 1)).toThrow(/Hyperscan/);
    expect(() => partnerTokenType({ id: 'x', description: 'x', regex: 'sk_[0-9]{10}' }, 1)).toThrow(/kw token header/);
  });
});
