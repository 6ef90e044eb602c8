// git's smart HTTP protocol on 127.0.0.1, the way a Git host serves it: a node HTTP server in
// front of `git http-backend` (git's own CGI program). Records each request's headers and counts
// the bytes it sends, so tests and the app-fetch bench can see what a fetch asked for and cost.
// Repositories live under `root` and are served at /<name>.git; each is configured to serve
// partial clones and wants by object id, as GitHub does.
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  status: number;
  bytesSent: number;
}

export interface GitHttpServer {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: GitHttpRequest[];
  /** Bytes of every response body sent since the last reset. */
  bytesSent(): number;
  reset(): void;
  /** Answers every request under `fromPrefix` with a 302 to the same path on `toBase`. */
  redirect(fromPrefix: string, toBase: string): void;
  close(): Promise<void>;
}

/** Lets a bare repository serve filtered fetches and wants by object id (GitHub does both). */
export function servePartialClones(bareDir: string): void {
  for (const [k, v] of [['uploadpack.allowFilter', 'true'], ['uploadpack.allowAnySHA1InWant', 'true'], ['http.receivepack', 'true']]) {
    execFileSync('git', ['config', k, v], { cwd: bareDir });
  }
}

const BACKEND = execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim() + '/git-http-backend';

export async function startGitHttpServer(root: string): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  const redirects: Array<[string, string]> = [];
  let sent = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rec: GitHttpRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, status: 0, bytesSent: 0 };
    requests.push(rec);
    const hop = redirects.find(([from]) => url.pathname.startsWith(from));
    if (hop) {
      rec.status = 302;
      res.writeHead(302, { location: hop[1] + url.pathname + url.search }).end();
      return;
    }
    const cgi = spawn(BACKEND, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: rec.method,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        // git gzips large request bodies; http-backend inflates them when told so.
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        rec.bytesSent += chunk.length;
        sent += chunk.length;
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      rec.status = status;
      res.writeHead(status, headers);
      const body = head.subarray(end + 4);
      rec.bytesSent += body.length;
      sent += body.length;
      res.write(body);
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bytesSent: () => sent,
    reset() {
      sent = 0;
      requests.length = 0;
    },
    redirect(fromPrefix, toBase) {
      redirects.push([fromPrefix, toBase]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
