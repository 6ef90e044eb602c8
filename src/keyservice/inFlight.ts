// Idempotent requests running in this process, by (public key, idempotency key).
//
// The durable claim is the `in_process` row (idempotency.ts): it is what PostgreSQL shares
// between instances and what survives a crash. But PGlite runs one transaction at a time, so
// there a duplicate could never even authenticate while the first request's transaction is
// open, and would end up with the first one's replay instead of REQUEST_IN_PROCESS. This
// registry makes the request visible at once: a duplicate presenting the same pair (checked
// against the first one's secret HMAC, in constant time) for the same route is refused
// before it touches the database.
import { hexDigestsEqual } from './hashing.js';

export interface InFlightRequest {
  publicKey: string;
  idempotencyKey: string;
  /** HMAC of the secret the first request authenticated with. */
  secretHmac: string;
  method: string;
  path: string;
}

export class InFlightRequests {
  private readonly running = new Map<string, InFlightRequest>();

  /** Registers `request`, or returns the one already running with its key. */
  claim(request: InFlightRequest): InFlightRequest | undefined {
    const id = slot(request.publicKey, request.idempotencyKey);
    const running = this.running.get(id);
    if (running) return running;
    this.running.set(id, request);
    return undefined;
  }

  release(request: InFlightRequest): void {
    const id = slot(request.publicKey, request.idempotencyKey);
    if (this.running.get(id) === request) this.running.delete(id);
  }

  /** The request running with this key, provided the caller presents the same secret (HMAC). */
  sameCaller(publicKey: string, idempotencyKey: string, secretHmac: string): InFlightRequest | undefined {
    const running = this.running.get(slot(publicKey, idempotencyKey));
    return running && hexDigestsEqual(running.secretHmac, secretHmac) ? running : undefined;
  }
}

const slot = (publicKey: string, idempotencyKey: string): string => `${publicKey}\n${idempotencyKey}`;
