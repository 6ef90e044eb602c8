// The keyword prefilter decides which rules' regexes run on a file: a rule whose keyword is a
// common word in code (pat, st., http, acr, pass, machine) runs on nearly every file. These
// rules' keywords are the token's own shape instead; each must still select its rule where
// the secret can be (the positive examples, checked in test/rules.test.ts).
import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';

const rules = loadBuiltinRules();

/** Ids of the rules the prefilter would run on `text` at `path` (path-restricted rules only where their path matches). */
function selected(text: string, path = 'src/app.ts'): Set<string> {
  const ids = new Set<string>();
  for (const k of rules.keywords.found(Buffer.from(text))) {
    for (const r of rules.keywordRules[k]) {
      const rule = rules.rules[r];
      if (rule.config.path === undefined || rule.pathMatches(path)) ids.add(rule.id);
    }
  }
  return ids;
}

describe('rule keywords are specific', () => {
  const code = [
    // Inside words only: airtable-pat still runs after a word start (`= path`, ` pattern`),
    // as the token follows the same characters.
    'import { dispatch } from "./store"; const filePath = compatible(spatial).dispatchPatch();',
    'const first = list.first.last.test.next;',
    'const xhr = new XMLHttpRequest(); const client = HttpClient.create();',
    '#define MACRO(x) sacrifice(x)',
    'expect(result).toBe(passed); if (!bypass) compassHeading = passing;',
    'class StateMachine { virtualMachine = machine.start(); }',
    "import postgres from 'postgres'; const redis = createRedisClient(); smtpTransport.send(mail);",
  ].join('\n');

  it.each(['airtable-pat', 'infisical-service-token', 'http-url-credentials', 'azure-container-registry-password', 'password-assignment', 'netrc-password', 'postgres-connection-url', 'redis-connection-url', 'smtp-connection-url'])(
    '%s does not run on ordinary code that merely contains its old keyword',
    (id) => {
      expect(selected(code).has(id)).toBe(false);
    },
  );

  it('each still runs where its token can be', () => {
    expect(selected('AIRTABLE_TOKEN=patSeAj55l5LUDWu5.e43a').has('airtable-pat')).toBe(true);
    expect(selected('"Bearer patSeAj55l5LUDWu5.e43a"').has('airtable-pat')).toBe(true);
    expect(selected('infisical run --token st.06246f05a438cf3882916b0a.7649').has('infisical-service-token')).toBe(true);
    expect(selected('proxy = "http://svc:pw@proxy.internal:3128"').has('http-url-credentials')).toBe(true);
    expect(selected('ACR_PASSWORD=x').has('azure-container-registry-password')).toBe(true);
    expect(selected('docker login acmeprod.azurecr.io -p x').has('azure-container-registry-password')).toBe(true);
    expect(selected('$pass = "x"; db_pass: y; pass: "z"').has('password-assignment')).toBe(true);
    expect(selected('machine git.example.org\n  login deploy\n  password x\n', 'home/ci/.netrc').has('netrc-password')).toBe(true);
    for (const url of ['redis://:pw@cache:6379', 'REDISS://u:pw@cache', 'redis+sentinel://u:pw@s1']) expect(selected(url).has('redis-connection-url'), url).toBe(true);
    for (const url of ['postgres://u:pw@db/app', 'postgresql+asyncpg://u:pw@db/app', 'PGSQL://u:pw@db']) expect(selected(url).has('postgres-connection-url'), url).toBe(true);
    for (const url of ['smtp://u:pw@mail', 'smtps+starttls://u:pw@mail']) expect(selected(url).has('smtp-connection-url'), url).toBe(true);
  });
});
