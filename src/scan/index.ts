// The engine's public API. The CLI, the GitHub App and the benchmarks code against this.
export * from './types.js';
export { revealSecret } from './secret.js';
export { blockingFindings, isBlocking } from './blocking.js';
export type { BlockingPolicy } from './blocking.js';
export { RuleLoadError } from './errors.js';
export { parseRuleFile } from './ruleConfig.js';
export type { ParseRuleFileOptions, RuleConfig, RuleExamples, RuleFileConfig } from './ruleConfig.js';
export { parseAllowlist } from './parseAllowlist.js';
export type { AllowlistConfig, ParseAllowlistOptions } from './parseAllowlist.js';
export { buildRuleSet, CompiledRule } from './ruleSet.js';
export type { BuildRuleSetOptions, RuleSet } from './ruleSet.js';
export { Scanner, DEFAULT_MAX_FRAGMENT_BYTES } from './scanner.js';
export type { FragmentScan, ScannerOptions } from './scanner.js';
export { fingerprintOf, redact, hashSecret } from './fingerprint.js';
export { isBinary } from './binary.js';
export { shannonEntropy } from './entropy.js';
export { ParallelScanner, WorkerUnavailableError } from './parallelScanner.js';
export type { PoolOptions, RuleSource } from './parallelScanner.js';
