// A low-confidence catch-all's value on a line that names a provider whose rule did not match
// it is that provider's near miss, not an unknown secret (see RuleSet.providerWords). Lines are
// decoded and searched once per fragment, not once per hit: on minified code one line runs for
// hundreds of kilobytes and holds many hits.
import type { CompiledRule } from './ruleSet.js';

interface Line {
  text: string;
  /** The first provider word in the line ([start, end) in text), null for none; undefined until looked for. */
  first?: [number, number] | null;
}

export class ProviderNearMiss {
  private readonly lines = new Map<number, Line>();

  constructor(private readonly words: RegExp | undefined) {}

  /** A line's text, decoded once (`make` decodes it). */
  lineText(lineIndex: number, make: () => string): string {
    return this.line(lineIndex, make).text;
  }

  /**
   * Whether the hit is a provider's near miss. `lineIndex` undefined: the line is not the
   * fragment's (a decoded stretch's), so it is not cached.
   */
  test(rule: CompiledRule, secret: string, lineIndex: number | undefined, make: () => string): boolean {
    const cfg = rule.config;
    const words = this.words;
    // Also a catch-all that judges a Kubernetes Secret value (medium: a committed Secret is worth
    // failing a check on) when the value is written plainly; a base64 `data:` value is out of
    // reach of the provider's rule, which needs its name on the same line as the decoded value.
    if (!words || !cfg.generic || rule.prefixes.length > 0) return false;
    if (cfg.confidence !== 'low' && !(rule.plainValue && rule.plainValue(secret) === secret)) return false;
    if (lineIndex === undefined) return words.test(make().replace(secret, ' '));
    const line = this.line(lineIndex, make);
    if (line.first === undefined) {
      const m = words.exec(line.text);
      line.first = m ? [m.index, m.index + m[0].length] : null;
    }
    // No provider word in the line: none once the secret is blanked out either. A first word
    // clear of the secret's first occurrence (the one blanked) survives the blanking.
    if (line.first === null) return false;
    const at = line.text.indexOf(secret);
    if (at < 0 || line.first[1] <= at || line.first[0] >= at + secret.length) return true;
    return words.test(line.text.replace(secret, ' '));
  }

  private line(lineIndex: number, make: () => string): Line {
    let line = this.lines.get(lineIndex);
    if (!line) this.lines.set(lineIndex, (line = { text: make() }));
    return line;
  }
}
