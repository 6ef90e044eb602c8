// What the partner endpoint does with a verified batch: each match goes through the same
// path as a leak report (recordLeak), in its own transaction, under the same idempotency
// guard. The idempotency key is derived from the token's SHA-256 and the URL, so GitHub
// redelivering a batch (or sending the same match again) changes nothing twice.
import { createHash } from 'node:crypto';
import type { Database } from '../database.js';
import { KeyServiceError, validationFailed } from '../errors.js';
import { sha256Hex } from '../hashing.js';
import { runIdempotent } from '../idempotency.js';
import { recordLeak, type Reporter } from '../leakReports.js';
import { knownHashes, recordUnknownMatches } from './unknownMatches.js';

export const PARTNER_PATH = '/v1/github/secret-scanning';
/** The idempotency scope of GitHub's requests (they carry no key-service credential). */
export const GITHUB_CREDENTIAL_ID = 'github-secret-scanning';
export const MAX_MATCHES = 10_000;
const MAX_FIELD = 4_096;

export interface SecretScanningMatch {
  token: string;
  type: string;
  url: string;
  source: string;
}

export type FeedbackLabel = 'true_positive' | 'false_positive';

/** GitHub's false-positive feedback format, hashed form (a token is never echoed). */
export interface Feedback {
  token_hash: string;
  token_type: string;
  label: FeedbackLabel;
}

const GITHUB: Reporter = { key: null, reportedBy: 'github', policy: 'github' };

/** Parses the body only after its signature has been verified. */
export function parseMatches(raw: Buffer): SecretScanningMatch[] {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw validationFailed('The request body is not valid JSON; GitHub sends a JSON array of {token, type, url, source}.');
  }
  if (!Array.isArray(body)) throw validationFailed('The request body must be a JSON array of {token, type, url, source}.');
  if (body.length > MAX_MATCHES) throw validationFailed(`At most ${MAX_MATCHES} matches per request.`);
  return body.map((item: unknown, i) => {
    const m = (item ?? {}) as Record<string, unknown>;
    if (typeof m.token !== 'string' || m.token.length === 0 || m.token.length > MAX_FIELD) throw validationFailed(`Match ${i}: token must be a non-empty string.`);
    if (typeof m.type !== 'string' || m.type.length > 200) throw validationFailed(`Match ${i}: type must be a string.`);
    // GitHub documents url as "may be empty", and source as optional in older payloads.
    if (m.url !== undefined && m.url !== null && (typeof m.url !== 'string' || m.url.length > MAX_FIELD)) throw validationFailed(`Match ${i}: url must be a string.`);
    if (m.source !== undefined && m.source !== null && (typeof m.source !== 'string' || m.source.length > 100)) throw validationFailed(`Match ${i}: source must be a string.`);
    // PostgreSQL text cannot hold U+0000: a 500 would make GitHub retry the batch forever.
    if ([m.type, m.url, m.source].some((v) => typeof v === 'string' && v.includes('\u0000'))) throw validationFailed(`Match ${i}: type, url and source must not contain the NUL character (\\u0000).`);
    return { token: m.token, type: m.type, url: (m.url as string | undefined) ?? '', source: ((m.source as string | undefined) ?? 'unknown').toLowerCase() };
  });
}

/** A UUID-shaped idempotency key (the records table keys on a uuid) from hash and URL. */
export function matchIdempotencyKey(tokenHash: string, url: string): string {
  const h = createHash('sha256').update(`github-secret-scanning\n${tokenHash}\n${url}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface BatchContext {
  db: Database;
  pepper: Buffer;
  graceSeconds: number;
  idempotencyStaleSeconds: number;
  now: Date;
  /** Matches handled at once (PostgreSQL pool connections used). */
  parallel?: number;
}

export async function handleMatches(ctx: BatchContext, matches: SecretScanningMatch[]): Promise<Feedback[]> {
  const hashes = matches.map((m) => sha256Hex(m.token));
  // The same (token, url) twice in one batch is one match: running it twice at once would
  // only meet its own in-process idempotency record.
  const keys = matches.map((m, i) => matchIdempotencyKey(hashes[i], m.url));
  const seen = new Set<string>();
  const unique: Array<{ key: string; hash: string; match: SecretScanningMatch }> = [];
  matches.forEach((match, i) => {
    if (seen.has(keys[i])) return;
    seen.add(keys[i]);
    unique.push({ key: keys[i], hash: hashes[i], match });
  });
  const results = new Map<string, FeedbackLabel>();
  // Tokens that are no key of ours: recorded in bulk (see unknownMatches.ts), false positives.
  const known = await knownHashes(ctx.db, [...new Set(hashes)]);
  const unknown = unique.filter((u) => !known.has(u.hash));
  await recordUnknownMatches(
    { db: ctx.db, credentialId: GITHUB_CREDENTIAL_ID, path: PARTNER_PATH, now: ctx.now },
    unknown.map((u) => ({ idempotencyKey: u.key, tokenHash: u.hash, sourceUrl: u.match.url, source: u.match.source, description: describe(u.match) })),
  );
  for (const u of unknown) results.set(u.key, 'false_positive');
  // Our keys: each through the leak-report path, in its own transaction and idempotency guard.
  const mine = unique.filter((u) => known.has(u.hash));
  let next = 0;
  const worker = async () => {
    while (next < mine.length) {
      const item = mine[next++];
      results.set(item.key, await handleMatch(ctx, item.key, item.hash, item.match));
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.parallel ?? 1, mine.length) }, worker));
  return matches.map((m, i) => ({
    token_hash: hashes[i],
    token_type: m.type,
    label: results.get(keys[i]) as FeedbackLabel,
  }));
}

async function handleMatch(ctx: BatchContext, idempotencyKey: string, hash: string, match: SecretScanningMatch): Promise<FeedbackLabel> {
  try {
    const outcome = await runIdempotent(
      {
        db: ctx.db,
        credentialId: GITHUB_CREDENTIAL_ID,
        // Sealing only applies to responses carrying a new secret; these never do.
        callerSecret: GITHUB_CREDENTIAL_ID,
        idempotencyKey,
        method: 'POST',
        path: PARTNER_PATH,
        now: ctx.now,
        staleSeconds: ctx.idempotencyStaleSeconds,
      },
      (tx) =>
        recordLeak(
          tx,
          ctx.pepper,
          GITHUB,
          { tokenHash: hash, sourceUrl: match.url, source: match.source, description: describe(match) },
          ctx.now,
          ctx.graceSeconds,
        ),
    );
    return labelOf(outcome.body.label);
  } catch (err) {
    // A concurrent redelivery is acting on this match right now: answer from what exists.
    if (err instanceof KeyServiceError && err.code === 'REQUEST_IN_PROCESS') return labelFromLookup(ctx.db, hash);
    throw err;
  }
}

const describe = (match: SecretScanningMatch): string => `GitHub secret scanning found a ${match.type} match (${match.source}).`;

/** true_positive for a key that exists, whatever its state; false_positive for public keys and unknown tokens. */
function labelOf(label: unknown): FeedbackLabel {
  return label === 'public' || label === 'unknown' ? 'false_positive' : 'true_positive';
}

async function labelFromLookup(db: Database, hash: string): Promise<FeedbackLabel> {
  const rows = await db.query('SELECT 1 FROM api_keys WHERE secret_sha256 = $1', [hash]);
  return rows.length > 0 ? 'true_positive' : 'false_positive';
}
