// The offline checks rules can ask for: a checksummed token with a wrong checksum is no finding.
import { describe, expect, it } from 'vitest';
import { kubernetesSecretValue, VALIDATORS } from '../../src/scan/validators.js';
import { scannerFromToml, tokenChars } from './helpers.js';
import { crc32 } from '../../src/keyformat/keyFormat.js';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function githubToken(prefix: string, random: string): string {
  let v = crc32(random);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = B62[v % 62] + sum;
    v = Math.floor(v / 62);
  }
  return `${prefix}${random}${sum}`;
}

describe('github-crc32', () => {
  const check = VALIDATORS['github-crc32'];

  it('accepts a token whose last 6 characters are the CRC32 of the 30 before, for every classic prefix', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) expect(check(githubToken(prefix, 'Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0'))).toBe(true);
  });

  it('refuses the same token with one checksum character changed, or one random character', () => {
    const good = githubToken('ghp_', 'Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0');
    const last = good.at(-1)!;
    expect(check(good.slice(0, -1) + (last === 'A' ? 'B' : 'A'))).toBe(false);
    expect(check(good.replace('Qw7', 'Qw8'))).toBe(false);
  });

  it('does not judge a length GitHub has not documented, nor a foreign prefix', () => {
    expect(check(`ghp_${'Ab1'.repeat(14)}`)).toBe(true);
    expect(check(githubToken('gha_', 'Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0'))).toBe(false);
  });
});

describe('kubernetes-secret-value', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const plain = (s: string) => kubernetesSecretValue(s);

  it('judges a data: value by what it decodes to, and a stringData: value as written', () => {
    expect(plain(b64('Vq8zN3rT6yLw1Pd4Hk7Xc2Bm'))).toBe('Vq8zN3rT6yLw1Pd4Hk7Xc2Bm');
    expect(plain(b64('Vq8zN3rT6yLw1Pd4Hk7Xc2Bm\n'))).toBe('Vq8zN3rT6yLw1Pd4Hk7Xc2Bm');
    expect(plain('Mpt7d6wtzwIRIWuMM8i8Ed2cxin6Y7pLoUK0kQ0D')).toBe('Mpt7d6wtzwIRIWuMM8i8Ed2cxin6Y7pLoUK0kQ0D');
    // base64 of random bytes (a generated key stored as bytes) stays a credential.
    const randomBytes = Buffer.from(Array.from({ length: 24 }, (_, i) => (i * 97 + 13) % 256)).toString('base64');
    expect(plain(randomBytes)).toBe(randomBytes);
  });

  it('refuses placeholders, templates and samples, encoded or not', () => {
    for (const v of ['changeme-please-1234', '<your-api-token-here>', 'x'.repeat(24), '${DB_PASSWORD}', 'a1b2c3d4e5f6g7h8i9j0', 'example-token-value-01']) {
      expect(plain(b64(v)), v).toBeUndefined();
    }
    expect(plain('REPLACE_WITH_YOUR_TOKEN')).toBeUndefined();
  });

  it('leaves env files and multi-line configs to the rules run on the decoded text', () => {
    expect(plain(b64('ANTHROPIC_API_KEY=Vq8zN3rT6yLw1Pd4Hk7Xc2Bm\n'))).toBeUndefined();
    expect(plain(b64('export TOKEN=Vq8zN3rT6yLw1Pd4Hk7Xc2Bm'))).toBeUndefined();
    expect(plain(b64('user: admin\npassword: Vq8zN3rT6yLw1Pd4\n'))).toBeUndefined();
    expect(VALIDATORS['kubernetes-secret-value'](b64('ANTHROPIC_API_KEY=Vq8zN3rT6yLw1Pd4Hk7Xc2Bm\n'))).toBe(false);
  });
});

/** The kubernetes-secret-data shape, for the suites that load it beside a provider rule. */
const K8S_SECRET_DATA_RULE = `[[rules]]
id = "k8s"
description = "Secret data"
regex = '''kind:\\s*Secret\\s*\\n(?:[ \\t]*[\\w.-]+:[^\\n]*\\n){0,12}?[ \\t]*data:[ \\t]*\\n[ \\t]+[\\w.-]+:[ \\t]*([A-Za-z0-9+/=]{16,})'''
keywords = ["kind: secret"]
validate = "kubernetes-secret-value"
generic = true
`;

describe('kubernetes-secret-data with provider rules loaded', () => {
  const rules = `
[[rules]]
id = "tailscale"
description = "Tailscale key"
regex = '''\\b(tskey-api-[A-Za-z0-9]{16}-[A-Za-z0-9]{32})\\b'''
keywords = ["tskey-"]
severity = "high"

${K8S_SECRET_DATA_RULE}severity = "high"
`;
  const manifest = (value: string) => `kind: Secret\ndata:\n  token: ${Buffer.from(value).toString('base64')}\n`;

  it('leaves a near miss of a provider-prefixed format to the provider rule, which does not match it', () => {
    const scanner = scannerFromToml(rules);
    expect(scanner.scanFragment({ path: 'k8s/secret.yaml', text: manifest(`tskey-api-${tokenChars(10)}`) }).findings).toEqual([]);
  });

  it('still reports an unprefixed random value, and a valid prefixed one once (by its provider rule)', () => {
    const scanner = scannerFromToml(rules);
    expect(scanner.scanFragment({ path: 'k8s/secret.yaml', text: manifest(tokenChars(28, 7)) }).findings.map((f) => f.ruleId)).toEqual(['k8s']);
    const valid = `tskey-api-${tokenChars(16, 3)}-${tokenChars(32, 4)}`;
    expect(scanner.scanFragment({ path: 'k8s/secret.yaml', text: manifest(valid) }).findings.map((f) => f.ruleId)).toEqual(['tailscale']);
  });
});

describe('kubernetes-secret-data on a line naming a provider', () => {
  const rules = `
[[rules]]
id = "acuity"
description = "Acuity key"
regex = '''(?i:acuity)[\\w-]*:\\s*"?([a-f0-9]{32})\\b'''
keywords = ["acuity"]
severity = "high"

${K8S_SECRET_DATA_RULE}confidence = "medium"
severity = "high"
`;
  const manifest = (key: string, value: string) => `kind: Secret\ndata:\n  ${key}: ${Buffer.from(value).toString('base64')}\n`;

  const plainManifest = (key: string, value: string) => `kind: Secret\ndata:\n  ${key}: ${value}\n`;

  it("drops a plain value the named provider's rule did not match (a near miss), keeps it under another name", () => {
    const scanner = scannerFromToml(rules);
    const nearMiss = tokenChars(21, 5);
    expect(scanner.scanFragment({ path: 'k8s/secret.yaml', text: plainManifest('acuity-api-key', nearMiss) }).findings).toEqual([]);
    expect(scanner.scanFragment({ path: 'k8s/secret.yaml', text: plainManifest('signing-key', nearMiss) }).findings.map((f) => f.ruleId)).toEqual(['k8s']);
  });

  it("keeps a base64 value under a provider's name: the provider's rule cannot see it on that line once decoded", () => {
    const scanner = scannerFromToml(rules);
    expect(scanner.scanFragment({ path: 'k8s/secret.yaml', text: manifest('acuity-api-key', tokenChars(21, 5)) }).findings.map((f) => f.ruleId)).toEqual(['k8s']);
  });
});

describe('jwt-header', () => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ sub: '5050639289', iat: 1700245000 })}.0FeegFZ3hW3qECQ6SCaaTg9QSuTHxLC9RQKuXuQNCHK`;
  const check = VALIDATORS['jwt-header'];

  it('accepts a header that is a JSON object with an alg', () => {
    expect(check(`${b64({ alg: 'HS256', typ: 'JWT' })}.${body}`)).toBe(true);
    expect(check(`${b64({ alg: 'RS256', kid: 'Zq3Wm8Kx' })}.${body}`)).toBe(true);
  });

  it('refuses eyJ followed by random text, a header without alg, and JSON that is no object', () => {
    expect(check(`eyJXJxnltCGvomxa6aD3TeA09AnRQ.${body}`)).toBe(false);
    expect(check(`${b64({ typ: 'JWT' })}.${body}`)).toBe(false);
    expect(check(`${b64({ alg: 256 })}.${body}`)).toBe(false);
    expect(check(`${b64(['alg'])}.${body}`)).toBe(false);
  });
});
