// The engine: a fragment in, findings out. Pure (no I/O). The hot path is
//   size/binary checks -> one keyword pass -> the selected rules' RE2 regexes near their keywords
// and everything per-finding (line numbers, allowlists, hashing) happens only for hits.
import { isAscii } from 'node:buffer';
import type { Minimatch } from 'minimatch';
import RE2 from 're2';
import { compileGlob } from './allowlist.js';
import { isBinary } from './binary.js';
import { findEncoded, type Codec } from './decode.js';
import { filterFindings, type FilterCandidate } from './findingFilters.js';
import { shannonEntropy } from './entropy.js';
import { fingerprintOf, hashSecret, redact } from './fingerprint.js';
import { LineIndex } from './lineIndex.js';
import { looksLikePlaceholder } from './placeholder.js';
import type { RawHit } from './matchRule.js';
import type { CompiledRule, RuleSet } from './ruleSet.js';
import { ProviderNearMiss } from './providerNearMiss.js';
import { RuleRuns } from './ruleRuns.js';
import { attachSecret } from './secret.js';
import { Suppressions } from './suppression.js';
import type { Finding, Fragment, SkippedFragment } from './types.js';

export interface ScannerOptions {
  /** Larger fragments are skipped and reported as 'too-large'. Default 10 MiB. */
  maxFragmentBytes?: number;
  /** How many layers of base64/hex/percent encoding to look inside. Default 2; 0 disables. */
  decodeDepth?: number;
  /**
   * .keywardenignore and --baseline fingerprints. Each suppresses its secret in its path (and
   * commit, when it names one) whatever rule reports it, after dedupe: see suppression.ts.
   */
  ignoreFingerprints?: Iterable<string>;
  /** minimatch globs on fragment.path; matching fragments are skipped as 'ignored-path'. */
  ignoreGlobs?: string[];
  /**
   * Exact fragment paths never scanned, skipped as 'ignored-path': the files the CLI reads
   * itself (.keywardenignore, the baseline), whose fingerprints and hashes look like secrets.
   */
  skipPaths?: string[];
}

export interface FragmentScan {
  findings: Finding[];
  skipped?: SkippedFragment;
}

export const DEFAULT_MAX_FRAGMENT_BYTES = 10 * 1024 * 1024;
const INLINE_IGNORE = [Buffer.from('keywarden:allow'), Buffer.from('gitleaks:allow')];
const MAX_SEGMENTS = 256;
const MAX_DECODED_BYTES = 1024 * 1024;
const PATH_CACHE_SIZE = 4096;
/**
 * Longer "secrets" are blobs a catch-all ran through (a value with no end, in crafted or
 * generated text), not credentials: the largest real ones, armored private keys, stay well
 * under it. Judging a 2 MB value (entropy, placeholder shapes) took seconds.
 */
const MAX_SECRET_CHARS = 32 * 1024;
const NO_PATH_RULES: readonly CompiledRule[] = Object.freeze([]);

/** A hit placed in the fragment: for decoded hits, the encoded text's span. */
interface PlacedHit extends RawHit {
  outerStart: number;
  outerEnd: number;
  decoded?: Codec[];
  /** Text of the line the secret sits on, for line-target allowlists. */
  lineText: () => string;
}

interface ScanCandidate extends FilterCandidate {
  hit: PlacedHit;
}

/** 0-based indexes of the lines holding an inline ignore marker. */
function inlineIgnoredLines(bytes: Buffer, index: LineIndex): Set<number> {
  const lines = new Set<number>();
  for (const marker of INLINE_IGNORE) {
    for (let i = bytes.indexOf(marker); i !== -1; i = bytes.indexOf(marker, i + marker.length)) lines.add(index.lineIndexOf(i));
  }
  return lines;
}

/** A Buffer view of bytes (worker threads receive plain Uint8Arrays), without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function lineAround(bytes: Buffer, off: number): string {
  const s = bytes.lastIndexOf(10, off) + 1;
  const e = bytes.indexOf(10, off);
  return bytes.toString('utf8', s, e < 0 ? bytes.length : e);
}

/**
 * The last 4 characters of a rotatable key, as GitHub shows for tokens: enough for the owner to
 * tell which key leaked, never more (and none for a secret too short to spare them).
 */
function lastFourOf(secret: string): { last4?: string } {
  return secret.length >= 20 ? { last4: secret.slice(-4) } : {};
}

export class Scanner {
  private readonly maxBytes: number;
  private readonly decodeDepth: number;
  private readonly suppressions: Suppressions;
  private readonly ignoreGlobs: Minimatch[];
  private readonly skipPaths: ReadonlySet<string>;
  private readonly pathRules: CompiledRule[];
  /** The path-only rules' patterns as one automaton: one native call per fragment, not one per rule. */
  private readonly pathSet?: InstanceType<typeof RE2.Set>;
  private readonly pathCache = new Map<string, readonly CompiledRule[]>();
  private readonly runs: RuleRuns;

  constructor(readonly rules: RuleSet, options: ScannerOptions = {}) {
    this.maxBytes = options.maxFragmentBytes ?? DEFAULT_MAX_FRAGMENT_BYTES;
    this.decodeDepth = options.decodeDepth ?? 2;
    this.suppressions = new Suppressions(options.ignoreFingerprints);
    this.ignoreGlobs = (options.ignoreGlobs ?? []).map(compileGlob);
    this.skipPaths = new Set(options.skipPaths);
    this.pathRules = rules.rules.filter((r) => r.config.regex === undefined);
    this.runs = new RuleRuns(rules);
    try {
      if (this.pathRules.length > 1) this.pathSet = new RE2.Set(this.pathRules.map((r) => r.config.path!), 'u');
    } catch {
      // Too big for one automaton: each rule tests the path on its own.
    }
  }

  scanFragment(fragment: Fragment): FragmentScan {
    const { path, text } = fragment;
    const byteLength = (): number => (typeof text === 'string' ? Buffer.byteLength(text) : text.length);
    const commit = fragment.commit?.sha;
    const skip = (reason: SkippedFragment['reason'], bytes: number): FragmentScan => ({
      findings: [],
      skipped: { path, ...(commit ? { commit } : {}), reason, bytes },
    });
    if (this.skipPaths.has(path) || this.ignoreGlobs.some((g) => g.match(path))) return skip('ignored-path', byteLength());
    if (this.rules.allowlists.some((a) => a.pathOnly && (a.pathAllowed(path) || a.commitAllowed(commit)))) {
      return skip('ignored-path', byteLength());
    }
    // UTF-8 is at most 3 bytes per UTF-16 unit: skip the exact count when it cannot matter.
    if (text.length > this.maxBytes || (text.length * 3 > this.maxBytes && byteLength() > this.maxBytes)) {
      return skip('too-large', byteLength());
    }
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : asBuffer(text);
    if (!fragment.knownText && isBinary(typeof text === 'string' ? text : bytes)) return skip('binary', bytes.length);

    const hits: PlacedHit[] = [];
    this.collect(bytes, fragment, hits, [], this.decodeDepth, undefined);
    const pathRules = this.pathRulesMatching(path);
    for (let i = 0; i < pathRules.length; i++) {
      const whole = typeof text === 'string' ? text : bytes.toString('utf8');
      hits.push({ rule: pathRules[i], secret: whole, match: whole, start: 0, end: Math.min(bytes.length, 1), outerStart: 0, outerEnd: 0, lineText: () => '' });
    }
    if (hits.length === 0) return { findings: [] };
    return { findings: this.toFindings(hits, bytes, fragment) };
  }

  private pathRulesMatching(path: string): readonly CompiledRule[] {
    // History scans meet the same paths commit after commit.
    let rules = this.pathCache.get(path);
    if (rules) return rules;
    // The Set is given bytes: on a string, re2 spends longer converting it than matching.
    // Almost every path matches none: then one shared empty array, not a fresh one from
    // map() or filter(), whose changing array shapes made V8 throw away the optimized
    // scanFragment (measured with --trace-deopt).
    if (this.pathSet) {
      const ids = this.pathSet.match(Buffer.from(path));
      rules = ids.length === 0 ? NO_PATH_RULES : ids.map((i) => this.pathRules[i]);
    } else {
      const matched = this.pathRules.filter((r) => r.pathMatches(path));
      rules = matched.length === 0 ? NO_PATH_RULES : matched;
    }
    if (this.pathCache.size >= PATH_CACHE_SIZE) this.pathCache.clear();
    this.pathCache.set(path, rules);
    return rules;
  }

  /** Runs the keyword-selected rules over `bytes`, then looks inside encoded stretches. */
  private collect(bytes: Buffer, fragment: Fragment, out: PlacedHit[], chain: Codec[], depth: number, outer?: { start: number; end: number }): void {
    const raw: RawHit[] = [];
    this.runs.run(bytes, fragment.path, raw);
    for (const h of raw) {
      out.push({
        ...h,
        outerStart: outer ? outer.start : h.start,
        outerEnd: outer ? outer.end : h.end,
        decoded: chain.length > 0 ? chain : undefined,
        lineText: () => lineAround(bytes, h.start),
      });
    }
    if (depth <= 0) return;
    for (const seg of findEncoded(bytes, { maxSegments: MAX_SEGMENTS, maxDecodedBytes: MAX_DECODED_BYTES })) {
      this.collect(seg.decoded, fragment, out, [...chain, seg.codec], depth - 1, outer ?? { start: seg.start, end: seg.end });
    }
  }

  private toFindings(hits: PlacedHit[], bytes: Buffer, fragment: Fragment): Finding[] {
    const text = fragment.text;
    const index = new LineIndex(bytes, typeof text === 'string' ? bytes.length === text.length : isAscii(bytes), fragment);
    const candidates: ScanCandidate[] = [];
    const verdicts = new Map<string, boolean>();
    const nearMiss = new ProviderNearMiss(this.rules.providerWords, this.rules.prefixedProviderWords);
    for (const hit of hits) {
      const candidate = this.candidate(hit, bytes, index, fragment, verdicts, nearMiss);
      if (candidate) candidates.push(candidate);
    }
    if (candidates.length === 0) return [];
    const context = { inlineIgnoredLines: inlineIgnoredLines(bytes, index), allowlists: this.rules.allowlists, suppressions: this.suppressions };
    return filterFindings(candidates, context).map((c) => c.finding);
  }

  private providerPrefixed(secret: string): boolean {
    const owned = this.rules.ownedPrefixes;
    for (let i = 0; i < owned.length; i++) if (secret.startsWith(owned[i])) return true;
    return false;
  }

  /**
   * The checks that depend on the rule and the secret alone (entropy, validator, placeholder,
   * provider prefix), decided once per fragment for each pair: input that repeats one value
   * (crafted, or a generated file) otherwise pays for the validator at every match.
   */
  private passesRuleChecks(hit: PlacedHit, entropy: number, verdicts: Map<string, boolean>): boolean {
    const key = `${hit.rule.index}\u0000${hit.secret}`;
    let ok = verdicts.get(key);
    if (ok !== undefined) return ok;
    const cfg = hit.rule.config;
    ok =
      !(cfg.entropy !== undefined && entropy < cfg.entropy) &&
      !(hit.rule.validator && !hit.rule.validator(hit.secret)) &&
      !(!hit.rule.checksummed && looksLikePlaceholder(hit.secret)) &&
      // A catch-all that names no format of its own (password, generic-secret-assignment) leaves
      // a provider-prefixed value to the provider's rule, which did not match it.
      !(cfg.generic && hit.rule.prefixes.length === 0 && this.providerPrefixed(hit.rule.plainValue?.(hit.secret) ?? hit.secret));
    verdicts.set(key, ok);
    return ok;
  }

  /** A hit that passes its rule's own checks (entropy, validator), as a finding; filters come after. */
  private candidate(hit: PlacedHit, bytes: Buffer, index: LineIndex, fragment: Fragment, verdicts: Map<string, boolean>, nearMiss: ProviderNearMiss): ScanCandidate | undefined {
    const cfg = hit.rule.config;
    if (cfg.skipReport) return undefined;
    const isPathHit = cfg.regex === undefined;
    if (!isPathHit && hit.secret.length > MAX_SECRET_CHARS) return undefined;
    const entropy = shannonEntropy(hit.secret);
    if (!isPathHit && !this.passesRuleChecks(hit, entropy, verdicts)) return undefined;
    const start = index.position(hit.outerStart);
    const lineText = (): string => nearMiss.lineText(start.lineIndex, () => bytes.toString('utf8', index.lineStart(start.lineIndex), index.lineEnd(start.lineIndex)));
    if (!isPathHit && nearMiss.test(hit.rule, hit.secret, hit.decoded ? undefined : start.lineIndex, hit.decoded ? hit.lineText : lineText)) return undefined;
    const commit = fragment.commit?.sha;
    const allow = {
      path: fragment.path,
      commit,
      secret: hit.secret,
      match: hit.match,
      line: isPathHit ? () => '' : hit.decoded ? hit.lineText : lineText,
    };
    const secretHash = hashSecret(hit.secret);
    const publicKey = cfg.kind === 'public';
    const finding: Finding = {
      ruleId: cfg.id,
      description: cfg.description,
      path: fragment.path,
      line: isPathHit ? index.fileLine(0) : start.line,
      column: isPathHit ? 1 : start.column,
      endColumn: isPathHit ? 1 : index.position(hit.outerEnd).column,
      severity: publicKey ? 'info' : cfg.severity,
      confidence: cfg.confidence,
      kind: cfg.kind,
      ...(cfg.rotator && !publicKey ? { rotator: cfg.rotator, ...lastFourOf(hit.secret) } : {}),
      entropy: Math.round(entropy * 1000) / 1000,
      preview: redact(hit.secret),
      secretHash,
      fingerprint: fingerprintOf({ ruleId: cfg.id, path: fragment.path, secretHash, commit }),
      ...(commit ? { commit } : {}),
      ...(fragment.commit?.author ? { author: fragment.commit.author } : {}),
      ...(fragment.commit?.email ? { email: fragment.commit.email } : {}),
      ...(fragment.commit?.date ? { date: fragment.commit.date } : {}),
      ...(fragment.commit?.message ? { message: fragment.commit.message } : {}),
      ...(hit.decoded ? { decoded: [...hit.decoded] } : {}),
      ...(cfg.tags.length > 0 ? { tags: [...cfg.tags] } : {}),
    };
    attachSecret(finding, hit.secret);
    return { hit, lineIndex: start.lineIndex, finding, allow };
  }
}
