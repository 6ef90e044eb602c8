// A low-confidence catch-all leaves a value alone on a line that names a provider whose own rule
// did not match it (a near miss of that provider's format). Provider names come from the
// keyword-bound rules' keywords, also when written with a separator (`ably_`, `otx_api`).
import { describe, expect, it } from 'vitest';
import { scannerFromToml, tokenChars } from './helpers.js';

const RULES = `
[[rules]]
id = "ably"
description = "Ably key"
regex = '''(?i:ably)[\\w.-]{0,20}\\s*=\\s*"([A-Za-z0-9]{6}\\.[A-Za-z0-9]{6}:[A-Za-z0-9]{43})"'''
keywords = ["ably_", "ably."]
severity = "high"

[[rules]]
id = "otx"
description = "OTX key"
regex = '''(?i:otx[_.-]?api)[\\w.-]{0,10}\\s*=\\s*([a-f0-9]{64})\\b'''
keywords = ["otx_api", "otx.api"]
severity = "high"

[[rules]]
id = "some-oauth"
description = "A provider's client secret, named by a generic keyword"
regex = '''(?i:acme)[\\w.-]{0,20}client_secret\\s*=\\s*"([a-z0-9]{40})"'''
keywords = ["client_secret"]
severity = "high"

[[rules]]
id = "catch-all"
description = "Generic assignment"
regex = '''(?i)(?:key|secret|token)[\\w.-]{0,20}\\s*=\\s*"?([A-Za-z0-9]{16,})"?'''
keywords = ["key", "secret", "token"]
generic = true
confidence = "low"
severity = "medium"
`;

describe('provider words from keywords with separators', () => {
  const scanner = scannerFromToml(RULES);
  const ids = (text: string) => scanner.scanFragment({ path: 'app/.env', text }).findings.map((f) => f.ruleId);

  it('a wrong-length value under a provider-named variable is left to that provider', () => {
    expect(ids(`ABLY_API_KEY = "${tokenChars(21, 3)}"`)).toEqual([]);
    expect(ids(`export OTX_API_KEY=${tokenChars(42, 4)}`)).toEqual([]);
    expect(ids(`otx.api.key=${tokenChars(42, 5)}`)).toEqual([]);
  });

  it('a generic compound keyword (client_secret) names no provider: the catch-all still reports', () => {
    expect(ids(`CLIENT_SECRET = "${tokenChars(24, 6)}"`)).toEqual(['catch-all']);
    expect(ids(`SERVICE_TOKEN = "${tokenChars(24, 7)}"`)).toEqual(['catch-all']);
  });
});
