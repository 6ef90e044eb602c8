import { describe, expect, it } from 'vitest';
import { parseBaseline } from '../../src/config/baseline.js';
import { effectiveRules } from '../../src/config/effectiveRules.js';
import { parseIgnoreFile } from '../../src/config/ignoreFile.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { loadBuiltinRuleFiles } from '../../src/config/loadRules.js';
import { parseSize } from '../../src/config/size.js';
import { Scanner } from '../../src/scan/index.js';
import { serviceToken } from './runCli.js';

describe('parseSize', () => {
  it('reads bytes and KB/MB/GB (powers of 1024), rejects the rest', () => {
    expect(parseSize(1000)).toBe(1000);
    expect(parseSize('512KB')).toBe(512 * 1024);
    expect(parseSize('1MB')).toBe(1024 * 1024);
    expect(parseSize('1.5 mib')).toBe(1.5 * 1024 * 1024);
    expect(parseSize('10')).toBe(10);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseSize('5 parsecs')).toBeUndefined();
    expect(parseSize(-1)).toBeUndefined();
    expect(parseSize(true)).toBeUndefined();
  });
});

describe('parseIgnoreFile', () => {
  it('keeps fingerprints, drops blanks and comments, including trailing ones', () => {
    const text = '# header\n\nsrc/a.js:rule-x:0123456789abcdef  # rotated\r\nabc123:path with # hash.txt:rule-y:fedcba9876543210\n  # indented comment\n';
    expect(parseIgnoreFile(text)).toEqual(['src/a.js:rule-x:0123456789abcdef', 'abc123:path with # hash.txt:rule-y:fedcba9876543210']);
  });
});

describe('parseBaseline', () => {
  it('reads the fingerprints of a json report and names the key that is wrong', () => {
    expect(parseBaseline('{"version":1,"findings":[{"fingerprint":"a:b:c"}],"stats":{}}', 'b.json')).toEqual(['a:b:c']);
    expect(() => parseBaseline('nope', 'b.json')).toThrow(/b\.json: not JSON/);
    expect(() => parseBaseline('{"findings":[{"fingerprint":3}]}', 'b.json')).toThrow(/b\.json: key "findings\[0\]\.fingerprint" must be a non-empty string/);
  });
});

describe('parseConfig and effectiveRules', () => {
  const token = serviceToken(60);
  const scan = (config: string, text: string, path = 'a.txt'): string[] => {
    const rules = effectiveRules(loadBuiltinRuleFiles(), parseConfig(config, 'kw.toml'));
    return new Scanner(rules).scanFragment({ path, text }).findings.map((f) => f.ruleId);
  };

  it('layers user rules over the built-ins; same id replaces; useDefault = false drops them', () => {
    const rule = '[[rules]]\nid = "acme"\ndescription = "ACME"\nregex = \'\'\'ACME-[0-9a-f]{20}\'\'\'\nkeywords = ["acme-"]\n';
    const text = `k = "${token}"\nref ACME-7f3a9c2e18b4d6a05e91\n`;
    expect(scan(rule, text).sort()).toEqual(['acme', 'keywarden-secret-key-live']);
    expect(scan(`[extend]\nuseDefault = false\n${rule}`, text)).toEqual(['acme']);
    const replaced = rule.replace('id = "acme"', 'id = "keywarden-secret-key-live"');
    expect(scan(replaced, text)).toEqual(['keywarden-secret-key-live']);
    expect(scan('disabledRules = ["keywarden-secret-key-live"]\n', text)).toEqual([]);
    expect(scan('[extend]\ndisabledRules = ["keywarden-secret-key-live"]\n', text)).toEqual([]);
  });

  it('checks [limits]', () => {
    expect(parseConfig('[limits]\nmaxFileSize = "2MB"\nmaxFragmentBytes = 4096\ndecodeDepth = 0\n', 'kw.toml').limits).toEqual({
      maxFileSize: 2 * 1024 * 1024,
      maxFragmentBytes: 4096,
      decodeDepth: 0,
    });
    expect(() => parseConfig('[limits]\ndecodeDepth = 9\n', 'kw.toml')).toThrow(/kw\.toml: key "limits\.decodeDepth" must be an integer from 0 to 5/);
    expect(() => parseConfig('[limits]\nmaxFileSize = 0\n', 'kw.toml')).toThrow(/kw\.toml: key "limits\.maxFileSize" must be a size/);
  });
});
