// Errors a user meets when a rule file (built-in or their own config) is wrong.
// The message always names the file, the rule (when there is one) and what to fix.

export class RuleLoadError extends Error {
  readonly code = 'INVALID_RULES';
  readonly file: string;
  readonly ruleId?: string;
  /** What is wrong, without the file and rule (for callers that name the place themselves). */
  readonly problem: string;

  constructor(file: string, problem: string, ruleId?: string) {
    super(`${file}: ${ruleId !== undefined ? `rule "${ruleId}": ` : ''}${problem}`);
    this.name = 'RuleLoadError';
    this.file = file;
    this.ruleId = ruleId;
    this.problem = problem;
  }
}
