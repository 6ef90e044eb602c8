// JSON schemas of every route: fastify validates requests with them and serialises
// responses through them, so a field not listed here never leaves the service.
import { PRODUCTS } from './keyModel.js';

/**
 * Every request string that can reach SQL carries this pattern: PostgreSQL text cannot hold
 * U+0000, and the 500 it caused made the rotation bot retry. server.ts words its error.
 */
export const NO_NUL = '^[^\\u0000]*$';
const text = (minLength: number, maxLength: number) => ({ type: 'string', minLength, maxLength, pattern: NO_NUL }) as const;
const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const isoDate = { type: 'string', format: 'date-time' } as const;
const nullableDate = { type: ['string', 'null'], format: 'date-time' } as const;
const id = text(1, 100);
const product = { type: 'string', enum: PRODUCTS } as const;

export const errorSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: str, message: str },
} as const;

const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

const keyViewProperties = {
  id: str,
  object: str,
  organizationId: str,
  accountId: nullableStr,
  level: { type: 'string', enum: ['organization', 'account'] },
  mode: { type: 'string', enum: ['test', 'live'] },
  name: nullableStr,
  member: nullableStr,
  customized: { type: 'boolean' },
  products: { type: ['array', 'null'], items: str },
  accounts: { type: ['array', 'null'], items: str },
  publicKey: str,
  secretPreview: str,
  status: { type: 'string', enum: ['active', 'rolled', 'revoked', 'expired'] },
  createdAt: isoDate,
  expiresAt: nullableDate,
  rolledAt: nullableDate,
  graceUntil: nullableDate,
  revokedAt: nullableDate,
  replacedBy: nullableStr,
} as const;

const keyView = { type: 'object', properties: keyViewProperties } as const;
const issuedKey = { type: 'object', properties: { ...keyViewProperties, secretKey: str } } as const;

const account = {
  type: 'object',
  properties: { id: str, object: str, organizationId: str, mode: str, name: str, createdAt: isoDate },
} as const;

const list = (items: object) => ({ type: 'object', properties: { object: str, data: { type: 'array', items } } }) as const;
const idParams = { type: 'object', required: ['id'], properties: { id } } as const;

export const createAccountSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: text(1, 200) },
  },
  response: { 201: account, ...errorResponses },
} as const;

export const listAccountsSchema = { response: { 200: list(account), ...errorResponses } } as const;

export const createKeySchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['level', 'mode'],
    properties: {
      level: { type: 'string', enum: ['organization', 'account'] },
      accountId: id,
      mode: { type: 'string', enum: ['test', 'live'] },
      name: text(1, 200),
      member: text(1, 200),
      products: { type: 'array', minItems: 1, maxItems: 50, items: product },
      accounts: { type: 'array', minItems: 1, maxItems: 1000, items: id },
      expiresAt: isoDate,
    },
  },
  response: { 201: issuedKey, ...errorResponses },
} as const;

export const listKeysSchema = { response: { 200: list(keyView), ...errorResponses } } as const;
export const getKeySchema = { params: idParams, response: { 200: keyView, ...errorResponses } } as const;
export const deleteKeySchema = getKeySchema;

export const rollKeySchema = {
  params: idParams,
  response: {
    200: {
      type: 'object',
      properties: {
        ...keyViewProperties,
        secretKey: str,
        previous: { type: 'object', properties: { id: str, expiresAt: isoDate } },
      },
    },
    ...errorResponses,
  },
} as const;

export const verifySchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      token: text(1, 200),
      tokenHash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        known: { type: 'boolean' },
        wellFormed: { type: 'boolean' },
        kind: { type: 'string', enum: ['public', 'secret'] },
        mode: str,
        level: str,
        status: { type: 'string', enum: ['active', 'grace', 'revoked', 'expired'] },
        graceUntil: isoDate,
        expiresAt: isoDate,
        rolledAt: isoDate,
        replacedBy: str,
        keyId: str,
        name: nullableStr,
        organizationId: str,
        accountId: nullableStr,
      },
    },
    ...errorResponses,
  },
} as const;

export const reportLeakSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['tokenHash', 'sourceUrl', 'description'],
    properties: {
      tokenHash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
      sourceUrl: text(1, 2048),
      description: text(0, 2000),
      action: { type: 'string', enum: ['roll', 'revoke'] },
    },
  },
  response: {
    200: {
      type: 'object',
      properties: {
        incidentId: str,
        label: { type: 'string', enum: ['rolled', 'already_rolled', 'revoked', 'revoked_now', 'expired', 'public', 'unknown'] },
        tokenHash: str,
        keyId: str,
        name: nullableStr,
        organizationId: str,
        accountId: nullableStr,
        mode: str,
        kind: str,
        newKeyId: nullableStr,
        rolledAt: isoDate,
        previousExpiresAt: isoDate,
        graceUntil: isoDate,
        revokedAt: isoDate,
        expiredAt: isoDate,
      },
    },
    ...errorResponses,
  },
} as const;

export const listLeaksSchema = {
  response: {
    200: list({
      type: 'object',
      properties: {
        id: str,
        label: str,
        tokenHash: str,
        sourceUrl: str,
        description: str,
        keyId: nullableStr,
        keyOrganizationId: nullableStr,
        mode: nullableStr,
        newKeyId: nullableStr,
        keyStopsAt: nullableDate,
        source: nullableStr,
        reportedBy: str,
        createdAt: isoDate,
      },
    }),
    ...errorResponses,
  },
} as const;
