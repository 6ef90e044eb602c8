// Stand-in handlers for telling an owner when the issue cannot be opened: repositories whose
// issues are disabled (GitHub answers 410 Gone to issue writes) or that are archived (403,
// read-only: issues, comments and commit comments alike), and commit comments, the first
// fallback. Kept apart from githubStandInHandlers.ts, which the scan side also extends.
import type { HandlerInput, HandlerResult } from './githubStandInHandlers.js';

export interface RepoSettings {
  hasIssues?: boolean;
  archived?: boolean;
}
export interface StoredCommitComment {
  id: number;
  owner: string;
  repo: string;
  commit_id: string;
  body: string;
}

/** Per-repository settings and commit comments, beside the stand-in's state. */
export interface NotifyState {
  repoSettings: Map<string, RepoSettings>;
  commitComments: StoredCommitComment[];
}

export const notifyState = (i: HandlerInput): NotifyState => {
  const s = i.state as unknown as Partial<NotifyState>;
  s.repoSettings ??= new Map();
  s.commitComments ??= [];
  return s as NotifyState;
};

/** GitHub's refusal of a write to this repository, if any: archived 403, or issues disabled 410. */
export function refusedWrite(i: HandlerInput, kind: 'issue' | 'commit-comment'): HandlerResult | undefined {
  const settings = notifyState(i).repoSettings.get(`${i.params.owner}/${i.params.repo}`) ?? {};
  if (settings.archived) return { status: 403, body: { message: 'Repository was archived so is read-only.', documentation_url: 'https://docs.github.com/rest' } };
  if (kind === 'issue' && settings.hasIssues === false) return { status: 410, body: { message: 'Issues are disabled for this repo', documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue' } };
  return undefined;
}

export const notifyHandlers: Record<string, (i: HandlerInput) => HandlerResult> = {
  'repos/create-commit-comment': (i) => {
    const refused = refusedWrite(i, 'commit-comment');
    if (refused) return refused;
    const c: StoredCommitComment = { id: i.state.nextId++, owner: i.params.owner, repo: i.params.repo, commit_id: i.params.commit_sha, body: String(i.body.body ?? '') };
    notifyState(i).commitComments.push(c);
    return { status: 201, body: { id: c.id, body: c.body, commit_id: c.commit_id, html_url: `https://github.com/${c.owner}/${c.repo}/commit/${c.commit_id}#commitcomment-${c.id}`, user: { login: 'keywarden[bot]', id: 1, type: 'Bot' } } };
  },
  'repos/list-comments-for-commit': (i) => {
    const per = Number(i.query.get('per_page') ?? 30);
    const page = Number(i.query.get('page') ?? 1);
    const list = notifyState(i).commitComments.filter((c) => c.owner === i.params.owner && c.repo === i.params.repo && c.commit_id === i.params.commit_sha);
    return { status: 200, body: list.slice((page - 1) * per, page * per).map((c) => ({ id: c.id, body: c.body, commit_id: c.commit_id })) };
  },
};
