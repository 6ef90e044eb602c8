// A fault-injecting HTTP proxy in front of the real key service. Per request it can answer
// 500 without forwarding (the service did nothing), forward and then answer 500 (the service
// acted; its answer is lost), hang past the client's timeout (after forwarding or not), or
// answer 400 REQUEST_IN_PROCESS. Decisions come from a queue of scripted faults first, then
// from a seeded random share, so runs are reproducible.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | '500-before' | '500-after' | 'hang-before' | 'hang-after' | 'in-process';

export interface ProxyRecord {
  method: string;
  path: string;
  fault: Fault;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class FaultProxy {
  readonly records: ProxyRecord[] = [];
  url = '';
  private server: Server | null = null;
  private script: Fault[] = [];
  private random: { share: number; faults: Fault[]; paths?: string[] } | null = null;
  private seed = 0x9e3779b9;
  private hanging = new Set<ServerResponse>();

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The next requests (to any path) get these faults, in order. */
  next(...faults: Fault[]): void {
    this.script.push(...faults);
  }

  /** A share of requests (optionally only to `paths`) get a random fault from `faults`. */
  randomly(share: number, faults: Fault[], paths?: string[]): void {
    this.random = share > 0 ? { share, faults, paths } : null;
  }

  private roll(): number {
    let x = this.seed;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.seed = x;
    return x / 0x1_0000_0000;
  }

  private pick(path: string): Fault {
    const scripted = this.script.shift();
    if (scripted) return scripted;
    const r = this.random;
    if (!r || (r.paths && !r.paths.includes(path)) || this.roll() >= r.share) return 'pass';
    return r.faults[Math.floor(this.roll() * r.faults.length)];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0];
    const fault = this.pick(path);
    this.records.push({ method: req.method ?? 'GET', path, fault, headers: { ...req.headers }, body: body.toString('utf8') });
    const json = (status: number, payload: object): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (fault === '500-before') return json(500, { code: 'INTERNAL_ERROR', message: 'injected by the fault proxy' });
    if (fault === 'in-process') return json(400, { code: 'REQUEST_IN_PROCESS', message: 'injected: a request with this idempotency key is in progress' });
    if (fault === 'hang-before') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    const upstream = await this.forward(req, body).catch(() => null);
    if (fault === '500-after' || !upstream) return json(500, { code: 'INTERNAL_ERROR', message: 'injected after the service answered' });
    if (fault === 'hang-after') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(upstream.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; body: Buffer }> {
    const target = new URL(req.url ?? '/', this.target);
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    return new Promise((resolve, reject) => {
      const up = httpRequest(target, { method: req.method, headers }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 502, body: Buffer.concat(parts) }));
        r.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  }
}
