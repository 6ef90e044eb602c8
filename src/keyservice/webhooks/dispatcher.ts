// Delivers the outbox. Due rows are claimed with a lease (locked_until) by one statement
// with SKIP LOCKED, so several service processes on one PostgreSQL never send a delivery
// twice at once, and a process that dies mid-send only delays it until the lease ends.
// A non-2xx answer, a timeout or a refused connection is retried with exponential backoff.
// The service kicks the dispatcher after a request that may have queued deliveries, so they
// leave at once, and a failed one wakes it when its retry is due; a sweep every `pollMs`
// (30 s) catches rows left by a restart or by another process. (Polling the table every few
// hundred ms would cost every idle service a statement each time, and would show up in
// anything that watches the database's traffic.)
import type { Database } from '../database.js';
import { openSecret } from './secretBox.js';
import { SIGNATURE_HEADER, signatureHeader } from './signing.js';

export interface DispatcherOptions {
  db: Database;
  pepper: Buffer;
  now: () => Date;
  /** How often the outbox is swept without a kick (the first sweep comes one interval after start). Default 30 s. */
  pollMs?: number;
  /** First retry delay; doubles each attempt up to maxDelayMs. Default 1 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** After this many attempts a delivery is marked failed. Default 15 (about 3 h of retries). */
  maxAttempts?: number;
  timeoutMs?: number;
}

interface ClaimedRow {
  id: string;
  event_id: string;
  event_type: string;
  payload: string;
  attempts: number;
  endpoint_id: string;
  url: string;
  secret_sealed: string;
}

const BATCH = 20;

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private kicked = false;
  private sweeping = false;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly pollMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: DispatcherOptions) {
    this.pollMs = options.pollMs ?? 30_000;
    this.baseDelayMs = options.baseDelayMs ?? 1_000;
    this.maxDelayMs = options.maxDelayMs ?? 3_600_000;
    this.maxAttempts = options.maxAttempts ?? 15;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    await this.running;
  }

  /** Delay before the attempt after `attempts` failed ones. */
  retryDelayMs(attempts: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  }

  /** Sweeps as soon as the current sweep (if any) ends: new deliveries may be waiting. */
  kick(): void {
    this.kicked = true;
    if (!this.sweeping) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.kicked = false;
      this.sweeping = true;
      this.running = this.deliverDue()
        .catch(() => 0)
        .then((sent) => {
          this.sweeping = false;
          this.schedule(sent >= BATCH || this.kicked ? 0 : this.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** A failed delivery comes due before the next sweep, perhaps: wake up for it. */
  private scheduleRetry(ms: number): void {
    if (this.stopped || ms >= this.pollMs) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), ms);
    this.retryTimer.unref();
  }

  /** Sends every due delivery once; returns how many were attempted. */
  async deliverDue(): Promise<number> {
    const now = this.options.now();
    const leaseUntil = new Date(now.getTime() + this.timeoutMs + 5_000);
    const rows = await this.options.db.query<ClaimedRow>(
      `UPDATE webhook_deliveries d SET locked_until = $2, attempts = d.attempts + 1
         FROM webhook_endpoints e
        WHERE e.id = d.endpoint_id AND e.deleted_at IS NULL
          AND d.id IN (SELECT id FROM webhook_deliveries
                        WHERE state = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
                        ORDER BY next_attempt_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.event_id, d.event_type, d.payload, d.attempts, d.endpoint_id, e.url, e.secret_sealed`,
      [now, leaseUntil, BATCH],
    );
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    try {
      const secret = openSecret(this.options.pepper, row.endpoint_id, row.secret_sealed);
      const t = Math.floor(this.options.now().getTime() / 1000);
      const res = await fetch(row.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'keywarden-webhooks/1',
          'x-keywarden-event': row.event_type,
          'x-keywarden-delivery': row.id,
          [SIGNATURE_HEADER]: signatureHeader(secret, row.payload, t),
        },
        body: row.payload,
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : `could not connect: ${(err as Error).message}`;
    }
    const now = this.options.now();
    if (error === null) {
      await this.options.db.query(
        `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $2, last_status = $3, last_error = NULL, locked_until = NULL WHERE id = $1`,
        [row.id, now, status],
      );
    } else if (row.attempts >= this.maxAttempts) {
      await this.options.db.query(
        `UPDATE webhook_deliveries SET state = 'failed', last_status = $2, last_error = $3, locked_until = NULL WHERE id = $1 AND state = 'pending'`,
        [row.id, status, error],
      );
    } else {
      await this.options.db.query(
        `UPDATE webhook_deliveries SET next_attempt_at = $2, last_status = $3, last_error = $4, locked_until = NULL WHERE id = $1 AND state = 'pending'`,
        [row.id, new Date(now.getTime() + this.retryDelayMs(row.attempts)), status, error],
      );
      this.scheduleRetry(this.retryDelayMs(row.attempts));
    }
  }
}
