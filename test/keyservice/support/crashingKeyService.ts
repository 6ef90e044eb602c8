// A key service process for the kill -9 test: it serves normally, except that the first roll
// stops inside its transaction (after the idempotency claim committed, before the roll
// commits), prints GATED and waits there until the test kills the process.
// Config (env): KS_DATABASE_URL + KS_SCHEMA, or KS_DATA_DIR; KEYSERVICE_PEPPER.
import { openKeyStore } from '../../../src/keyservice/keyStore.js';
import { startKeyService } from '../../../src/keyservice/server.js';
import type { Sql } from '../../../src/keyservice/database.js';

const store = await openKeyStore(
  process.env.KS_DATABASE_URL
    ? { databaseUrl: process.env.KS_DATABASE_URL, schema: process.env.KS_SCHEMA, pepper: process.env.KEYSERVICE_PEPPER }
    : { dataDir: process.env.KS_DATA_DIR, pepper: process.env.KEYSERVICE_PEPPER },
);
const db = store.db;
let gated = false;
const stuckForever = new Promise<never>(() => undefined);
const gatedDb = {
  ...db,
  kind: db.kind,
  query: db.query.bind(db),
  exec: db.exec.bind(db),
  close: db.close.bind(db),
  transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
    db.transaction((tx) =>
      fn({
        exec: (text: string) => tx.exec(text),
        query: async <R>(text: string, params?: unknown[]) => {
          if (!gated && text.includes("SET status = 'rolled'")) {
            gated = true;
            process.stdout.write('GATED\n');
            await stuckForever;
          }
          return tx.query<R>(text, params);
        },
      }),
    ),
};
const service = await startKeyService({ store: { ...store, db: gatedDb }, rateLimit: { maxFailures: 1000 } });
process.stdout.write(`URL ${service.url}\n`);
