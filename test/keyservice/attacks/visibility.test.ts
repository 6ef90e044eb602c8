// Attacks by an account-scoped key on other accounts' data (issue 12 defect 10): incidents,
// and the owner fields of verify and leak reports.
import { describe, expect, it } from 'vitest';
import { backends, harnessFor, type Pair } from '../helpers.js';
import { leakReporter, mintAccount, mintKey } from './support.js';

describe.each(backends('atk_vis'))('attacks: an account key sees only its accounts ($name)', (backend) => {
  const h = harnessFor(backend);
  const reportAs = leakReporter(h);
  const report = (token: string, sourceUrl: string, creds?: Pair) => reportAs(token, { sourceUrl, creds });

  it('defect 10: an account-A key lists only incidents about account A keys', async () => {
    const org = await h.org();
    const a = await mintAccount(h, org.creds, 'a');
    const b = await mintAccount(h, org.creds, 'b');
    const viewer = await mintKey(h, org.creds, { level: 'account', accountId: a });
    const leakedA = await mintKey(h, org.creds, { level: 'account', accountId: a });
    const leakedB = await mintKey(h, org.creds, { level: 'account', accountId: b });
    const scopedB = await mintKey(h, org.creds, { level: 'organization', accounts: [b] });
    await report(leakedA.pair.secretKey, 'https://github.com/acme/a/blob/1/.env');
    await report(leakedB.pair.secretKey, 'https://github.com/acme/b-secret-repo/blob/1/.env');
    await report(scopedB.pair.secretKey, 'https://github.com/acme/b-other/blob/1/.env');
    const listed = await h.call('GET', '/v1/leaks', { creds: viewer.pair });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((i: any) => i.keyId)).toEqual([leakedA.id]);
    expect(JSON.stringify(listed.body)).not.toContain('b-secret-repo');
    // The organization key still sees all three.
    expect((await h.call('GET', '/v1/leaks', { creds: org.creds })).body.data).toHaveLength(3);
  });

  it('defect 10: verify and leak reports show owner fields only for keys within the caller\'s accounts', async () => {
    const org = await h.org();
    const a = await mintAccount(h, org.creds, 'a');
    const b = await mintAccount(h, org.creds, 'b');
    const viewer = await mintKey(h, org.creds, { level: 'account', accountId: a });
    const inA = await mintKey(h, org.creds, { level: 'account', accountId: a });
    const inB = await mintKey(h, org.creds, { level: 'account', accountId: b });
    const verifyB = await h.call('POST', '/v1/keys/verify', { creds: viewer.pair, body: { token: inB.pair.publicKey } });
    expect(verifyB.status).toBe(200);
    expect(verifyB.body).toEqual({ known: true, kind: 'public', mode: 'live', level: 'account', status: 'active' });
    const verifyOrg = await h.call('POST', '/v1/keys/verify', { creds: viewer.pair, body: { token: org.creds.publicKey } });
    expect(verifyOrg.body.keyId).toBeUndefined();
    const verifyA = await h.call('POST', '/v1/keys/verify', { creds: viewer.pair, body: { token: inA.pair.publicKey } });
    expect(verifyA.body).toMatchObject({ keyId: inA.id, accountId: a, organizationId: org.organization.id });
    // Reporting a B key's leak (it holds the secret's hash) rolls it, but names no owner to an A key.
    const reported = await report(inB.pair.secretKey, 'https://example.com/b', viewer.pair);
    expect(reported.body.label).toBe('rolled');
    for (const field of ['keyId', 'organizationId', 'accountId', 'newKeyId']) expect(reported.body[field]).toBeUndefined();
  });
});
