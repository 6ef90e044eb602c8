// A real key service (in-memory PGlite) with a movable clock, the rotation bot's
// `leak-reports` credential, and helpers to issue keys and count what the service did.
import { createOrganizationWithKey, grantKey, startKeyService, type RunningKeyService } from '../../src/keyservice/index.js';

export interface KeyServiceHarness {
  service: RunningKeyService;
  url: string;
  /** The clock the service reads; tests move it. */
  clock: { now: Date };
  owner: { publicKey: string; secretKey: string };
  bot: { publicKey: string; secretKey: string };
  graceSeconds: number;
  issueKey(mode?: 'live' | 'test'): Promise<{ id: string; publicKey: string; secretKey: string }>;
  /** 200 while the service accepts this pair (see KEY_IN_GRACE below), else the refusal's status. */
  authenticates(pair: { publicKey: string; secretKey: string }): Promise<number>;
  /** How many times the key with this token hash was rolled (leak incidents labelled rolled). */
  rollsOf(tokenHash: string): Promise<number>;
  totalRolls(): Promise<number>;
  close(): Promise<void>;
}

export async function startKeyServiceHarness(opts: { graceSeconds?: number; realClock?: boolean } = {}): Promise<KeyServiceHarness> {
  const clock = { now: new Date() };
  const graceSeconds = opts.graceSeconds ?? 43_200;
  const service = await startKeyService({
    graceSeconds,
    now: opts.realClock ? () => new Date() : () => new Date(clock.now),
    // The chaos and bench runs make thousands of calls with one credential.
    rateLimit: { maxFailures: 1_000_000 },
  });
  const org = await createOrganizationWithKey(service.store, { name: 'acme', mode: 'live' });
  const bot = await grantKey(service.store, { products: ['leak-reports'], name: 'keywarden bot', mode: 'live' });
  const owner = { publicKey: org.key.publicKey, secretKey: org.key.secretKey };
  const headers = (pair: { publicKey: string; secretKey: string }) => ({
    'content-type': 'application/json',
    'public-api-key': pair.publicKey,
    'private-secret-key': pair.secretKey,
  });
  return {
    service,
    url: service.url,
    clock,
    owner,
    bot: { publicKey: bot.publicKey, secretKey: bot.secretKey },
    graceSeconds,
    async issueKey(mode = 'live') {
      const res = await fetch(`${service.url}/v1/keys`, { method: 'POST', headers: headers(owner), body: JSON.stringify({ level: 'organization', mode, name: 'app' }) });
      if (res.status !== 201 && res.status !== 200) throw new Error(`key service refused to issue a key: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { id: string; publicKey: string; secretKey: string };
      return { id: body.id, publicKey: body.publicKey, secretKey: body.secretKey };
    },
    async authenticates(pair) {
      const res = await fetch(`${service.url}/v1/keys`, { headers: headers(pair) });
      const body = (await res.json()) as { code?: string };
      // A key rolled because of a leak still authenticates during its grace period but keeps
      // only its application products, so this management route refuses it with KEY_IN_GRACE.
      return res.status === 403 && body.code === 'KEY_IN_GRACE' ? 200 : res.status;
    },
    async rollsOf(tokenHash) {
      const rows = await service.store.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM leak_incidents WHERE token_sha256 = $1 AND label = 'rolled'`, [tokenHash]);
      return Number(rows[0].n);
    },
    async totalRolls() {
      const rows = await service.store.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM api_keys WHERE rolled_at IS NOT NULL`);
      return Number(rows[0].n);
    },
    close: () => service.close(),
  };
}
