// POST /v1/github/secret-scanning: GitHub's secret-scanning partner endpoint. It sits outside
// the /v1 credential check (GitHub has no key-service key; its signature is the credential),
// and reads the body as raw bytes so the signature is checked over exactly what GitHub signed,
// before any JSON parsing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KeyStore } from '../keyStore.js';
import { errorSchema } from '../schemas.js';
import type { GitHubSigningKeys } from './githubKeys.js';
import { handleMatches, parseMatches, PARTNER_PATH } from './secretScanning.js';
import { KEY_IDENTIFIER_HEADER, KEY_SIGNATURE_HEADER, verifyGitHubSignature } from './signature.js';

/** 1,000 matches with long URLs are ~0.5 MB; 8 MB leaves GitHub room without inviting abuse. */
export const PARTNER_BODY_LIMIT = 8 * 1024 * 1024;

export interface PartnerRouteContext {
  store: KeyStore;
  keys: GitHubSigningKeys;
  graceSeconds: number;
  idempotencyStaleSeconds: number;
  now: () => Date;
}

const feedbackSchema = {
  response: {
    200: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          token_hash: { type: 'string' },
          token_type: { type: 'string' },
          label: { type: 'string', enum: ['true_positive', 'false_positive'] },
        },
      },
    },
    '4xx': errorSchema,
    '5xx': errorSchema,
  },
} as const;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export async function registerGitHubPartnerRoutes(app: FastifyInstance, ctx: PartnerRouteContext): Promise<void> {
  // Every content type arrives as bytes: nothing is parsed before the signature is checked.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PARTNER_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post(PARTNER_PATH, { bodyLimit: PARTNER_BODY_LIMIT, schema: feedbackSchema }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    await verifyGitHubSignature(ctx.keys, raw, header(request, KEY_IDENTIFIER_HEADER), header(request, KEY_SIGNATURE_HEADER));
    const matches = parseMatches(raw);
    const now = ctx.now();
    const feedback = await handleMatches(
      {
        db: ctx.store.db,
        pepper: ctx.store.pepper,
        graceSeconds: ctx.graceSeconds,
        idempotencyStaleSeconds: ctx.idempotencyStaleSeconds,
        now,
        parallel: ctx.store.db.kind === 'pg' ? 4 : 1,
      },
      matches,
    );
    return reply.code(200).send(feedback);
  });
}
