// .keywardenignore entries and --baseline fingerprints, held per secret. A fingerprint names
// `[commit:]path:ruleId:hash16`, but which rule reports a secret is not stable: when the rule
// that won the dedupe is gone (a rule disabled, a line edited so a catch-all wins instead),
// the same secret in the same file would come back under a new fingerprint. So an entry
// suppresses the secret (its hash) in that path, and in that commit when it names one,
// whatever rule reports it.
import type { Finding } from './types.js';

export class Suppressions {
  private readonly keys = new Set<string>();

  constructor(fingerprints: Iterable<string> = []) {
    for (const fp of fingerprints) {
      const key = secretKey(fp);
      if (key !== undefined) this.keys.add(key);
    }
  }

  get size(): number {
    return this.keys.size;
  }

  suppresses(f: Pick<Finding, 'path' | 'secretHash' | 'commit'>): boolean {
    if (this.keys.size === 0) return false;
    const hash16 = f.secretHash.slice(0, 16);
    return this.keys.has(`${f.path}\0${hash16}`) || (f.commit !== undefined && this.keys.has(`${f.commit}:${f.path}\0${hash16}`));
  }
}

/**
 * `[commit:]path` and the hash, without the rule id. Read from the right: a path may hold
 * colons, a rule id and a hash never do. An entry with fewer than three parts is not a
 * fingerprint and suppresses nothing.
 */
function secretKey(fingerprint: string): string | undefined {
  const hashAt = fingerprint.lastIndexOf(':');
  const ruleAt = hashAt > 0 ? fingerprint.lastIndexOf(':', hashAt - 1) : -1;
  if (ruleAt <= 0) return undefined;
  return `${fingerprint.slice(0, ruleAt)}\0${fingerprint.slice(hashAt + 1).toLowerCase()}`;
}
