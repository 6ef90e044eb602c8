// What GitHub asks of a provider applying to the secret-scanning partner program, built from
// our rule file: for each token type, a unique name, the regex in GitHub's custom-pattern
// shape (secret format + the characters allowed before and after it, Hyperscan syntax, so no
// \b or lookarounds), freshly generated example tokens, and the endpoint that receives matches.
// Pure: rules and randomness come in; text or JSON goes out.
import { formatToken, type KeyMode, type KeyVisibility } from '../../keyformat/keyFormat.js';
import { PARTNER_PATH } from './secretScanning.js';

/** GitHub's documented defaults for custom patterns; our tokens fit them as they are. */
export const BEFORE_SECRET = '\\A|[^0-9A-Za-z]';
export const AFTER_SECRET = '\\z|[^0-9A-Za-z]';

export interface PatternRule {
  id: string;
  description: string;
  regex: string;
}

export interface PartnerTokenType {
  tokenType: string;
  description: string;
  secretFormat: string;
  beforeSecret: string;
  afterSecret: string;
  /** The three parts as one expression; the token is capture group 1. */
  regex: string;
  structure: string;
  examples: string[];
}

export interface PartnerPattern {
  endpoint: string;
  tokenTypes: PartnerTokenType[];
}

const HEADER = /^kw(pk|sk)_(test|live)_/;
// Constructs Hyperscan (GitHub's matcher) does not support, or that our boundaries replace.
const UNSUPPORTED = [/\(\?[=!<]/, /\\[1-9]/, /\\[bB]/];

/** `keywarden-secret-key-live` → `keywarden_secret_key_live`: GitHub's `type` in each match. */
export const tokenTypeOf = (ruleId: string): string => ruleId.replace(/[^0-9A-Za-z]+/g, '_').toLowerCase();

export function partnerTokenType(rule: PatternRule, exampleCount: number): PartnerTokenType {
  // Word boundaries at either end are what GitHub's before/after expressions express.
  const secretFormat = rule.regex.replace(/^\\b/, '').replace(/\\b$/, '');
  const header = HEADER.exec(secretFormat);
  if (!header) throw new Error(`rule ${rule.id}: its regex does not start with a kw token header (kwsk_live_ …)`);
  const bad = UNSUPPORTED.find((re) => re.test(secretFormat));
  if (bad) throw new Error(`rule ${rule.id}: ${secretFormat} uses a construct GitHub's Hyperscan patterns do not support`);
  const visibility: KeyVisibility = header[1] === 'pk' ? 'public' : 'secret';
  const mode = header[2] as KeyMode;
  const regex = `(?:${BEFORE_SECRET})(${secretFormat})(?:${AFTER_SECRET})`;
  const check = new RegExp(`^${secretFormat}$`);
  const examples = Array.from({ length: exampleCount }, () => formatToken(visibility, mode));
  for (const example of examples) {
    if (!check.test(example)) throw new Error(`rule ${rule.id}: a generated example does not match ${secretFormat}`);
  }
  return {
    tokenType: tokenTypeOf(rule.id),
    description: rule.description,
    secretFormat,
    beforeSecret: BEFORE_SECRET,
    afterSecret: AFTER_SECRET,
    regex,
    structure: `unique prefix ${header[0]}, 30 base62 random characters (178 bits), then 6 base62 characters of the CRC32 of everything before (a 32-bit checksum)`,
    examples,
  };
}

export function buildPartnerPattern(rules: PatternRule[], serviceUrl: string, exampleCount = 3): PartnerPattern {
  return {
    endpoint: `${serviceUrl.replace(/\/+$/, '')}${PARTNER_PATH}`,
    tokenTypes: rules.map((rule) => partnerTokenType(rule, exampleCount)),
  };
}

export function renderPartnerPattern(pattern: PartnerPattern): string {
  const lines = [
    'GitHub secret-scanning partner program: what to send to secret-scanning@github.com',
    '',
    `Endpoint (POST, one for every token type): ${pattern.endpoint}`,
    '  verifies Github-Public-Key-Identifier / Github-Public-Key-Signature; answers with false-positive feedback',
    '  ([{token_hash, token_type, label}], SHA-256 form)',
    'Test account: an organization of your own (`keywarden keyservice bootstrap --mode test`) whose keys GitHub may create.',
    '',
  ];
  for (const t of pattern.tokenTypes) {
    lines.push(
      `Token type: ${t.tokenType}`,
      `  Description:   ${t.description}`,
      `  Secret format: ${t.secretFormat}`,
      `  Before secret: ${t.beforeSecret}`,
      `  After secret:  ${t.afterSecret}`,
      `  As one regex:  ${t.regex}`,
      `  Structure:     ${t.structure}`,
      '  Examples (generated now, never issued):',
      ...t.examples.map((e) => `    ${e}`),
      '',
    );
  }
  lines.push('Public keys (kwpk_) are meant to be published and are not submitted.');
  return `${lines.join('\n')}\n`;
}
