// A bounded shutdown for queue workers. Container runtimes send SIGTERM and kill 30 s later
// (Kubernetes' default grace period), and a job can run for minutes (a big scan, a DNS
// failure retried). So on close a worker stops taking jobs, gives the ones in flight a short
// grace to finish, then hands those still running back to the queue: `moveToWait` with the
// job's lock token, then a WaitingError from the processor, which is BullMQ's documented
// "manual retry". Another worker takes the job at once, without a failed attempt counted
// (attemptsMade is unchanged) and without waiting for the stalled-job check (which would need
// the lock to run out first: WORKER_LOCK_OPTIONS).
import { WaitingError, type Job, type Worker } from 'bullmq';
import type { Logger } from 'pino';

/** How long jobs in flight get to finish after SIGTERM before they are handed back. */
export const SHUTDOWN_GRACE_MS = 10_000;
/**
 * After SIGTERM the process exits by this time whatever is still closing (a Redis or GitHub
 * call that hangs): under the runtimes' 30 s kill, with room for the exit itself.
 */
export const SHUTDOWN_DEADLINE_MS = 22_000;

/** SHUTDOWN_GRACE_SECONDS overrides the grace (kept under the deadline). */
export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.SHUTDOWN_GRACE_SECONDS);
  if (!env.SHUTDOWN_GRACE_SECONDS || !Number.isFinite(s) || s < 0) return SHUTDOWN_GRACE_MS;
  return Math.min(s * 1000, SHUTDOWN_DEADLINE_MS - 5_000);
}

type Processor<D, R> = (job: Job<D>, token?: string) => Promise<R>;

interface Running {
  job: Job;
  token: string | undefined;
  handBack(): void;
}

/** The jobs a worker is running, so that they can be handed back to the queue on close. */
export class InFlightJobs {
  private readonly running = new Set<Running>();

  /** The processor to give BullMQ: runs `process`, or ends with a WaitingError once handed back. */
  wrap<D, R>(process: (job: Job<D>, token?: string) => Promise<R>): Processor<D, R> {
    return async (job, token) => {
      let handBack!: () => void;
      const handedBack = new Promise<never>((_, reject) => {
        handBack = () => reject(new WaitingError());
      });
      const entry: Running = { job, token, handBack };
      this.running.add(entry);
      try {
        return await Promise.race([process(job, token), handedBack]);
      } finally {
        this.running.delete(entry);
      }
    };
  }

  get size(): number {
    return this.running.size;
  }

  /**
   * Moves every running job back to wait, then ends its processor. A job whose lock is no
   * longer ours (it just finished, or another worker took it) is left as it is.
   */
  async handBackAll(log: Logger, queue: string): Promise<number> {
    let handed = 0;
    await Promise.all(
      [...this.running].map(async (r) => {
        try {
          await r.job.moveToWait(r.token);
          handed++;
          log.warn({ queue, jobId: r.job.id }, `${queue} job still running at shutdown: handed back to the queue for another worker`);
        } catch (err) {
          log.warn({ queue, jobId: r.job.id, err: { name: (err as Error).name, message: (err as Error).message } }, `${queue} job could not be handed back at shutdown`);
        }
        r.handBack();
      }),
    );
    return handed;
  }
}

const inFlightOf = new WeakMap<Worker, InFlightJobs>();

export function trackInFlight(worker: Worker, jobs: InFlightJobs): void {
  inFlightOf.set(worker, jobs);
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true, () => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Closes a worker within about `graceMs`: it takes no new job from now on; jobs in flight get
 * `graceMs` to finish, and those still running are handed back to the queue.
 */
export async function closeWorkerWithin(worker: Worker, log: Logger, graceMs = shutdownGraceMs()): Promise<void> {
  const closed = worker.close();
  if (await settlesWithin(closed, graceMs)) return;
  // moveToWait waits for Redis like every worker command: if Redis is down, give up on it
  // (the stalled-job check returns those jobs once their locks run out).
  const jobs = inFlightOf.get(worker);
  if (jobs) await settlesWithin(jobs.handBackAll(log, worker.name), 5_000);
  // The processors have ended; what is left is closing connections. If Redis hangs, do not
  // wait on it: the caller quits its connections, and exitOnSignals' deadline still holds.
  await settlesWithin(closed, 3_000);
}

/**
 * SIGTERM/SIGINT: run `close` (which bounds the wait for jobs in flight), then exit 0; if
 * closing still has not finished by SHUTDOWN_DEADLINE_MS, exit 1 anyway.
 */
export function exitOnSignals(close: () => Promise<unknown>, log: Logger, what: string): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log.info({ signal, graceMs: shutdownGraceMs() }, `${what}: taking no new jobs; jobs in flight get a short grace, then go back to the queue`);
    setTimeout(() => {
      log.error({ signal }, `${what}: still closing after ${SHUTDOWN_DEADLINE_MS} ms, exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    void close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: { name: err.name, message: err.message } }, `${what}: error while closing`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
