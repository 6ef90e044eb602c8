import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { parseRuleFile, Scanner } from '../../src/scan/index.js';
import { scannerFromToml } from './helpers.js';

function confidenceOf(fields: string): string {
  return parseRuleFile(`[[rules]]\nid = "r"\ndescription = "d"\n${fields}\n`, 't.toml').rules[0].confidence;
}

describe('rule confidence', () => {
  it('is derived from the rule shape when the file does not set it', () => {
    expect(confidenceOf(`regex = '''\\b(ghp_[A-Za-z0-9]{36})\\b'''\nkeywords = ["ghp_"]`)).toBe('high');
    expect(confidenceOf(`regex = '''\\b((?:AKIA|ASIA)[A-Z2-7]{16})\\b'''\nkeywords = ["akia", "asia"]`)).toBe('high');
    expect(confidenceOf(`regex = '''kwsk_live_[0-9A-Za-z]{36}'''\nkeywords = ["kwsk_"]`)).toBe('high');
    expect(confidenceOf(`regex = '''x([a-z]{8})'''\nkeywords = ["y"]\nvalidate = "github-crc32"`)).toBe('high');
    expect(confidenceOf(`regex = '''(?i:okta)\\w*\\s*=\\s*(00[A-Za-z0-9]{40})'''\nkeywords = ["okta"]`)).toBe('medium');
    expect(confidenceOf(`regex = '''(?P<pre>okta)=(ghp_[a-z]{4})'''\nkeywords = ["okta"]\nsecretGroup = 2`)).toBe('medium');
    expect(confidenceOf(`regex = '''token=(\\w{20})'''\nkeywords = ["token"]\ngeneric = true`)).toBe('low');
  });

  it('can be set in the rule file, and a wrong value is refused', () => {
    expect(confidenceOf(`regex = '''token=(\\w{20})'''\nkeywords = ["token"]\ngeneric = true\nconfidence = "medium"`)).toBe('medium');
    expect(() => confidenceOf(`regex = 'x'\nconfidence = "certain"`)).toThrow(/confidence must be one of high, medium, low/);
  });

  it('travels on every finding', () => {
    const s = scannerFromToml(`[[rules]]\nid = "r"\ndescription = "d"\nregex = '''tok_[A-Za-z0-9]{12}'''\nkeywords = ["tok_"]\n`);
    const [f] = s.scanFragment({ path: 'a', text: 'x = tok_Zq3Wm8Kx1Lp6' }).findings;
    expect(f.confidence).toBe('high');
  });

  it('every built-in rule has one; catch-alls are low', () => {
    const rules = loadBuiltinRules().rules.map((r) => r.config);
    for (const r of rules) expect(['high', 'medium', 'low']).toContain(r.confidence);
    expect(rules.find((r) => r.id === 'github-pat')?.confidence).toBe('high');
    expect(rules.find((r) => r.id === 'generic-secret-assignment')?.confidence).toBe('low');
  });
});

describe('provider prefixes and the catch-alls', () => {
  const toml = `
[[rules]]
id = "acme"
description = "Acme token"
regex = '''\\b(acme_[A-Za-z0-9]{30})\\b'''
keywords = ["acme_"]

[[rules]]
id = "catch-all"
description = "token assignment"
regex = '''(?i)token\\s*=\\s*([A-Za-z0-9_]{12,})'''
keywords = ["token"]
generic = true
`;

  it('a catch-all leaves a provider-prefixed value of the wrong length alone (a near miss)', () => {
    const s = scannerFromToml(toml);
    const ids = (text: string) => s.scanFragment({ path: 'a.env', text }).findings.map((f) => f.ruleId);
    expect(ids('ACME_TOKEN=acme_Zq3Wm8Kx1Lp6Rv')).toEqual([]);
    expect(ids('ACME_TOKEN=acme_Zq3Wm8Kx1Lp6Rv9Tn2Bc5Hy7Jd4Gs0')).toEqual(['acme']);
    expect(ids('OTHER_TOKEN=Zq3Wm8Kx1Lp6Rv9Tn2')).toEqual(['catch-all']);
  });
});

describe('which prefixes a provider rule owns', () => {
  const toml = (rules: string) =>
    `${rules}
[[rules]]
id = "catch-all"
description = "token assignment"
regex = '''(?i)token\\s*=\\s*([A-Za-z0-9_.-]{12,})'''
keywords = ["token"]
generic = true
`;
  const rule = (id: string, regex: string, keyword: string) => `[[rules]]\nid = "${id}"\ndescription = "d"\nregex = '''${regex}'''\nkeywords = ["${keyword}"]\n`;
  const ids = (s: ReturnType<typeof scannerFromToml>, text: string) => s.scanFragment({ path: 'a.env', text }).findings.map((f) => f.ruleId);

  it('reads through an optional group: tvly- is owned, not only tvly-dev-', () => {
    const s = scannerFromToml(toml(rule('tavily', '\\b(tvly-(?:dev-|prod-)?[A-Za-z0-9]{32})\\b', 'tvly-')));
    expect(ids(s, 'TAVILY_TOKEN=tvly-sRf2aPhSwR8rQ1')).toEqual([]);
    expect(ids(s, 'TAVILY_TOKEN=tvly-prod-sRf2aPhSwR8rQ1')).toEqual([]);
  });

  it('reads a small class as alternatives, and owns a 3-character prefix with a separator', () => {
    const s = scannerFromToml(toml(rule('weblate', '\\b(wl[up]_[A-Za-z0-9]{32})\\b', 'wl') + rule('resend', '\\b(re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24})\\b', 're_')));
    expect(ids(s, 'WEBLATE_TOKEN=wlp_GCVrxSTUNezBn6Vn10Oa2oQ')).toEqual([]);
    expect(ids(s, 'RESEND_TOKEN=re_kqnPjiNiGIBL8IGkdGAb7PBk')).toEqual([]);
  });

  it('does not own a short prefix that opens other providers prefixes too', () => {
    const s = scannerFromToml(toml(rule('clickup', '\\b(pk_[0-9]{6,10}_[A-Z0-9]{32})\\b', 'pk_') + rule('stripe', '\\b(pk_live_[A-Za-z0-9]{24})\\b', 'pk_live_')));
    expect(ids(s, 'COURIER_TOKEN=pk_prod_KFJV3YL58OB2DPKG5H5L0RSUCG38')).toEqual(['catch-all']);
    expect(ids(s, 'STRIPE_TOKEN=pk_live_KFJV3YL58OB2')).toEqual([]);
  });
});

describe('provider names and the low-confidence catch-alls', () => {
  it('a value on a line naming a provider whose rule did not match it is that provider near miss', () => {
    const s = scannerFromToml(`
[[rules]]
id = "twitch"
description = "Twitch client secret"
regex = '''(?i:twitch[\\w.-]{0,20}?secret)\\s*=\\s*([a-z0-9]{30})\\b'''
keywords = ["twitch"]

[[rules]]
id = "catch-all"
description = "secret assignment"
regex = '''(?i)secret\\s*=\\s*([A-Za-z0-9_]{12,})'''
keywords = ["secret"]
generic = true
`);
    const ids = (text: string) => s.scanFragment({ path: 'a.env', text }).findings.map((f) => f.ruleId);
    expect(ids('TWITCH_CLIENT_SECRET=Zq3Wm8Kx1Lp6Rv9Tn2')).toEqual([]);
    expect(ids('TWITCH_CLIENT_SECRET=zq3wm8kx1lp6rv9tn2bc5hy7jd4gs0')).toEqual(['twitch']);
    expect(ids('WIDGET_CLIENT_SECRET=Zq3Wm8Kx1Lp6Rv9Tn2')).toEqual(['catch-all']);
  });
});

describe('provider names from prefixed rules, and a catch-all keyed on a provider', () => {
  const s = scannerFromToml(`
[[rules]]
id = "clickup-personal-token"
description = "ClickUp personal token"
regex = '''\\b(pk_[0-9]{6,10}_[A-Z0-9]{32})\\b'''
keywords = ["pk_"]

[[rules]]
id = "widget-legacy-token"
description = "Widget's legacy tokens: no prefix, so a catch-all on the provider's name"
regex = '''(?i)widget\\w*\\s*=\\s*([A-Za-z0-9_-]{40,})'''
keywords = ["widget"]
generic = true

[[rules]]
id = "widget-token"
description = "Widget token"
regex = '''\\b(wdg_[A-Za-z0-9]{30})\\b'''
keywords = ["wdg_"]

[[rules]]
id = "catch-all"
description = "token assignment"
regex = '''(?i)token\\s*=\\s*([A-Za-z0-9_-]{12,})'''
keywords = ["token"]
generic = true
`);
  const ids = (text: string) => s.scanFragment({ path: 'a.env', text }).findings.map((f) => f.ruleId);

  it('a value on a line naming a provider known only by its prefixed rule is that provider near miss', () => {
    expect(ids('CLICKUP_API_TOKEN=pk_BK2RJJCV0Z79MS7NRG2GEDI8TL71UUEI')).toEqual([]);
    expect(ids('OTHER_API_TOKEN=BK2RJJCV0Z79MS7NRG2GEDI8TL71UUEI')).toEqual(['catch-all']);
  });

  it('a catch-all keyed on the provider name still reports on that provider line', () => {
    expect(ids('WIDGET_AUTH_TOKEN=lsHARgee--XNqG4pasFQbHO5ltYMwQN5tiPVrt0WmUw')).toEqual(['widget-legacy-token']);
  });
});

describe('the built-in catch-alls on near misses of providers they know', () => {
  const scanner = new Scanner(loadBuiltinRules());
  const ids = (text: string) => scanner.scanFragment({ path: 'config/app.env', text }).findings.map((f) => f.ruleId);

  it('leave a wrong-length key under a provider name to that provider rule (medium catch-alls too)', () => {
    // RapidAPI keys are 50 characters: 31 is a near miss, where an unknown vendor's header is reported.
    expect(ids('curl -H "X-RapidAPI-Key: Qm4Tz8Wn2Lx6Pr1Vk9Ys3Hc7Jd5Gb0" https://weather.p.rapidapi.com')).toEqual([]);
    expect(ids('curl -H "X-Widgetly-Api-Key: Qm4Tz8Wn2Lx6Pr1Vk9Ys3Hc7Jd5Gb0" https://api.widgetly.io')).toEqual(['api-key-header']);
  });

  it('judge the name side only: a provider in the URL after the password names no key', () => {
    expect(ids('curl -u deploy:Lantern2022 https://nexus.acme.io/repository/raw/')).toEqual(['password-command-line']);
  });

  it('still report a JWT on a line naming a provider (its header says what it is)', () => {
    const jwt = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"7741"}').toString('base64url')}.0FeegFZ3hW3qECQ6SCaaTg9QSuTHxLC9`;
    expect(ids(`curl https://api.kustomer.com/v1/me -H "Authorization: Bearer ${jwt}"`)).not.toEqual([]);
  });

  it('treat a Python %-format reference as a placeholder', () => {
    expect(ids('client = Client(steel_api_key="%(steel_api_key)s")')).toEqual([]);
  });
});
