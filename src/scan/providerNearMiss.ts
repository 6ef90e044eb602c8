// A catch-all's value on a line whose name side names a provider whose rule did not match it is
// that provider's near miss, not an unknown secret (see RuleSet.providerWords). Lines are
// decoded and searched once per fragment, not once per hit: on minified code one line runs for
// hundreds of kilobytes and holds many hits.
import type { CompiledRule } from './ruleSet.js';

interface Line {
  text: string;
  /** The first provider word in the line ([start, end) in text), null for none; undefined until looked for. */
  first?: [number, number] | null;
}

/** A value that opens like a prefixed token: a short word, then a separator (`pk_`, `account-`, `s.`). */
const PREFIX_SHAPED = /^[A-Za-z][A-Za-z0-9]{0,11}[_.|:~-]/;

export class ProviderNearMiss {
  private readonly lines = new Map<number, Line>();

  constructor(
    private readonly words: RegExp | undefined,
    /** Providers known by a prefixed rule (RuleSet.prefixedProviderWords): they count for a prefix-shaped value only. */
    private readonly prefixedWords?: RegExp,
  ) {}

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
    // Not the catch-alls whose secret names its own format (a JWT, a PEM key: high confidence);
    // one that judges a Kubernetes Secret value only when the value is written plainly: a base64
    // `data:` value is out of reach of the provider's rule, which needs its name on the same
    // line as the decoded value.
    if (!words || !cfg.generic || rule.prefixes.length > 0 || cfg.confidence === 'high') return false;
    if (rule.plainValue && rule.plainValue(secret) !== secret) return false;
    const named = this.providerBefore(secret, lineIndex, make);
    // A catch-all keyed on the provider's own name (Netlify's legacy tokens) is that provider's rule.
    return named !== undefined && !cfg.keywords.includes(named.toLowerCase());
  }

  /**
   * The provider named on the line's name side, before the value: a provider in a URL after it
   * (`@nexus.acme.io`) names no key.
   */
  private providerBefore(secret: string, lineIndex: number | undefined, make: () => string): string | undefined {
    const words = this.words!;
    const line = lineIndex === undefined ? { text: make() } : this.line(lineIndex, make);
    const text = line.text;
    const at = text.indexOf(secret);
    const nameSide = () => (at < 0 ? text : text.slice(0, at));
    let named: string | undefined;
    if (lineIndex === undefined) named = words.exec(nameSide())?.[0];
    else {
      if (line.first === undefined) {
        const m = words.exec(text);
        line.first = m ? [m.index, m.index + m[0].length] : null;
      }
      // The line's first word, when it ends before the value, is the name side's first word;
      // one that starts at or after the value leaves the name side without any.
      if (line.first != null && (at < 0 || line.first[1] <= at)) named = text.slice(line.first[0], line.first[1]);
      else if (line.first != null && line.first[0] < at) named = words.exec(nameSide())?.[0];
    }
    if (named !== undefined || !this.prefixedWords || !PREFIX_SHAPED.test(secret)) return named;
    return this.prefixedWords.exec(nameSide())?.[0];
  }

  private line(lineIndex: number, make: () => string): Line {
    let line = this.lines.get(lineIndex);
    if (!line) this.lines.set(lineIndex, (line = { text: make() }));
    return line;
  }
}
