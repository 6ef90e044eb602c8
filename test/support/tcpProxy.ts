// A TCP proxy in this process, in front of a real server (Redis): `cut()` drops every
// connection and refuses new ones, as a Redis that went away would; `restore()` lets clients
// reconnect. Tests and the chaos run use it to take Redis away from one client without
// stopping the machine's shared Redis, which other suites are using.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpProxy {
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private down = false;

  constructor(private readonly targetPort: number, private readonly targetHost = '127.0.0.1') {}

  /** redis://127.0.0.1:<proxy port> */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get isCut(): boolean {
    return this.down;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.down) return void client.destroy();
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Redis is gone: open connections are reset, new ones are closed at once. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
