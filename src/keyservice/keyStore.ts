// Opens what the service keeps: the database (PostgreSQL or embedded PGlite, migrated) and
// the pepper that keys the secret HMACs. The pepper deliberately lives outside the database:
// a stolen dump alone does not let anyone test guesses against the stored HMACs.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPgDatabase, openPgliteDatabase, type Database } from './database.js';
import { KeyServiceError } from './errors.js';
import { migrate } from './migrations.js';

export interface KeyStore {
  readonly db: Database;
  readonly pepper: Buffer;
  close(): Promise<void>;
}

export interface OpenKeyStoreOptions {
  /** PostgreSQL connection string; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PostgreSQL schema to create and use. */
  schema?: string;
  /** PGlite data directory (also where a generated pepper is kept). Ignored with databaseUrl. */
  dataDir?: string;
  /** PGlite in memory with a random pepper: for tests and demos. */
  memory?: boolean;
  /** At least 32 characters. Defaults to KEYSERVICE_PEPPER. */
  pepper?: string;
  /** Allow PostgreSQL without a pepper by using a fixed, public development pepper. */
  insecureDevPepper?: boolean;
}

export const DEFAULT_DATA_DIR = '.keywarden-data';
const MIN_PEPPER_LENGTH = 32;
const INSECURE_DEV_PEPPER = 'keywarden-insecure-development-pepper-do-not-use';

export async function openKeyStore(options: OpenKeyStoreOptions = {}): Promise<KeyStore> {
  const pepper = resolvePepper(options);
  const embeddedDir = options.databaseUrl || options.memory ? undefined : (options.dataDir ?? DEFAULT_DATA_DIR);
  const unlock = embeddedDir ? lockDataDir(embeddedDir) : () => undefined;
  let db: Database;
  try {
    db = options.databaseUrl
      ? await openPgDatabase({ connectionString: options.databaseUrl, schema: options.schema })
      : await openPgliteDatabase(embeddedDir ? join(embeddedDir, 'pglite') : undefined);
  } catch (err) {
    unlock();
    throw err;
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    unlock();
    throw err;
  }
  return {
    db,
    pepper,
    async close() {
      try {
        await db.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * PGlite is a single-process database: a second process opening the same directory (say,
 * `keyservice grant` while the service runs) would corrupt it. A pid lock file prevents that;
 * a lock left by a process that died is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new KeyServiceError(500, 'DATA_DIR_IN_USE', `${dataDir} is in use by process ${holder}${holder === process.pid ? ' (this one)' : ''}; stop it first, or create keys through the running service (POST /v1/keys).`);
    }
    rmSync(file, { force: true });
  }
  throw new KeyServiceError(500, 'DATA_DIR_IN_USE', `Could not lock ${dataDir}; another process keeps taking it.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh in-memory store (PGlite, random pepper). */
export function openMemoryKeyStore(): Promise<KeyStore> {
  return openKeyStore({ memory: true, pepper: randomBytes(32).toString('hex') });
}

function resolvePepper(options: OpenKeyStoreOptions): Buffer {
  const given = options.pepper ?? process.env.KEYSERVICE_PEPPER;
  if (given !== undefined && given !== '') {
    if (given.length < MIN_PEPPER_LENGTH) {
      throw new KeyServiceError(500, 'PEPPER_REQUIRED', `KEYSERVICE_PEPPER must be at least ${MIN_PEPPER_LENGTH} characters; generate one with \`openssl rand -hex 32\`.`);
    }
    return Buffer.from(given, 'utf8');
  }
  if (options.memory) return randomBytes(32);
  if (options.databaseUrl) {
    if (options.insecureDevPepper) return Buffer.from(INSECURE_DEV_PEPPER, 'utf8');
    throw new KeyServiceError(500, 'PEPPER_REQUIRED', 'With DATABASE_URL, set KEYSERVICE_PEPPER (e.g. `openssl rand -hex 32`), or pass --insecure-dev-pepper for local development only.');
  }
  return dataDirPepper(options.dataDir ?? DEFAULT_DATA_DIR);
}

/** Reads the embedded mode's pepper, creating it (0600) on first start. */
function dataDirPepper(dataDir: string): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'pepper');
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}
