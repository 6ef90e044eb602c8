// .keywardenignore: one fingerprint per line (`[commit:]path:ruleId:hash16`, exactly as the
// report prints it), blank lines and `#` comments allowed, also after a fingerprint.
// Read synchronously: a small file, and node:fs/promises costs the pre-commit hook a few
// milliseconds to load.
import { readFileSync } from 'node:fs';

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
