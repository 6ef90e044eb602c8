// A local HTTP server standing in for GitHub's REST API (shared by the app and rotation
// tests). Every request is checked against GitHub's OpenAPI description: an unknown
// operation, a bad parameter or a body GitHub would refuse is answered 404/422 AND recorded
// in `violations`, so a test that only looks at the happy path still fails. Stateful for
// the operations keywarden uses; everything is recorded verbatim so tests can search all
// traffic for a planted secret.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { matchOperation, validateRequest, validateResponse } from './openapiContract.js';
import { installationRefusal } from './githubStandInInstallations.js';
import { handlers, type HandlerInput, type HandlerResult, type StandInState, type StoredPull } from './githubStandInHandlers.js';
import { webhookDeliveries, type StoredDelivery, type WebhookDeliveries, type WebhookTarget } from './githubStandInHooks.js';

export interface RecordedRequest {
  method: string;
  /** Path and query string, as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw request body text (may be empty). */
  body: string;
  operationId?: string;
  status: number;
}

export interface FaultOptions {
  /** Share of eligible calls (0..1) that fail. */
  share: number;
  /** Failure kinds to pick from. */
  kinds?: Array<'502' | 'secondary-403' | 'secondary-429'>;
  /** Value of the retry-after header on secondary rate limits, in seconds. */
  retryAfterSeconds?: number;
  /** operationIds never failed (default: the installation token endpoint, whose client has its own request path). */
  exclude?: string[];
}

/** A fault aimed at one operation, e.g. "the next review creation answers 500". */
export interface OperationFault {
  operationId: string;
  status: number;
  /** How many matching calls fail (default: until cleared with clearOperationFaults). */
  times?: number;
  /** How many matching calls to let through before failing (default 0). */
  skip?: number;
  /**
   * Answer the error only after the stand-in has acted (stored the check run, appended the
   * annotations...): GitHub did the work, the client only saw the failure.
   */
  afterActing?: boolean;
}

/**
 * GitHub slow to answer one operation: its calls are held until `calls` of them are waiting
 * (then all are answered together) or `maxWaitMs` after the first arrived, whichever comes
 * first; later calls are not held. Two clients racing through a look-then-write both look
 * before either writes, unless something outside GitHub keeps them apart.
 */
export interface OperationHold {
  operationId: string;
  calls: number;
  maxWaitMs: number;
}

/**
 * GitHub rate-limiting the installation, as its docs describe the answers (403 or 429):
 * - `primary`: `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds); every
 *   installation call is refused until the reset;
 * - `secondary`: "You have exceeded a secondary rate limit", with `retry-after` when
 *   `retryAfterSeconds` is set (and refused until then), without it otherwise (refused for
 *   `times` calls, default 1).
 * App-level calls (the JWT ones: installation tokens) are not limited here.
 */
export interface RateLimitRule {
  kind: 'primary' | 'secondary';
  status?: 403 | 429;
  /** primary: seconds from now to x-ratelimit-reset. */
  resetInSeconds?: number;
  /** secondary: the retry-after header, in seconds (absent: no header). */
  retryAfterSeconds?: number;
  /** Only this operation is limited (default: every installation call). */
  operationId?: string;
  /** secondary without retry-after: how many calls are refused (default 1). */
  times?: number;
}

/** What became of a hold: how many calls it held, and whether they were answered together or on the timer. */
export interface HoldOutcome {
  held: number;
  releasedBy: 'calls' | 'timeout';
}

/** Operations whose answers the stand-in checks against GitHub's documented responses (see validateResponse). */
const ANSWERS_CHECKED = new Set(['pulls/list-files', 'pulls/create-review']);

export class GitHubStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly state: StandInState = newState();
  url = '';
  private server: Server | null = null;
  private faults: FaultOptions | null = null;
  private operationFaults: Array<OperationFault & { left: number; toSkip: number }> = [];
  private holds: Array<OperationHold & { waiting: Array<() => void>; timer?: NodeJS.Timeout; release(by: HoldOutcome['releasedBy']): void }> = [];
  private seed = 0x2545f491;
  private limits: Array<RateLimitRule & { until: number; left: number }> = [];
  /** Calls answered with a rate limit (each is a call made while limited). */
  readonly rateLimited: RecordedRequest[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  setFaults(options: FaultOptions | null): void {
    this.faults = options;
  }

  failOperation(fault: OperationFault): void {
    this.operationFaults.push({ ...fault, left: fault.times ?? Infinity, toSkip: fault.skip ?? 0 });
  }

  clearOperationFaults(): void {
    this.operationFaults = [];
  }

  /** Starts rate-limiting installation calls (see RateLimitRule). */
  rateLimit(rule: RateLimitRule): void {
    const seconds = rule.kind === 'primary' ? (rule.resetInSeconds ?? 60) : (rule.retryAfterSeconds ?? 0);
    const timed = rule.kind === 'primary' || rule.retryAfterSeconds !== undefined;
    this.limits.push({ ...rule, until: timed ? Date.now() + seconds * 1000 : Infinity, left: timed ? Infinity : (rule.times ?? 1) });
  }

  clearRateLimits(): void {
    this.limits = [];
  }

  private rateLimitAnswer(operationId: string, appLevel: boolean): HandlerResult | undefined {
    if (appLevel) return undefined;
    const now = Date.now();
    this.limits = this.limits.filter((l) => l.until > now && l.left > 0);
    const l = this.limits.find((r) => !r.operationId || r.operationId === operationId);
    if (!l) return undefined;
    l.left--;
    const status = l.status ?? 403;
    if (l.kind === 'primary') {
      return {
        status,
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-resource': 'core', 'x-ratelimit-reset': String(Math.ceil(l.until / 1000)) },
        body: { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
      };
    }
    return {
      status,
      headers: l.retryAfterSeconds !== undefined ? { 'retry-after': String(l.retryAfterSeconds) } : {},
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
    };
  }

  /** Holds the calls to one operation (see OperationHold); the promise tells how the hold ended. */
  holdOperation(hold: OperationHold): Promise<HoldOutcome> {
    return new Promise((resolve) => {
      const waiting: Array<() => void> = [];
      const h = {
        ...hold,
        waiting,
        timer: undefined as NodeJS.Timeout | undefined,
        release: (releasedBy: HoldOutcome['releasedBy']): void => {
          clearTimeout(h.timer);
          this.holds = this.holds.filter((o) => o !== h);
          resolve({ held: waiting.length, releasedBy });
          for (const go of waiting.splice(0)) go();
        },
      };
      this.holds.push(h);
    });
  }

  private async held(operationId: string): Promise<void> {
    const h = this.holds.find((o) => o.operationId === operationId);
    if (!h) return;
    await new Promise<void>((go) => {
      h.waiting.push(go);
      if (h.waiting.length >= h.calls) h.release('calls');
      else h.timer ??= setTimeout(() => h.release('timeout'), h.maxWaitMs);
    });
  }

  /** The App is uninstalled from, suspended on, or back on an installation (githubStandInInstallations.ts). */
  setInstallation(installationId: number, state: 'uninstalled' | 'suspended' | 'active'): void {
    if (state === 'active') this.state.lostInstallations.delete(installationId);
    else this.state.lostInstallations.set(installationId, state);
  }

  /** A file served by GET /repos/{owner}/{repo}/contents/{path} (e.g. .github/keywarden.yml). */
  setFile(owner: string, repo: string, path: string, content: string): void {
    this.state.files.set(`${owner}/${repo}:${path}`, content);
  }

  /** A pull request the API knows about (GET /pulls/{n}, its commits and files). */
  addPull(owner: string, repo: string, pull: StoredPull): void {
    this.state.pulls.set(`${owner}/${repo}#${pull.number}`, pull);
  }

  /** A repository with no commits yet (see StandInState.emptyRepos). */
  markEmpty(owner: string, repo: string): void {
    this.state.emptyRepos.add(`${owner}/${repo}`);
  }

  /** The App's webhook deliveries: every attempt the stand-in sent, with the app's answer. */
  get webhooks(): WebhookDeliveries {
    return webhookDeliveries({ state: this.state });
  }

  /** Sends a webhook to the app server as GitHub does, and records the attempt (its answer included). */
  deliverWebhook(target: WebhookTarget, event: string, payload: unknown, opts: { guid?: string; signature?: string } = {}): Promise<StoredDelivery> {
    return this.webhooks.deliver(target, event, payload, opts);
  }

  /** Every request whose URL, headers or body contains `needle`. */
  requestsContaining(needle: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url.includes(needle) || r.body.includes(needle) || JSON.stringify(r.headers).includes(needle));
  }

  private aimedFault(operationId: string): (OperationFault & { left: number }) | undefined {
    for (const o of this.operationFaults) {
      if (o.operationId !== operationId || o.left <= 0) continue;
      if (o.toSkip > 0) {
        o.toSkip--;
        continue;
      }
      return o;
    }
    return undefined;
  }

  private nextRandom(): number {
    // xorshift32: reproducible fault patterns across runs.
    let x = this.seed;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.seed = x;
    return x / 0x1_0000_0000;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const rec: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers }, body: bodyText, status: 0 };
    this.requests.push(rec);
    const send = (r: HandlerResult): void => {
      rec.status = r.status;
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      let payload = '';
      if (typeof r.body === 'string') {
        payload = r.body;
        headers['content-type'] ??= 'text/plain; charset=utf-8';
      } else if (r.body !== undefined) {
        payload = JSON.stringify(r.body);
        headers['content-type'] = 'application/json; charset=utf-8';
      }
      res.writeHead(r.status, headers).end(payload);
    };
    const violation = (status: number, message: string): void => {
      this.violations.push(`${rec.method} ${rec.url}: ${message}`);
      send({ status, body: { message, documentation_url: 'https://docs.github.com/rest' } });
    };

    const url = new URL(rec.url, 'http://stand-in');
    // GHE-style base URLs (https://HOST/api/v3) arrive with the prefix.
    const pathname = url.pathname.startsWith('/api/v3/') ? url.pathname.slice(7) : url.pathname;
    const match = matchOperation(rec.method, pathname);
    if (!match) return violation(404, `no such operation in GitHub's REST API`);
    rec.operationId = match.operationId;

    let body: unknown;
    if (bodyText.length > 0) {
      try {
        body = JSON.parse(bodyText);
      } catch {
        return violation(400, 'body is not JSON');
      }
    }
    let problems: string[];
    try {
      problems = validateRequest(match, url.searchParams, body);
    } catch (err) {
      return violation(500, `stand-in could not check the request: ${(err as Error).message}`);
    }
    if (problems.length > 0) return violation(422, problems.join('; '));

    const auth = String(req.headers.authorization ?? '');
    const handler = handlers[match.operationId];
    if (!handler) return violation(501, `operation ${match.operationId} is valid but the stand-in does not implement it`);
    if (match.operationId !== 'credentials/revoke') {
      const appLevel = match.template.startsWith('/app');
      if (appLevel ? !/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i.test(auth) : !this.state.tokens.has(auth.replace(/^(token|bearer) /i, ''))) {
        return violation(401, `missing or unknown ${appLevel ? 'app JWT' : 'installation token'} in authorization header`);
      }
    }

    const refused = installationRefusal(this.state, match, auth.replace(/^(token|bearer) /i, ''));
    if (typeof refused === 'string') return violation(500, refused);
    if (refused) return send(refused);

    await this.held(match.operationId);
    const limited = this.rateLimitAnswer(match.operationId, match.template.startsWith('/app'));
    if (limited) {
      this.rateLimited.push(rec);
      return send(limited);
    }
    const input: HandlerInput = { params: match.params, path: pathname, query: url.searchParams, body: (body ?? {}) as Record<string, unknown>, headers: req.headers, state: this.state, baseUrl: this.url };
    const aimed = this.aimedFault(match.operationId);
    if (aimed) {
      aimed.left--;
      const failure: HandlerResult = { status: aimed.status, body: { message: aimed.status >= 500 ? 'Server Error' : 'Injected failure' } };
      if (!aimed.afterActing) return send(failure);
      try {
        handler(input);
      } catch (err) {
        return violation(500, `stand-in handler failed: ${(err as Error).message}`);
      }
      return send(failure);
    }

    const f = this.faults;
    if (f && !(f.exclude ?? ['apps/create-installation-access-token']).includes(match.operationId) && this.nextRandom() < f.share) {
      const kinds = f.kinds ?? ['502', 'secondary-403', 'secondary-429'];
      const kind = kinds[Math.floor(this.nextRandom() * kinds.length)];
      if (kind === '502') return send({ status: 502, body: { message: 'Server Error' } });
      return send({
        status: kind === 'secondary-403' ? 403 : 429,
        headers: { 'retry-after': String(f.retryAfterSeconds ?? 1) },
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' },
      });
    }
    try {
      const answer = handler(input);
      // A review's 200 is not checked: the stand-in's user objects are not GitHub's full ones.
      if (ANSWERS_CHECKED.has(match.operationId) && (match.operationId !== 'pulls/create-review' || answer.status !== 200)) {
        for (const p of validateResponse(match, answer.status, answer.body)) this.violations.push(`${rec.method} ${rec.url}: the stand-in's ${p}`);
      }
      send(answer);
    } catch (err) {
      violation(500, `stand-in handler failed: ${(err as Error).message}`);
    }
  }
}

function newState(): StandInState {
  return {
    tokens: new Set(),
    tokenInstallations: new Map(),
    lostInstallations: new Map(),
    nextId: 1000,
    checkRuns: [],
    pulls: new Map(),
    reviews: [],
    reviewComments: [],
    issues: [],
    issueComments: [],
    files: new Map(),
    revokedCredentials: [],
    emptyRepos: new Set(),
    assignable: new Set(['octocat', 'Codertocat']),
    newToken: () => `ghs_${randomBytes(18).toString('hex')}`,
  };
}

/** Starts a stand-in; remember to `close()` it. */
export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  const s = new GitHubStandIn();
  await s.start();
  return s;
}
