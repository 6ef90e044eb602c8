// Shared by the attack suites: hashing a token as the scanner does, minting keys and accounts
// with an organization key, a store that records every SQL statement, and raw HTTP for
// requests that fetch() refuses to send.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { beforeAll, expect } from 'vitest';
import { grantKey } from '../../../src/keyservice/bootstrap.js';
import type { KeyStore } from '../../../src/keyservice/keyStore.js';
import { pairOf, type Harness, type Pair } from '../helpers.js';

export const sha = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface Minted {
  id: string;
  pair: Pair;
  body: Record<string, any>;
}

export async function mintKey(h: Harness, creds: Pair, body: Record<string, unknown>): Promise<Minted> {
  const res = await h.call('POST', '/v1/keys', { creds, body: { mode: 'live', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id, pair: pairOf(res.body), body: res.body };
}

export async function mintAccount(h: Harness, creds: Pair, name = 'shop'): Promise<string> {
  const res = await h.call('POST', '/v1/accounts', { creds, body: { name } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/**
 * The suite's rotation bot (an organization-wide leak-reports key, made before the tests) and
 * a leak report of `token`, by the bot or by `creds`.
 */
export function leakReporter(h: Harness) {
  let bot: Pair | undefined;
  beforeAll(async () => {
    const platform = await h.org();
    bot = pairOf(await grantKey(h.store, { organizationId: platform.organization.id, products: ['leak-reports'], name: 'rotation-bot', now: h.clock.now() }));
  });
  return (token: string, options: { creds?: Pair; sourceUrl?: string } = {}) => {
    const sourceUrl = options.sourceUrl ?? 'https://github.com/o/r/blob/x/a.env#L1';
    return h.call('POST', '/v1/leaks', { creds: options.creds ?? bot, body: { tokenHash: sha(token), sourceUrl, description: `found at ${sourceUrl}` } });
  };
}

export const statusOf = async (h: Harness, creds: Pair, id: string): Promise<string> =>
  (await h.call('GET', `/v1/keys/${id}`, { creds })).body.status;

/** The same store, recording the text of every statement (outside and inside transactions). */
export function recordingStore(store: KeyStore): { store: KeyStore; statements: string[] } {
  const statements: string[] = [];
  const db = {
    ...store.db,
    kind: store.db.kind,
    query: (text: string, params?: unknown[]) => {
      statements.push(text);
      return store.db.query(text, params);
    },
    exec: (text: string) => store.db.exec(text),
    transaction: <T>(fn: (tx: any) => Promise<T>) =>
      store.db.transaction((tx) =>
        fn({
          query: (text: string, params?: unknown[]) => {
            statements.push(text);
            return tx.query(text, params);
          },
          exec: (text: string) => tx.exec(text),
        }),
      ),
    close: () => store.db.close(),
  } as KeyStore['db'];
  return { store: { db, pepper: store.pepper, close: store.close } as KeyStore, statements };
}

/** Sends bytes as they are and returns the status and body of the answer. */
export function rawRequest(url: string, bytes: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0);
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      resolve({ status, body });
    });
  });
}

/** Every error answer is exactly `{code, message}`, whatever produced it. */
export function expectErrorShape(body: unknown, status: number): void {
  expect(body, `status ${status}`).toEqual({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) });
}
