// The stand-in's stateful answers, one per GitHub operationId it implements. Requests reach
// these only after they passed the OpenAPI contract check, so handlers can trust shapes.
import { notifyHandlers, refusedWrite } from './githubStandInNotify.js';
import { installationHandlers } from './githubStandInInstallations.js';
import { hookHandlers } from './githubStandInHooks.js';
import { pullFilesFromGit, reviewCommentRefusal, reviewRefused, type PullFile } from './githubStandInPulls.js';
import type { IncomingHttpHeaders } from 'node:http';

export interface StoredCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  external_id?: string;
  status?: string;
  conclusion?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string };
  annotations: Array<Record<string, unknown>>;
  /** Size of each annotations array sent, create and updates alike. */
  annotationBatches: number[];
}
export interface StoredReview {
  id: number;
  owner: string;
  repo: string;
  pull_number: number;
  commit_id?: string;
  body?: string;
  event?: string;
}
export interface StoredReviewComment {
  id: number;
  review_id: number;
  owner: string;
  repo: string;
  pull_number: number;
  path: string;
  line?: number;
  side?: string;
  body: string;
  commit_id?: string;
}
export interface StoredIssue {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  /** When the issue was created (ms): the Search API only finds it once its index caught up. */
  createdAt?: number;
}
export interface StoredIssueComment {
  id: number;
  owner: string;
  repo: string;
  issue_number: number;
  body: string;
}
export interface StoredPull {
  number: number;
  baseSha: string;
  headSha: string;
  baseRef?: string;
  headRef?: string;
  commits?: string[];
  files?: string[];
  /** Files none of whose lines are in the pull request's diff any more: a review comment on one is refused (422), as GitHub does. */
  outdatedPaths?: string[];
  /** The repository (a bare one is fine): the files list carries the real diff's patches, and a review comment off the diff is refused (422). */
  gitDir?: string;
}

/** The pull request's files as GitHub lists them: from its repository when known, else the names given (no patch). */
function pullFiles(p: StoredPull, owner: string, repo: string): PullFile[] {
  if (p.gitDir) return pullFilesFromGit(p.gitDir, owner, repo, p.baseSha, p.headSha);
  const blank = (filename: string): PullFile => ({ sha: '0'.repeat(40), filename, status: 'modified', additions: 0, deletions: 0, changes: 0, blob_url: '', raw_url: '', contents_url: '' });
  return (p.files ?? []).map(blank);
}

export interface StandInState {
  tokens: Set<string>;
  /** The installation each token was made for. */
  tokenInstallations: Map<string, number>;
  /** Installations the App was uninstalled from or that are suspended (githubStandInInstallations.ts). */
  lostInstallations: Map<number, 'uninstalled' | 'suspended'>;
  nextId: number;
  checkRuns: StoredCheckRun[];
  pulls: Map<string, StoredPull>;
  reviews: StoredReview[];
  reviewComments: StoredReviewComment[];
  issues: StoredIssue[];
  issueComments: StoredIssueComment[];
  files: Map<string, string>;
  revokedCredentials: string[];
  /**
   * Repositories with no commits ("owner/repo"), as GitHub answers for them: size 0, 409
   * "Git Repository is empty." on listing commits, and 422 on check runs of any commit.
   */
  emptyRepos: Set<string>;
  /** Logins that GET /assignees/{login} says can be assigned. */
  assignable: Set<string>;
  /**
   * How long a new issue stays out of the Search API's results. GitHub's search index lags
   * writes by seconds to minutes; the stand-in holds it back for this long (default 60 s).
   */
  searchIndexLagMs?: number;
  newToken: () => string;
}

export interface HandlerInput {
  params: Record<string, string>;
  /** Request path without the query string (and without a GHE /api/v3 prefix). */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  state: StandInState;
  baseUrl: string;
}
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const user = (login: string) => ({ login, id: 1, type: 'User' });
const ok = (body: unknown, status = 200): HandlerResult => ({ status, body });
const notFound = (): HandlerResult => ({ status: 404, body: { message: 'Not Found' } });

function page<T>(items: T[], query: URLSearchParams): T[] {
  const per = Number(query.get('per_page') ?? 30);
  const n = Number(query.get('page') ?? 1);
  return items.slice((n - 1) * per, n * per);
}

/** A page of a list, with GitHub's Link header so Octokit's paginate() finds the next page. */
function paged<T>(items: T[], i: Pick<HandlerInput, 'query' | 'baseUrl' | 'path'>, wrap: (pageItems: T[]) => unknown = (x) => x): HandlerResult {
  const per = Number(i.query.get('per_page') ?? 30);
  const n = Number(i.query.get('page') ?? 1);
  const headers: Record<string, string> = {};
  if (n * per < items.length) {
    const next = new URLSearchParams(i.query);
    next.set('page', String(n + 1));
    headers.link = `<${i.baseUrl}${i.path}?${next}>; rel="next"`;
  }
  return { status: 200, body: wrap(page(items, i.query)), headers };
}

function checkRunJson(c: StoredCheckRun, baseUrl: string) {
  return {
    id: c.id, name: c.name, head_sha: c.head_sha, external_id: c.external_id ?? null, status: c.status ?? 'queued', conclusion: c.conclusion ?? null, completed_at: c.completed_at ?? null,
    output: { ...c.output, annotations_count: c.annotations.length },
    url: `${baseUrl}/repos/${c.owner}/${c.repo}/check-runs/${c.id}`, html_url: `https://github.com/${c.owner}/${c.repo}/runs/${c.id}`,
  };
}

function issueJson(i: StoredIssue, baseUrl: string) {
  return {
    id: i.id, number: i.number, title: i.title, body: i.body, state: i.state,
    labels: i.labels.map((name) => ({ name })), assignees: i.assignees.map(user), user: user('keywarden[bot]'),
    url: `${baseUrl}/repos/${i.owner}/${i.repo}/issues/${i.number}`, html_url: `https://github.com/${i.owner}/${i.repo}/issues/${i.number}`,
    repository_url: `${baseUrl}/repos/${i.owner}/${i.repo}`,
  };
}

function storeAnnotations(run: StoredCheckRun, body: Record<string, unknown>): void {
  const output = body.output as { title?: string; summary?: string; text?: string; annotations?: Array<Record<string, unknown>> } | undefined;
  if (!output) return;
  const { annotations, ...rest } = output;
  run.output = { ...run.output, ...rest };
  if (annotations) {
    run.annotationBatches.push(annotations.length);
    run.annotations.push(...annotations);
  }
}

const isEmptyRepo = ({ params, state }: Pick<HandlerInput, 'params' | 'state'>) => state.emptyRepos.has(`${params.owner}/${params.repo}`);
const noCommit = (sha: string): HandlerResult => ({ status: 422, body: { message: `No commit found for SHA: ${sha}`, documentation_url: 'https://docs.github.com/rest/checks/runs' } });

export const handlers: Record<string, (i: HandlerInput) => HandlerResult> = {
  'apps/create-installation-access-token': ({ params, body, state }) => {
    const token = state.newToken();
    state.tokens.add(token);
    state.tokenInstallations.set(token, Number(params.installation_id));
    // A narrowed request (repositories / repository_ids, permissions) gets what it asked for, as on GitHub.
    const narrowed = body.repositories !== undefined || body.repository_ids !== undefined;
    const permissions = (body.permissions as Record<string, string> | undefined) ?? { contents: 'read', checks: 'write', issues: 'write', pull_requests: 'write' };
    return ok({ token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions, repository_selection: narrowed ? 'selected' : 'all', installation_id: Number(params.installation_id) }, 201);
  },
  'apps/list-repos-accessible-to-installation': () => ok({ total_count: 0, repositories: [] }),
  'apps/get-authenticated': () => ok({ id: 1, slug: 'keywarden', name: 'keywarden', owner: user('octo-org') }),

  'checks/create': ({ params, body, state, baseUrl }) => {
    if (isEmptyRepo({ params, state })) return noCommit(String(body.head_sha));
    const run: StoredCheckRun = {
      id: state.nextId++, owner: params.owner, repo: params.repo, name: String(body.name), head_sha: String(body.head_sha),
      external_id: body.external_id as string | undefined, status: body.status as string | undefined, conclusion: body.conclusion as string | undefined,
      completed_at: body.completed_at as string | undefined, annotations: [], annotationBatches: [],
    };
    storeAnnotations(run, body);
    state.checkRuns.push(run);
    return ok(checkRunJson(run, baseUrl), 201);
  },
  'checks/update': ({ params, body, state, baseUrl }) => {
    const run = state.checkRuns.find((c) => c.id === Number(params.check_run_id) && c.owner === params.owner && c.repo === params.repo);
    if (!run) return notFound();
    if (body.status) run.status = String(body.status);
    if (body.conclusion) run.conclusion = String(body.conclusion);
    if (body.completed_at) run.completed_at = String(body.completed_at);
    if (body.name) run.name = String(body.name);
    if (typeof body.external_id === 'string') run.external_id = body.external_id;
    storeAnnotations(run, body);
    return ok(checkRunJson(run, baseUrl));
  },
  'checks/get': ({ params, state, baseUrl }) => {
    const run = state.checkRuns.find((c) => c.id === Number(params.check_run_id));
    return run ? ok(checkRunJson(run, baseUrl)) : notFound();
  },
  'checks/list-annotations': (i) => {
    const run = i.state.checkRuns.find((c) => c.id === Number(i.params.check_run_id));
    return run ? paged(run.annotations, i) : notFound();
  },
  'checks/list-for-ref': (i) => {
    const { params, query, state, baseUrl } = i;
    if (isEmptyRepo(i)) return noCommit(params.ref);
    let runs = state.checkRuns.filter((c) => c.owner === params.owner && c.repo === params.repo && c.head_sha === params.ref && (!query.get('check_name') || c.name === query.get('check_name')));
    // GitHub's default filter, `latest`, hides all but the most recent run of each name: a
    // client looking for one particular run must ask for filter=all.
    if ((query.get('filter') ?? 'latest') === 'latest') runs = runs.filter((c) => !runs.some((o) => o.name === c.name && o.id > c.id));
    return paged(runs, i, (list) => ({ total_count: runs.length, check_runs: list.map((c) => checkRunJson(c, baseUrl)) }));
  },

  'pulls/get': ({ params, state }) => {
    const p = state.pulls.get(`${params.owner}/${params.repo}#${params.pull_number}`);
    if (!p) return notFound();
    return ok({
      number: p.number, state: 'open', html_url: `https://github.com/${params.owner}/${params.repo}/pull/${p.number}`,
      base: { sha: p.baseSha, ref: p.baseRef ?? 'main' }, head: { sha: p.headSha, ref: p.headRef ?? 'feature' },
    });
  },
  'pulls/list-commits': ({ params, query, state }) => {
    const p = state.pulls.get(`${params.owner}/${params.repo}#${params.pull_number}`);
    return p ? ok(page((p.commits ?? []).map((sha) => ({ sha })), query)) : notFound();
  },
  'pulls/list-files': (i) => {
    const p = i.state.pulls.get(`${i.params.owner}/${i.params.repo}#${i.params.pull_number}`);
    return p ? paged(pullFiles(p, i.params.owner, i.params.repo), i) : notFound();
  },
  'pulls/create-review': ({ params, body, state }) => {
    // GitHub refuses a review body over 65,536 characters.
    if (typeof body.body === 'string' && body.body.length > 65_536) return reviewRefused('Body is too long (maximum is 65536 characters)');
    const review: StoredReview = { id: state.nextId++, owner: params.owner, repo: params.repo, pull_number: Number(params.pull_number), commit_id: body.commit_id as string | undefined, body: body.body as string | undefined, event: body.event as string | undefined };
    const comments = (body.comments ?? []) as Array<Record<string, unknown>>;
    const pull = state.pulls.get(`${params.owner}/${params.repo}#${params.pull_number}`);
    const outdated = pull?.outdatedPaths ?? [];
    const files = pull?.gitDir ? pullFiles(pull, params.owner, params.repo) : undefined;
    for (const c of comments) {
      // GitHub refuses the whole review for one comment it cannot place in the diff.
      if (c.line === undefined && c.position === undefined) return reviewRefused('Pull request review thread position is invalid and Pull request review thread diff hunk can\'t be blank');
      if (outdated.includes(String(c.path))) return reviewRefused('Pull request review thread line must be part of the diff and Pull request review thread diff hunk can\'t be blank');
      const refused = files && reviewCommentRefusal(files, { path: String(c.path), line: c.line as number | undefined, side: c.side as string | undefined });
      if (refused) return refused;
    }
    state.reviews.push(review);
    for (const c of comments) {
      state.reviewComments.push({ id: state.nextId++, review_id: review.id, owner: params.owner, repo: params.repo, pull_number: review.pull_number, path: String(c.path), line: c.line as number | undefined, side: c.side as string | undefined, body: String(c.body), commit_id: review.commit_id });
    }
    return ok({ id: review.id, body: review.body ?? '', state: review.event === 'COMMENT' ? 'COMMENTED' : 'PENDING', user: user('keywarden[bot]'), commit_id: review.commit_id });
  },
  'pulls/list-reviews': (i) =>
    paged(i.state.reviews.filter((r) => r.owner === i.params.owner && r.repo === i.params.repo && r.pull_number === Number(i.params.pull_number)), i),
  // GitHub names a comment's review `pull_request_review_id`.
  'pulls/list-review-comments': (i) =>
    paged(i.state.reviewComments.filter((c) => c.owner === i.params.owner && c.repo === i.params.repo && c.pull_number === Number(i.params.pull_number)), i, (list) => list.map((c) => ({ ...c, pull_request_review_id: c.review_id }))),

  'issues/create': (input) => {
    const refused = refusedWrite(input, 'issue');
    if (refused) return refused;
    const { params, body, state, baseUrl } = input;
    const issue: StoredIssue = {
      id: state.nextId++, number: state.issues.filter((i) => i.owner === params.owner && i.repo === params.repo).length + 1, owner: params.owner, repo: params.repo,
      title: String(body.title), body: String(body.body ?? ''), state: 'open',
      labels: ((body.labels ?? []) as Array<string | { name: string }>).map((l) => (typeof l === 'string' ? l : l.name)),
      assignees: (body.assignees ?? []) as string[],
      createdAt: Date.now(),
    };
    state.issues.push(issue);
    return ok(issueJson(issue, baseUrl), 201);
  },
  'issues/get': ({ params, state, baseUrl }) => {
    const issue = state.issues.find((i) => i.owner === params.owner && i.repo === params.repo && i.number === Number(params.issue_number));
    return issue ? ok(issueJson(issue, baseUrl)) : notFound();
  },
  'issues/update': ({ params, body, state, baseUrl }) => {
    const issue = state.issues.find((i) => i.owner === params.owner && i.repo === params.repo && i.number === Number(params.issue_number));
    if (!issue) return notFound();
    if (typeof body.title === 'string') issue.title = body.title;
    if (typeof body.body === 'string') issue.body = body.body;
    if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
    if (Array.isArray(body.assignees)) issue.assignees = body.assignees as string[];
    return ok(issueJson(issue, baseUrl));
  },
  'issues/list-for-repo': ({ params, query, state, baseUrl }) => {
    const labels = query.get('labels')?.split(',').filter(Boolean) ?? [];
    const wanted = query.get('state') ?? 'open';
    const list = state.issues.filter((i) => i.owner === params.owner && i.repo === params.repo && (wanted === 'all' || i.state === wanted) && labels.every((l) => i.labels.includes(l)));
    return ok(page(list, query).map((i) => issueJson(i, baseUrl)));
  },
  'search/issues-and-pull-requests': ({ query, state, baseUrl }) => {
    const q = query.get('q') ?? '';
    const phrases = [...q.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    const words = q.replace(/"[^"]*"/g, ' ').split(/\s+/).filter(Boolean);
    const indexedBefore = Date.now() - (state.searchIndexLagMs ?? 60_000);
    const list = state.issues.filter((i) => {
      if ((i.createdAt ?? 0) > indexedBefore) return false;
      for (const w of words) {
        const [k, v] = w.includes(':') ? [w.slice(0, w.indexOf(':')), w.slice(w.indexOf(':') + 1)] : ['', w];
        if (k === 'repo' && `${i.owner}/${i.repo}` !== v) return false;
        if (k === 'label' && !i.labels.includes(v)) return false;
        if (k === 'state' && i.state !== v) return false;
        if (k === 'is' && (v === 'open' || v === 'closed') && i.state !== v) return false;
        if (k === '' && !`${i.title}\n${i.body}`.includes(v)) return false;
      }
      return phrases.every((p) => `${i.title}\n${i.body}`.includes(p));
    });
    return ok({ total_count: list.length, incomplete_results: false, items: page(list, query).map((i) => issueJson(i, baseUrl)) });
  },
  'issues/create-comment': (input) => {
    const refused = refusedWrite(input, 'issue');
    if (refused) return refused;
    const { params, body, state, baseUrl } = input;
    const issue = state.issues.find((i) => i.owner === params.owner && i.repo === params.repo && i.number === Number(params.issue_number));
    const isPull = state.pulls.has(`${params.owner}/${params.repo}#${params.issue_number}`);
    if (!issue && !isPull) return notFound();
    const c: StoredIssueComment = { id: state.nextId++, owner: params.owner, repo: params.repo, issue_number: Number(params.issue_number), body: String(body.body) };
    state.issueComments.push(c);
    return ok({ id: c.id, body: c.body, user: user('keywarden[bot]'), html_url: `https://github.com/${params.owner}/${params.repo}/issues/${params.issue_number}#issuecomment-${c.id}`, url: `${baseUrl}/repos/${params.owner}/${params.repo}/issues/comments/${c.id}` }, 201);
  },
  'issues/list-comments': ({ params, query, state }) =>
    ok(page(state.issueComments.filter((c) => c.owner === params.owner && c.repo === params.repo && c.issue_number === Number(params.issue_number)), query)),
  'issues/check-user-can-be-assigned': ({ params, state }) => (state.assignable.has(params.assignee) ? { status: 204 } : notFound()),
  'issues/add-assignees': ({ params, body, state, baseUrl }) => {
    const issue = state.issues.find((i) => i.owner === params.owner && i.repo === params.repo && i.number === Number(params.issue_number));
    if (!issue) return notFound();
    for (const a of (body.assignees ?? []) as string[]) if (state.assignable.has(a) && !issue.assignees.includes(a)) issue.assignees.push(a);
    return ok(issueJson(issue, baseUrl), 201);
  },
  'issues/add-labels': ({ params, body, state }) => {
    const issue = state.issues.find((i) => i.owner === params.owner && i.repo === params.repo && i.number === Number(params.issue_number));
    if (!issue) return notFound();
    const labels = Array.isArray(body) ? body : ((body.labels ?? []) as Array<string | { name: string }>);
    for (const l of labels) {
      const name = typeof l === 'string' ? l : (l as { name: string }).name;
      if (!issue.labels.includes(name)) issue.labels.push(name);
    }
    return ok(issue.labels.map((name) => ({ name })));
  },

  'repos/get': ({ params, state }) => ok({ id: 1, name: params.repo, full_name: `${params.owner}/${params.repo}`, default_branch: 'main', private: false, owner: user(params.owner), size: isEmptyRepo({ params, state }) ? 0 : 108 }),
  // The stand-in keeps no commit list: a repository that has commits answers an empty page.
  'repos/list-commits': (i) => (isEmptyRepo(i) ? { status: 409, body: { message: 'Git Repository is empty.', documentation_url: 'https://docs.github.com/rest/commits/commits#list-commits' } } : ok([])),
  'repos/get-content': ({ params, headers, state }) => {
    const content = state.files.get(`${params.owner}/${params.repo}:${params.path}`);
    if (content === undefined) return notFound();
    if (String(headers.accept ?? '').includes('raw')) return { status: 200, body: content, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    return ok({ type: 'file', encoding: 'base64', path: params.path, name: params.path.split('/').pop(), content: Buffer.from(content).toString('base64') });
  },

  'credentials/revoke': ({ body, state }) => {
    state.revokedCredentials.push(...((body.credentials ?? []) as string[]));
    return { status: 202, body: {} };
  },
  ...notifyHandlers,
  ...installationHandlers,
  ...hookHandlers,
};
