// Messages between ParallelScanner and its workers (structured-clone data only).
import type { RuleFileConfig } from './ruleConfig.js';
import type { Finding, Fragment, SkippedFragment } from './types.js';

export interface WorkerOptions {
  maxFragmentBytes?: number;
  decodeDepth?: number;
  ignoreFingerprints?: string[];
  ignoreGlobs?: string[];
  skipPaths?: string[];
}

export interface WorkerInit {
  files: RuleFileConfig[];
  disabledRules: string[];
  options: WorkerOptions;
  /** The keyword automaton serialized (KeywordPrefilter.serialize), for the worker to adopt rather than build. */
  automaton?: Uint8Array;
}

export interface WorkerRequest {
  batch: number;
  fragments: Fragment[];
}

export type WorkerResult =
  | { findings: Finding[]; skipped?: SkippedFragment; secrets: string[]; error?: undefined }
  | { error: string };

export interface WorkerReply {
  batch: number;
  results: WorkerResult[];
}

/** Sent once by a worker when its rule set is built and it can take batches. */
export interface WorkerReady {
  ready: true;
}
