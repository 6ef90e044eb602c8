// The official SARIF 2.1.0 schema (shipped by @microsoft/jest-sarif) compiled with ajv.
// The file declares draft-04 but uses nothing that differs from draft-07 (no boolean
// exclusiveMinimum/Maximum), so declaring it draft-07 with `$id` for `id` is faithful.
// Its language pattern is not valid under the u flag, hence unicodeRegExp: false.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);

export function sarifValidator(): ValidateFunction {
  const path = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  expectNoDraft4Only(JSON.stringify(schema));
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  return ajv.compile(schema);
}

function expectNoDraft4Only(text: string): void {
  if (/"exclusive(Minimum|Maximum)"\s*:\s*(true|false)/.test(text)) throw new Error('schema uses draft-04 boolean exclusive bounds');
}
