// Real webhook payloads from @octokit/webhooks-examples, deep-copied so tests can rewrite
// them (point them at a local repository, change shas) without affecting each other.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const all = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{ name: string; examples: Array<Record<string, any>> }>;

/** The first example of `event` (and `action`) matching `where`; throws when none does. */
export function webhookExample(event: string, where: (p: Record<string, any>) => boolean = () => true): Record<string, any> {
  const found = all.find((e) => e.name === event)?.examples.find(where);
  if (!found) throw new Error(`no ${event} example matches`);
  return structuredClone(found);
}

/** A push of a branch (not a tag) with an installation, as an App receives it. */
export function pushExample(): Record<string, any> {
  return webhookExample('push', (p) => p.ref.startsWith('refs/heads/') && !!p.installation);
}

export function pullRequestExample(action: 'opened' | 'synchronize' | 'reopened'): Record<string, any> {
  return webhookExample('pull_request', (p) => p.action === action && !!p.installation);
}

/**
 * A push that creates a tag. The examples' tag pushes were sent to a repository webhook; an
 * App's delivery also names its installation, so one is added.
 */
export function tagPushExample(installationId = 1): Record<string, any> {
  const p = webhookExample('push', (x) => x.ref.startsWith('refs/tags/') && x.created === true);
  p.installation = { id: installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' };
  return p;
}

/** Rewrites a payload's repository to name `owner/name`, cloned from `cloneUrl`, default branch main. */
export function pointAtRepo(p: Record<string, any>, owner: string, name: string, cloneUrl: string): Record<string, any> {
  Object.assign(p.repository, { name, full_name: `${owner}/${name}`, clone_url: cloneUrl, default_branch: 'main', master_branch: 'main' });
  return p;
}
