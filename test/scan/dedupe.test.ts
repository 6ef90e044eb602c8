import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { Scanner } from '../../src/scan/index.js';
import { LIVE_SECRET, scannerFromToml, TEST_SECRET } from './helpers.js';

const RULES = `
[[rules]]
id = "specific"
description = "kw token"
regex = '''kwsk_live_[0-9A-Za-z]{36}'''
keywords = ["kwsk_live_"]
[[rules]]
id = "generic-a"
description = "generic assignment"
regex = '''(?i)key\\s*=\\s*"([^"]{16,})"'''
keywords = ["key"]
generic = true
[[rules]]
id = "generic-b"
description = "another generic"
regex = '''"([^"]{20,})"'''
keywords = ["\\""]
generic = true
`;

describe('dedupe', () => {
  it('keeps only the specific rule when a generic one hits the same secret on the same line', () => {
    const s = scannerFromToml(RULES);
    const { findings } = s.scanFragment({ path: 'a', text: `key = "${LIVE_SECRET}"` });
    expect(findings.map((f) => f.ruleId)).toEqual(['specific']);
  });

  it('reports a generic hit once when two generic rules find the same secret', () => {
    const s = scannerFromToml(RULES);
    const { findings } = s.scanFragment({ path: 'a', text: 'key = "Zx9Lq2Wm7Rt4Vb1Nc8Hs"' });
    expect(findings.map((f) => f.ruleId)).toEqual(['generic-a']);
  });

  it('keeps generic hits on other lines or other secrets', () => {
    const s = scannerFromToml(RULES);
    const { findings } = s.scanFragment({ path: 'a', text: `x = "${LIVE_SECRET}"\nkey = "Zx9Lq2Wm7Rt4Vb1Nc8Hs"` });
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['generic-a', 'specific']);
  });

  it('with the built-in rules, a key-service header reports the checksum rule, not the header rule', () => {
    const s = new Scanner(loadBuiltinRules());
    const { findings } = s.scanFragment({ path: 'req.http', text: `private-secret-key: ${LIVE_SECRET}` });
    expect(findings.map((f) => f.ruleId)).toEqual(['keywarden-secret-key-live']);
  });
});

// Two specific (non-generic) rules on one secret: the report names one rule, chosen by
// keepMostSpecific's order (src/scan/dedupe.ts).
describe('dedupe of overlapping specific rules', () => {
  const builtin = new Scanner(loadBuiltinRules());
  const ids = (text: string): string[] => builtin.scanFragment({ path: 'config.txt', text }).findings.map((f) => f.ruleId);
  // Fake tokens in the providers' formats (the rules' own examples).
  const HEROKU = 'HRKU-VlovoY2NONAeHTmLMLWDiwLRh4skbRtEd07dJr5M6QZeXC1D4xC3IJRlIo1C'; // keywarden:allow (fake)
  const PSCALE = 'pscale_pw_oGhytCIZROF4mjWeEycCqLaOIunMzIzHh84Mo4lr9Xv'; // keywarden:allow (fake)

  it('a Heroku key as a netrc password is one finding, from the Heroku rule', () => {
    expect(ids(`machine api.heroku.com login ci@example.com password ${HEROKU}`)).toEqual(['heroku-api-key']);
  });

  it('a PlanetScale password in a MySQL URL is one finding, from the PlanetScale rule', () => {
    expect(ids(`DATABASE_URL=mysql://app:${PSCALE}@aws.connect.psdb.cloud/app`)).toEqual(['planetscale-password']);
  });

  it('the key-service rule wins over every connection-string rule that also matches its key', () => {
    const carriers = [
      `machine api.example.com login ci password ${LIVE_SECRET}`,
      `DATABASE_URL=postgres://app:${LIVE_SECRET}@db.example.com/app`,
      `DATABASE_URL=mysql://app:${LIVE_SECRET}@db.example.com/app`,
      `REDIS_URL=redis://:${LIVE_SECRET}@cache.example.com:6379`,
      `jdbc:mysql://db/app?user=u&password=${LIVE_SECRET}`,
      `Server=db;Database=app;User Id=u;Password=${LIVE_SECRET};`,
    ];
    for (const text of carriers) {
      const { findings } = builtin.scanFragment({ path: 'config.txt', text });
      expect(findings.map((f) => [f.ruleId, f.rotator]), text.slice(0, 20)).toEqual([['keywarden-secret-key-live', 'keyservice']]);
    }
  });

  it('still reports two different secrets on one line', () => {
    const line = `machine api.heroku.com login ci password ${HEROKU} # ${LIVE_SECRET}`;
    expect(ids(line).sort()).toEqual(['heroku-api-key', 'keywarden-secret-key-live']);
    expect(ids(`URL=mysql://app:${PSCALE}@db.example.com/app?key=${LIVE_SECRET}`).sort()).toEqual(['keywarden-secret-key-live', 'planetscale-password']);
  });

  it('still reports two different secrets inside one encoded blob (same encoded span)', () => {
    const blob = Buffer.from(`live=${LIVE_SECRET} test=${TEST_SECRET}`).toString('base64');
    const { findings } = builtin.scanFragment({ path: 'config.txt', text: `BLOB=${blob}` });
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['keywarden-secret-key-live', 'keywarden-secret-key-test']);
    expect(findings.every((f) => f.decoded?.[0] === 'base64')).toBe(true);
  });

  it('ranks rotator over checksum over a secret that carries the keyword over length, then rule order', () => {
    // Each rule below matches LIVE_SECRET; listed in reverse of the expected ranking.
    const rule = (id: string, regex: string, keyword: string, extra = ''): string =>
      `[[rules]]\nid = "${id}"\ndescription = "${id}"\nregex = '''${regex}'''\nkeywords = ["${keyword}"]\n${extra}\n`;
    const line = `secret: ${LIVE_SECRET}.v1`;
    const rules = [
      rule('first-in-order', String.raw`secret: (kwsk_live_\w{36})`, 'secret:'),
      rule('longer-secret', String.raw`secret: (kwsk_live_[\w.]{36,})`, 'secret:'),
      rule('keyword-in-secret', String.raw`(kwsk_live_\w{36})`, 'kwsk_'),
      rule('checksum', String.raw`(kwsk_live_\w{36})`, 'kwsk_', 'validate = "keywarden-crc32"'),
      rule('rotator', String.raw`(kwsk_live_\w{36})`, 'kwsk_', 'rotator = "keyservice"'),
    ];
    const expected = ['rotator', 'checksum', 'keyword-in-secret', 'longer-secret', 'first-in-order'];
    for (let n = rules.length; n >= 1; n--) {
      const s = scannerFromToml(rules.slice(0, n).join(''));
      expect(s.scanFragment({ path: 'a', text: line }).findings.map((f) => f.ruleId)).toEqual([expected[rules.length - n]]);
    }
  });
});

describe('dedupe between catch-alls', () => {
  it('keeps the more confident catch-all when two hit the same secret, whatever their order', () => {
    const rules = (first: string, second: string) => `
[[rules]]
id = "${first}"
description = "catch-all"
regex = '''${first === 'low-one' ? `(?i)token\\s*=\\s*"([^"]{16,})"` : `"([^"]{20,})"`}'''
keywords = ["${first === 'low-one' ? 'token' : '\\"'}"]
generic = true
confidence = "${first === 'low-one' ? 'low' : 'medium'}"
[[rules]]
id = "${second}"
description = "catch-all"
regex = '''${second === 'low-one' ? `(?i)token\\s*=\\s*"([^"]{16,})"` : `"([^"]{20,})"`}'''
keywords = ["${second === 'low-one' ? 'token' : '\\"'}"]
generic = true
confidence = "${second === 'low-one' ? 'low' : 'medium'}"
`;
    const text = 'token = "Vq8zN3rT6yLw1Pd4Hk7Xc2Bm"';
    for (const [a, b] of [['low-one', 'medium-one'], ['medium-one', 'low-one']]) {
      const { findings } = scannerFromToml(rules(a, b)).scanFragment({ path: 'a.js', text });
      expect(findings.map((f) => f.ruleId)).toEqual(['medium-one']);
    }
  });
});
