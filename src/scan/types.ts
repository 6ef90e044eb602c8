// The engine's contract. Sources produce Fragments; the engine returns Findings;
// reports, the GitHub App and the rotation queue consume Findings. Nothing here
// may carry a raw secret in a serialisable field: see secret.ts for the accessor.

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** How sure the rule is that the match is a credential (see confidence.ts). */
export type Confidence = 'high' | 'medium' | 'low';
export const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];

/** `public` keys are safe to publish: reported as informational, never rotated. */
export type RuleKind = 'secret' | 'public';

export interface CommitInfo {
  sha: string;
  author?: string;
  email?: string;
  /** ISO 8601 */
  date?: string;
  message?: string;
}

/** A piece of text to scan, with where it came from. */
export interface Fragment {
  path: string;
  /**
   * The text, or its UTF-8 bytes. Sources that read bytes (files, git) pass them as they are:
   * the engine scans bytes, so decoding to a string first would cost two conversions for nothing.
   */
  text: string | Uint8Array;
  commit?: CommitInfo;
  /**
   * File line number (1-based) of each line of `text`, for fragments that are not a
   * contiguous file (the added lines of a diff). When absent, line i of `text` is
   * file line `startLine + i` (startLine defaults to 1).
   */
  lineNumbers?: number[];
  startLine?: number;
  /**
   * The source has already found the text not to be binary (every source checks before it
   * hands text over, and git prints a text diff only for files it does not take as binary),
   * so the engine does not check again.
   */
  knownText?: boolean;
}

export interface Finding {
  ruleId: string;
  description: string;
  path: string;
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units of the line */
  column: number;
  endColumn: number;
  severity: Severity;
  confidence: Confidence;
  kind: RuleKind;
  /** Name of the rotation client that can roll this secret, e.g. `keyservice`. */
  rotator?: string;
  /** Shannon entropy (bits per character) of the secret. */
  entropy: number;
  /** Redacted preview: never the whole secret. */
  preview: string;
  /** Rotatable keys only: the secret's last 4 characters, so the owner can tell which key leaked. */
  last4?: string;
  /** SHA-256 (hex) of the secret. What travels instead of the secret. */
  secretHash: string;
  /** Stable identity: rule + path + secretHash (+ commit in history scans). Not positional. */
  fingerprint: string;
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  message?: string;
  /** Set when the secret was found inside encoded text; the decoders applied, outermost first. */
  decoded?: string[];
  tags?: string[];
}

/** What a scan could not cover, so that reports can say so instead of pretending. */
export interface SkippedFragment {
  path: string;
  commit?: string;
  reason: 'binary' | 'too-large' | 'ignored-path';
  bytes: number;
}

export interface ScanResult {
  findings: Finding[];
  skipped: SkippedFragment[];
  bytes: number;
}
