// GHE_PROTOCOL=http: a GitHub Enterprise Server behind a proxy that speaks plain http, as
// Probot documents (baseUrl `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`). One local http server
// plays the GHES host: /api/v3/* goes to the OpenAPI-validated GitHub stand-in, and the
// repository is served by `git http-backend` (git's own smart-HTTP server). The scan worker,
// configured from the environment, must reach both over http, send the installation token
// to git there, and still refuse http clone URLs anywhere else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, basename } from 'node:path';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { githubEndpoints } from '../../src/github/endpoints.js';
import { checkCloneUrl } from '../../src/app/scanJob/fetchCommits.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deleteKeysUnder } from '../support/redisKeys.js';
import { TestRepo } from '../support/gitRepo.js';

const PREFIX = `kw-ghehttp-${randomUUID().slice(0, 8)}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const repo = new TestRepo();
let gh: GitHubStandIn;
let ghes: Server;
let host = '';
let queue: Queue<ScanJobData>;
let worker: ScanWorkerHandle;
const gitAuth: string[] = [];

/** `git http-backend` as CGI: the request's method, path and headers in, status and headers out. */
function serveGit(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://ghes');
  gitAuth.push(String(req.headers.authorization ?? ''));
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH, GIT_PROJECT_ROOT: dirname(repo.bare), GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method, PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '', HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''), REMOTE_ADDR: '127.0.0.1',
    },
  });
  req.pipe(cgi.stdin);
  const out: Buffer[] = [];
  cgi.stdout.on('data', (d: Buffer) => out.push(d));
  cgi.on('close', () => {
    const all = Buffer.concat(out);
    const split = all.indexOf('\r\n\r\n');
    const head = all.subarray(0, split).toString('latin1').split('\r\n');
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head) {
      const [k, ...v] = line.split(':');
      if (k.toLowerCase() === 'status') status = Number.parseInt(v.join(':').trim(), 10);
      else headers[k] = v.join(':').trim();
    }
    res.writeHead(status, headers).end(all.subarray(split + 4));
  });
}

/** /api/v3/* to the stand-in, unchanged (it takes GHE-style paths). */
function proxyApi(req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(gh.url);
  const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  req.pipe(up);
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  ghes = createServer((req, res) => (req.url?.startsWith('/api/v3/') ? proxyApi(req, res) : serveGit(req, res)));
  await new Promise<void>((r) => ghes.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(ghes.address() as { port: number }).port}`;
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
  const endpoints = githubEndpoints({ GHE_HOST: host, GHE_PROTOCOL: 'http' });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, ...endpoints, handleSignals: false, log: pino({ level: 'silent' }), githubRetry: { retries: 1, baseDelayMs: 10, maxDelayMs: 50 } });
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await deleteKeysUnder(PREFIX);
  ghes?.closeAllConnections();
  await new Promise((r) => ghes?.close(r));
  await gh?.close();
  repo.remove();
});

describe('GHE_PROTOCOL=http', () => {
  it('builds the API and web roots as Probot does, and needs GHE_HOST', () => {
    expect(githubEndpoints({ GHE_HOST: 'ghes.example.com', GHE_PROTOCOL: 'http' })).toEqual({ baseUrl: 'http://ghes.example.com/api/v3', webUrl: 'http://ghes.example.com', gheHost: 'ghes.example.com' });
    expect(githubEndpoints({ GHE_HOST: 'ghes.example.com' }).baseUrl).toBe('https://ghes.example.com/api/v3');
    expect(() => githubEndpoints({ GHE_HOST: 'ghes.example.com', GHE_PROTOCOL: 'ftp' })).toThrow(expect.objectContaining({ code: 'APP_CONFIG_INVALID' }));
    expect(() => githubEndpoints({ GHE_PROTOCOL: 'http' })).toThrow(/needs GHE_HOST/);
  });

  it('allows http clone URLs on that host only', () => {
    const origin = 'http://ghes.example.com';
    expect(() => checkCloneUrl('http://ghes.example.com/o/r.git', false, origin)).not.toThrow();
    expect(() => checkCloneUrl('https://ghes.example.com/o/r.git', false, origin)).not.toThrow();
    expect(() => checkCloneUrl('http://evil.example.com/o/r.git', false, origin)).toThrow(/must be https/);
    expect(() => checkCloneUrl('http://ghes.example.com:8080/o/r.git', false, origin)).toThrow(/must be https/);
    expect(() => checkCloneUrl('http://ghes.example.com/o/r.git', false)).toThrow(/must be https/);
  });

  it('scans a push on the GHES over http: API calls and the git fetch go there, with the token', async () => {
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    const head = repo.commit({ 'src/app.ts': 'export const x = 1;\n' }, 'change');
    const data: ScanJobData = { receivedAt: Date.now(), installationId: 1, owner: 'Codertocat', repo: 'ghes-http', cloneUrl: `http://${host}/${basename(repo.bare)}`, defaultBranch: 'main', event: 'push', before: base, after: head, ref: 'refs/heads/main' };
    await enqueueScan(queue, data);
    const id = scanJobId(data);
    let state = '';
    for (let i = 0; i < 600 && state !== 'completed' && state !== 'failed' && state !== 'delayed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await queue.getJobState(id);
    }
    expect(state, (await queue.getJob(id))?.failedReason).toBe('completed');
    const run = gh.state.checkRuns.find((c) => c.repo === 'ghes-http' && c.head_sha === head);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success' });
    // Every API call came through the GHES host's /api/v3 (the stand-in saw them via the proxy).
    expect(gh.requests.length).toBeGreaterThan(0);
    expect(gh.requests.every((r) => r.url.startsWith('/api/v3/'))).toBe(true);
    // git fetched over http from that host, sending the installation token.
    expect(gitAuth.length).toBeGreaterThan(0);
    const tokens = [...gh.state.tokens];
    const sent = gitAuth.filter((a) => a.startsWith('Basic ')).map((a) => Buffer.from(a.slice(6), 'base64').toString('utf8'));
    expect(sent.some((s) => tokens.some((t) => s === `x-access-token:${t}`))).toBe(true);
    expect(gh.violations).toEqual([]);
  }, 90_000);
});
