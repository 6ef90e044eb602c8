// Allowlists, global and per rule, with gitleaks' semantics: condition OR allows a finding
// when any given criterion matches; AND only when every given criterion matches.
import { createRequire } from 'node:module';
import type { Minimatch } from 'minimatch';
import type RE2 from 're2';
import { compileTester } from './regex.js';
import type { AllowlistConfig } from './ruleConfig.js';

export interface AllowCandidate {
  path: string;
  commit?: string;
  secret: string;
  match: string;
  /** Read lazily: only allowlists that target lines pay for extracting one. */
  line: () => string;
}

// minimatch takes 15-20 ms to load, as long as the rest of a pre-commit run, and most runs
// never test a glob (built-in rules only do for a candidate finding), so it is required on
// first use rather than imported.
let MinimatchClass: typeof Minimatch | undefined;

export function compileGlob(glob: string): Minimatch {
  MinimatchClass ??= (createRequire(import.meta.url)('minimatch') as typeof import('minimatch')).Minimatch;
  // A glob without a slash (`*.lock`) matches the file name anywhere, like .gitignore.
  return new MinimatchClass(glob, { dot: true, matchBase: !glob.includes('/') });
}

export class CompiledAllowlist {
  private readonly regexes: RE2[];
  private readonly paths: RE2[];
  private readonly globSources: string[];
  private compiledGlobs?: Minimatch[];
  private readonly commits: Set<string>;
  private readonly stopwords: string[];
  private readonly and: boolean;
  private readonly target: AllowlistConfig['regexTarget'];

  constructor(c: AllowlistConfig) {
    this.regexes = c.regexes.map(compileTester);
    this.paths = c.paths.map(compileTester);
    this.globSources = c.globs;
    this.commits = new Set(c.commits);
    this.stopwords = c.stopwords;
    this.and = c.condition === 'AND';
    this.target = c.regexTarget;
  }

  private get globs(): Minimatch[] {
    return (this.compiledGlobs ??= this.globSources.map(compileGlob));
  }

  /** True when this allowlist only looks at paths and commits: it can drop whole fragments. */
  get pathOnly(): boolean {
    return this.regexes.length === 0 && this.stopwords.length === 0 && (this.paths.length > 0 || this.globSources.length > 0 || this.commits.size > 0);
  }

  pathAllowed(path: string): boolean {
    return this.paths.some((r) => r.test(path)) || this.globs.some((g) => g.match(path));
  }

  commitAllowed(commit?: string): boolean {
    return commit !== undefined && this.commits.has(commit);
  }

  allows(c: AllowCandidate): boolean {
    const checks: Array<() => boolean> = [];
    if (this.commits.size > 0) checks.push(() => this.commitAllowed(c.commit));
    if (this.paths.length > 0 || this.globSources.length > 0) checks.push(() => this.pathAllowed(c.path));
    if (this.regexes.length > 0) {
      checks.push(() => {
        const subject = this.target === 'secret' ? c.secret : this.target === 'match' ? c.match : c.line();
        return this.regexes.some((r) => r.test(subject));
      });
    }
    if (this.stopwords.length > 0) {
      checks.push(() => {
        const lower = c.secret.toLowerCase();
        return this.stopwords.some((w) => lower.includes(w));
      });
    }
    if (checks.length === 0) return false;
    return this.and ? checks.every((f) => f()) : checks.some((f) => f());
  }
}
