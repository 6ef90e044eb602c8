// GitHub secret-scanning partner → rolled: a key service on PGlite (real clock) with the
// signing-key stand-in, an organization whose githubPartnerPolicy is `roll`, and LEAKS live
// keys each reported by its own signed POST (CONCURRENCY in flight, as GitHub's senders are).
// Latency is POST sent → 200 received: the answer comes after the roll has committed, so it
// bounds "rolled" from above. Also times one 1,000-match batch (10 of our keys).
import { createHash } from 'node:crypto';
import { createOrganizationWithKey, startKeyService } from '../../src/keyservice/index.js';
import { startSecretScanningStandIn } from '../../test/support/secretScanningStandIn.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';

export interface PartnerLatencyResult {
  leaks: number;
  concurrency: number;
  toRolled: number[];
  rolled: number;
  batchOf1000Seconds: number;
}

export async function measurePartnerLatency(opts: { leaks: number; concurrency: number }): Promise<PartnerLatencyResult> {
  const gh = await startSecretScanningStandIn();
  const ks = await startKeyService({ githubApiUrl: gh.url, rateLimit: { maxFailures: 1_000_000 } });
  try {
    const org = await createOrganizationWithKey(ks.store, { name: 'bench-partner', mode: 'live' });
    const auth = { 'content-type': 'application/json', 'public-api-key': org.key.publicKey, 'private-secret-key': org.key.secretKey };
    await (await fetch(`${ks.url}/v1/organizations/me`, { method: 'PATCH', headers: auth, body: JSON.stringify({ githubPartnerPolicy: 'roll' }) })).arrayBuffer();
    const issue = async () => {
      const res = await fetch(`${ks.url}/v1/keys`, { method: 'POST', headers: auth, body: JSON.stringify({ level: 'organization', mode: 'live' }) });
      return ((await res.json()) as { secretKey: string }).secretKey;
    };
    const post = async (matches: object[]) => {
      const body = JSON.stringify(matches);
      const res = await fetch(`${ks.url}/v1/github/secret-scanning`, { method: 'POST', headers: { 'content-type': 'application/json', ...gh.sign(body) }, body });
      return (await res.json()) as Array<{ label: string }>;
    };
    const match = (token: string, i: number) => ({ token, type: 'keywarden_secret_key_live', url: `https://github.com/someone/app/blob/main/leak${i}.env`, source: 'content' });
    // Warm-up: the first request fetches GitHub's keys.
    await post([match(formatToken('secret', 'live'), -1)]);

    const secrets: string[] = [];
    for (let i = 0; i < opts.leaks; i++) secrets.push(await issue());
    const toRolled: number[] = [];
    let rolled = 0;
    let next = 0;
    const sender = async () => {
      while (next < secrets.length) {
        const i = next++;
        const t0 = performance.now();
        const [feedback] = await post([match(secrets[i], i)]);
        toRolled.push((performance.now() - t0) / 1000);
        if (feedback.label === 'true_positive') rolled++;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, sender));
    const rows = await ks.store.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM api_keys WHERE status = 'rolled' AND secret_sha256 = ANY($1::text[])`,
      [secrets.map((s) => createHash('sha256').update(s).digest('hex'))],
    );
    rolled = Math.min(rolled, Number(rows[0].n));

    const ours = await Promise.all(Array.from({ length: 10 }, issue));
    const batch = [...ours, ...Array.from({ length: 990 }, () => formatToken('secret', 'live'))].map(match);
    const t0 = performance.now();
    await post(batch);
    const batchOf1000Seconds = (performance.now() - t0) / 1000;
    return { leaks: opts.leaks, concurrency: opts.concurrency, toRolled: toRolled.sort((a, b) => a - b), rolled, batchOf1000Seconds };
  } finally {
    await ks.close();
    await gh.close();
  }
}
