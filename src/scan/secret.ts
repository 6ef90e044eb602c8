// The raw secret of a finding lives only in this process's memory, keyed by the finding
// object. It is not a property, so JSON.stringify, structuredClone, loggers and queue
// payloads can never carry it by accident. Reading it is an explicit, greppable call.
import type { Finding } from './types.js';

const secrets = new WeakMap<Finding, string>();

export function attachSecret(finding: Finding, secret: string): Finding {
  secrets.set(finding, secret);
  return finding;
}

/** Returns the raw secret, when this process found it. Use only to act on it locally. */
export function revealSecret(finding: Finding): string | undefined {
  return secrets.get(finding);
}
