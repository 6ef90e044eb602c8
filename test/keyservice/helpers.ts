// Shared by the key-service suites: the two storage backends every API suite runs against,
// a small HTTP client, and a settable clock.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openKeyStore, openMemoryKeyStore, type KeyStore } from '../../src/keyservice/keyStore.js';
import { startKeyService, type RunningKeyService, type StartKeyServiceOptions } from '../../src/keyservice/server.js';
import { createOrganizationWithKey, type IssuedCredentials } from '../../src/keyservice/bootstrap.js';

export interface Backend {
  name: 'pglite' | 'postgres';
  open(): Promise<KeyStore>;
  /** Drops what open() created. */
  cleanup(): Promise<void>;
}

const PG_USERS = ['postgres', 'root'];

export async function findPostgresUrl(): Promise<string> {
  for (const user of PG_USERS) {
    const url = `postgres://${user}@127.0.0.1:5432/test`;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return url;
    } catch {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error('PostgreSQL at 127.0.0.1:5432 (database test, user postgres or root) is not reachable');
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

export function backends(fileTag: string): Backend[] {
  const schema = `ks_${fileTag}_${process.pid}_${randomBytes(3).toString('hex')}`;
  let url: string | undefined;
  return [
    { name: 'pglite', open: () => openMemoryKeyStore(), cleanup: async () => undefined },
    {
      name: 'postgres',
      async open() {
        url = await findPostgresUrl();
        return openKeyStore({ databaseUrl: url, schema, pepper: randomBytes(32).toString('hex') });
      },
      async cleanup() {
        if (url) await dropSchema(url, schema);
      },
    },
  ];
}

export class Clock {
  constructor(public t = Date.parse('2026-01-01T00:00:00.000Z')) {}
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface Pair {
  publicKey: string;
  secretKey: string;
}

export interface CallOptions {
  creds?: Pair | null;
  body?: unknown;
  rawBody?: string;
  idem?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  body: any;
  headers: Headers;
}

export function clientFor(url: string) {
  return async function call(method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.creds) {
      headers['public-api-key'] = options.creds.publicKey;
      headers['private-secret-key'] = options.creds.secretKey;
    }
    if (options.idem) headers['x-idempotency-key'] = options.idem;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}
export type Call = ReturnType<typeof clientFor>;

/** A started service on a backend, with a fresh organization per call of `org()`. */
export interface Harness {
  service: RunningKeyService;
  store: KeyStore;
  clock: Clock;
  call: Call;
  org(mode?: 'test' | 'live'): Promise<IssuedCredentials & { creds: Pair }>;
  close(): Promise<void>;
}

export async function startHarness(backend: Backend, options: Partial<StartKeyServiceOptions> = {}): Promise<Harness> {
  const store = await backend.open();
  const clock = new Clock();
  const service = await startKeyService({
    store,
    now: clock.now,
    graceSeconds: 43_200,
    rateLimit: { maxFailures: 1_000 },
    ...options,
  });
  return {
    service,
    store,
    clock,
    call: clientFor(service.url),
    async org(mode = 'live') {
      const issued = await createOrganizationWithKey(store, { name: `org-${randomUUID().slice(0, 8)}`, mode, now: clock.now() });
      return { ...issued, creds: { publicKey: issued.key.publicKey, secretKey: issued.key.secretKey } };
    },
    async close() {
      await service.close();
      await store.close();
    },
  };
}

/**
 * A harness for the enclosing suite: started before its tests, closed (with the backend's
 * data) after them. The returned object forwards to the running harness, so tests use it
 * like a Harness.
 */
export function harnessFor(backend: Backend, options: Partial<StartKeyServiceOptions> = {}): Harness {
  let running: Harness | undefined;
  beforeAll(async () => {
    running = await startHarness(backend, options);
  });
  afterAll(async () => {
    await running?.close();
    await backend.cleanup();
  });
  return new Proxy({} as Harness, {
    get(_, member) {
      if (!running) throw new Error('the key-service harness is not running: use it inside a test or hook');
      const value = running[member as keyof Harness];
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}

export const pairOf = (body: { publicKey: string; secretKey: string }): Pair => ({ publicKey: body.publicKey, secretKey: body.secretKey });

/** The same store, but queries matching `fail` throw while `armed` is true (fault injection). */
export function faultyStore(store: KeyStore, fail: (sql: string) => boolean) {
  const state = { armed: false };
  const check = (text: string) => {
    if (state.armed && fail(text)) throw new Error('injected database failure');
  };
  const wrap = <T extends { query: KeyStore['db']['query'] }>(sql: T): T =>
    ({
      ...sql,
      query: (text: string, params?: unknown[]) => {
        check(text);
        return sql.query(text, params);
      },
    }) as T;
  const db = {
    ...store.db,
    kind: store.db.kind,
    query: (text: string, params?: unknown[]) => {
      check(text);
      return store.db.query(text, params);
    },
    exec: (text: string) => store.db.exec(text),
    transaction: <T>(fn: (tx: any) => Promise<T>) => store.db.transaction((tx) => fn(wrap(tx))),
    close: () => store.db.close(),
  } as KeyStore['db'];
  return { store: { db, pepper: store.pepper, close: store.close } as KeyStore, state };
}

/** The same store, but the first query matching `match` inside a transaction waits for `release()`. */
export function gatedStore(store: KeyStore, match: (sql: string) => boolean) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let signal!: () => void;
  const reached = new Promise<void>((resolve) => (signal = resolve));
  let used = false;
  const db = {
    ...store.db,
    kind: store.db.kind,
    query: (text: string, params?: unknown[]) => store.db.query(text, params),
    exec: (text: string) => store.db.exec(text),
    transaction: <T>(fn: (tx: any) => Promise<T>) =>
      store.db.transaction((tx) =>
        fn({
          ...tx,
          query: async (text: string, params?: unknown[]) => {
            if (!used && match(text)) {
              used = true;
              signal();
              await gate;
            }
            return tx.query(text, params);
          },
          exec: (text: string) => tx.exec(text),
        }),
      ),
    close: () => store.db.close(),
  } as KeyStore['db'];
  return { store: { db, pepper: store.pepper, close: store.close } as KeyStore, reached, release: () => open() };
}
