// GitHub's REST contract, from its official OpenAPI description (@octokit/openapi). Loaded
// once per process (the file is ~70 MB), indexed by method + path template; schemas are
// compiled lazily per operation and cached. Used by the GitHub stand-in to reject any
// request that GitHub itself would reject.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: object;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: object }> };
}
interface Route {
  method: string;
  template: string;
  segments: string[];
  literalCount: number;
  op: Operation;
}

export interface OperationMatch {
  operationId: string;
  template: string;
  params: Record<string, string>;
  op: Operation;
}

let routes: Route[] | null = null;
const bodyValidators = new Map<string, ValidateFunction | null>();
const paramValidators = new Map<string, ValidateFunction>();

function makeAjv(coerce: boolean): Ajv {
  // OpenAPI 3.0 schemas carry `nullable`, `example`, `x-github`: not strict JSON Schema.
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: coerce ? 'array' : false, logger: false });
  addFormats(ajv);
  for (const f of ['int64', 'int32', 'double', 'timestamp', 'repo.nwo', 'binary']) ajv.addFormat(f, true);
  return ajv;
}
const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

function loadRoutes(): Route[] {
  if (routes) return routes;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.deref.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const out: Route[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const segments = template.split('/').slice(1);
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !('operationId' in op)) continue;
      out.push({ method: method.toUpperCase(), template, segments, literalCount: segments.filter((s) => !s.startsWith('{')).length, op });
    }
  }
  // A literal segment beats a parameter: /pulls/comments must not match /pulls/{pull_number}.
  out.sort((a, b) => b.literalCount - a.literalCount);
  routes = out;
  return out;
}

/** Finds the operation for a request path (without query string), or null when GitHub has none. */
export function matchOperation(method: string, pathname: string): OperationMatch | null {
  const parts = pathname.split('/').slice(1);
  for (const r of loadRoutes()) {
    if (r.method !== method.toUpperCase() || r.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = r.segments[i];
      if (seg.startsWith('{')) {
        if (parts[i] === '') ok = false;
        else params[seg.slice(1, -1)] = decodeURIComponent(parts[i]);
      } else if (seg !== parts[i]) ok = false;
    }
    if (ok) return { operationId: r.op.operationId, template: r.template, params, op: r.op };
  }
  return null;
}

/**
 * OpenAPI 3.0 `nullable` is not JSON Schema: rewrite it as a `null` type (or drop it where no
 * type is given) so Ajv checks what GitHub means. Copies; the loaded spec stays untouched.
 */
function toJsonSchema(node: unknown, seen = new Map<object, unknown>()): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, seen));
  if (!node || typeof node !== 'object') return node;
  if (seen.has(node)) return seen.get(node);
  const out: Record<string, unknown> = {};
  seen.set(node, out);
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable' || k === 'example' || k === 'examples') continue;
    out[k] = k === 'enum' || k === 'required' || k === 'default' ? v : toJsonSchema(v, seen);
  }
  const n = node as { nullable?: boolean; type?: string | string[]; enum?: unknown[] };
  if (n.nullable && typeof n.type === 'string') {
    out.type = [n.type, 'null'];
    if (n.enum && !n.enum.includes(null)) out.enum = [...n.enum, null];
  }
  return out;
}

function paramValidator(opId: string, p: Parameter): ValidateFunction {
  const key = `${opId}:${p.in}:${p.name}`;
  let v = paramValidators.get(key);
  if (!v) {
    v = paramAjv.compile({ type: 'object', properties: { value: toJsonSchema(p.schema ?? {}) as object } });
    paramValidators.set(key, v);
  }
  return v;
}

function bodyValidator(m: OperationMatch): ValidateFunction | null {
  if (!bodyValidators.has(m.operationId)) {
    const schema = m.op.requestBody?.content['application/json']?.schema;
    bodyValidators.set(m.operationId, schema ? bodyAjv.compile(toJsonSchema(schema) as object) : null);
  }
  return bodyValidators.get(m.operationId) ?? null;
}

/** Every way the request breaks GitHub's contract; empty when GitHub would accept it. */
export function validateRequest(m: OperationMatch, query: URLSearchParams, body: unknown): string[] {
  const problems: string[] = [];
  const declared = m.op.parameters ?? [];
  for (const p of declared) {
    if (p.in === 'path') {
      const data = { value: m.params[p.name] };
      const v = paramValidator(m.operationId, p);
      if (!v(data)) problems.push(`path parameter ${p.name}: ${bodyAjv.errorsText(v.errors)}`);
    } else if (p.in === 'query') {
      const raw = query.get(p.name);
      if (raw === null) {
        if (p.required) problems.push(`missing required query parameter ${p.name}`);
        continue;
      }
      const v = paramValidator(m.operationId, p);
      if (!v({ value: raw })) problems.push(`query parameter ${p.name}=${raw}: ${bodyAjv.errorsText(v.errors)}`);
    }
  }
  for (const name of query.keys()) {
    if (!declared.some((p) => p.in === 'query' && p.name === name)) problems.push(`unknown query parameter ${name}`);
  }
  const spec = m.op.requestBody;
  if (body === undefined) {
    if (spec?.required) problems.push('missing required JSON body');
  } else if (!spec) {
    if (!(typeof body === 'object' && body !== null && Object.keys(body).length === 0)) problems.push('operation takes no body');
  } else {
    const v = bodyValidator(m);
    if (v && !v(body)) problems.push(`body: ${bodyAjv.errorsText(v.errors, { dataVar: 'body' })}`);
  }
  return problems;
}

interface ResponseSpec {
  content?: Record<string, { schema?: object }>;
}
const responseValidators = new Map<string, ValidateFunction | null>();

/**
 * Every way a JSON answer breaks GitHub's documented response for this operation and status
 * (empty when it conforms): the stand-in checks its own answers with it, where a client reads
 * fields of them (a files list's patches, a 422's errors), so it cannot answer what GitHub never would.
 */
export function validateResponse(m: OperationMatch, status: number, body: unknown): string[] {
  const key = `${m.operationId}:${status}`;
  if (!responseValidators.has(key)) {
    const responses = (m.op as Operation & { responses?: Record<string, ResponseSpec> }).responses ?? {};
    const schema = responses[String(status)]?.content?.['application/json']?.schema;
    responseValidators.set(key, schema ? bodyAjv.compile(toJsonSchema(schema) as object) : null);
  }
  const v = responseValidators.get(key);
  if (v === null) return [`GitHub documents no JSON answer ${status} for ${m.operationId}`];
  return v && !v(body) ? [`answer ${status}: ${bodyAjv.errorsText(v.errors, { dataVar: 'body' })}`] : [];
}
