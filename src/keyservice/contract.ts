// The key service's contract as TypeScript types, derived from the route schemas (schemas.ts)
// that fastify validates requests and serialises answers with. Clients (the rotator) import
// these types, and only types: a change to a schema changes them, so a client that reads a
// field the service no longer sends stops compiling instead of failing in production.
import type { FromSchema } from 'json-schema-to-ts';
import type { errorSchema, reportLeakSchema, verifySchema } from './schemas.js';

/** Every 4xx/5xx answer. */
export type ErrorAnswer = FromSchema<typeof errorSchema>;

/** POST /v1/leaks */
export type LeakReportRequest = FromSchema<(typeof reportLeakSchema)['body']>;
export type LeakReportAnswer = FromSchema<(typeof reportLeakSchema)['response'][200]>;
export type LeakLabelAnswer = NonNullable<LeakReportAnswer['label']>;

/** POST /v1/keys/verify */
export type VerifyRequest = FromSchema<(typeof verifySchema)['body']>;
export type VerifyAnswer = FromSchema<(typeof verifySchema)['response'][200]>;
