// The checks every config reader shares (rule files, allowlists wherever they come from): each
// failure is a RuleLoadError naming the file, the rule when there is one, and what to fix.
import { RuleLoadError } from './errors.js';
import { checkRegex } from './regex.js';

export type Table = Record<string, unknown>;

/** Reads one table of a config, failing with a RuleLoadError that names file, rule and problem. */
export class Checker {
  constructor(readonly file: string, readonly ruleId?: string) {}

  fail(problem: string): never {
    throw new RuleLoadError(this.file, problem, this.ruleId);
  }

  table(v: unknown, where: string): Table {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) this.fail(`${where} must be a table`);
    return v as Table;
  }

  keys(t: Table, allowed: Set<string>, where: string): void {
    for (const k of Object.keys(t)) {
      if (!allowed.has(k)) this.fail(`unknown key "${k}" in ${where} (allowed: ${[...allowed].join(', ')})`);
    }
  }

  str(v: unknown, key: string): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(`"${key}" must be a string`);
    return v;
  }

  strings(v: unknown, key: string): string[] {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(`"${key}" must be an array of strings`);
    return v as string[];
  }

  num(v: unknown, key: string): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' && typeof v !== 'bigint') this.fail(`"${key}" must be a number`);
    return Number(v);
  }

  bool(v: unknown, key: string): boolean {
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(`"${key}" must be true or false`);
    return v;
  }

  regex(src: string, key: string, compile: boolean): string {
    if (!compile) return src;
    const problem = checkRegex(src);
    if (problem) this.fail(`${key} does not compile: ${problem}`);
    return src;
  }
}
