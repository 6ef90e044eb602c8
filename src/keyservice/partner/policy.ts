// The organization's own settings: GET /v1/organizations/me, and PATCH it to choose what
// GitHub's secret-scanning reports do to an active secret key (githubPartnerPolicy).
import { requireOrganizationReach } from '../access.js';
import type { Sql } from '../database.js';
import { KeyServiceError } from '../errors.js';
import type { KeyRow } from '../keyModel.js';
import type { Outcome } from '../keyOperations.js';
import { errorSchema } from '../schemas.js';

export type GitHubPartnerPolicy = 'revoke' | 'roll';

interface OrganizationRow {
  id: string;
  name: string;
  github_partner_policy: GitHubPartnerPolicy;
  created_at: Date;
}

const organizationView = (o: OrganizationRow) => ({
  id: o.id,
  object: 'organization' as const,
  name: o.name,
  githubPartnerPolicy: o.github_partner_policy,
  createdAt: o.created_at.toISOString(),
});

export async function getOrganization(sql: Sql, caller: KeyRow): Promise<Outcome> {
  const rows = await sql.query<OrganizationRow>('SELECT * FROM organizations WHERE id = $1', [caller.organization_id]);
  return { status: 200, body: organizationView(rows[0]) };
}

/**
 * The policy decides what happens to every key of the organization, in both modes, so only a
 * key that could act on all of them may change it: a live organization key with every product
 * and every account.
 */
export async function updateOrganization(tx: Sql, caller: KeyRow, body: { githubPartnerPolicy?: GitHubPartnerPolicy }): Promise<Outcome> {
  if (caller.mode !== 'live') throw new KeyServiceError(403, 'MODE_MISMATCH', 'Organization settings cover live keys too; change them with a live key.');
  requireOrganizationReach(caller);
  if (caller.level !== 'organization' || caller.products !== null) {
    throw new KeyServiceError(403, 'FORBIDDEN_PRODUCT', 'Organization settings cover every key; change them with an organization key that has every product.');
  }
  const rows = await tx.query<OrganizationRow>(
    'UPDATE organizations SET github_partner_policy = COALESCE($2, github_partner_policy) WHERE id = $1 RETURNING *',
    [caller.organization_id, body.githubPartnerPolicy ?? null],
  );
  return { status: 200, body: organizationView(rows[0]) };
}

const organization = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string' },
    name: { type: 'string' },
    githubPartnerPolicy: { type: 'string', enum: ['revoke', 'roll'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const getOrganizationSchema = { response: { 200: organization, '4xx': errorSchema, '5xx': errorSchema } } as const;

export const updateOrganizationSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { githubPartnerPolicy: { type: 'string', enum: ['revoke', 'roll'] } },
  },
  response: { 200: organization, '4xx': errorSchema, '5xx': errorSchema },
} as const;
