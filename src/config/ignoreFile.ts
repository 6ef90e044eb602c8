// .keywardenignore: one fingerprint per line (`[commit:]path:ruleId:hash16`, exactly as the
// report prints it), blank lines and `#` comments allowed, also after a fingerprint.
// Read synchronously: a small file, and node:fs/promises costs the pre-commit hook a few
// milliseconds to load.
import { readFileSync, writeFileSync } from 'node:fs';

export const IGNORE_FILE = '.keywardenignore';

export function parseIgnoreFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // A trailing "  # why" comment; only after whitespace, so a '#' inside a path survives.
    const withComment = /^(.*:[0-9a-f]{16})\s+#.*$/i.exec(line);
    out.push(withComment ? withComment[1] : line);
  }
  return out;
}

/** The fingerprints in `file`, or none when it does not exist. */
export async function readIgnoreFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseIgnoreFile(text);
}

export interface IgnoreEntry {
  fingerprint: string;
  /** Shown in the comment above the entry: where the finding was, and which rule. */
  path: string;
  lines: number[];
  ruleId: string;
  commit?: string;
}

/**
 * Appends the entries not already in `file` (created if missing), each under a comment naming
 * its file, line(s) and rule. Returns the entries added.
 */
export function appendToIgnoreFile(file: string, entries: IgnoreEntry[], note: string): IgnoreEntry[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const present = new Set(parseIgnoreFile(text));
  const added = entries.filter((e) => !present.has(e.fingerprint) && present.add(e.fingerprint));
  if (added.length === 0) return [];
  const block = [`# ${note}`];
  for (const e of added) {
    const where = `${e.path}:${e.lines.join(',')}${e.commit ? ` in ${e.commit.slice(0, 12)}` : ''}`;
    block.push(`# ${where} ${e.ruleId}`, e.fingerprint);
  }
  const lead = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  writeFileSync(file, `${text}${lead}${block.join('\n')}\n`);
  return added;
}
