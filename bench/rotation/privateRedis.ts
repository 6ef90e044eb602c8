// A redis-server of our own on a free port, for the chaos run and the benchmark, so that
// restarting it (or loading it) never disturbs the machine's shared Redis on 6379.
// `--save ""` (no RDB snapshots) with an fsync-always append-only file: a kill -9 and
// restart loses nothing that Redis acknowledged, which is what a production Redis for
// BullMQ is configured to do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class PrivateRedis {
  port = 0;
  private proc: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'kw-redis-'));

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.proc = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'always', '--dir', this.dir, '--logfile', join(this.dir, 'redis.log'),
    ], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await this.ping()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** kill -9, as a crash would. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    this.proc = null;
  }

  async restart(downMs = 1_000): Promise<void> {
    await this.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ping(): Promise<boolean> {
    const { Socket } = await import('node:net');
    return new Promise((resolve) => {
      const s = new Socket();
      s.setTimeout(200);
      s.once('error', () => resolve(false));
      s.once('timeout', () => (s.destroy(), resolve(false)));
      s.connect(this.port, '127.0.0.1', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(String(d).startsWith('+PONG'));
      });
    });
  }
}
