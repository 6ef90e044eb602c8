// The scan runs in a worker thread (off the scan worker's event loop) on a real git repo,
// honouring the repository config and the caps, and hands raw GitHub tokens back only as
// an in-memory list.
import { afterAll, describe, expect, it } from 'vitest';
import { formatToken } from '../../../src/keyformat/keyFormat.js';
import { scanInThread } from '../../../src/app/scanJob/scanInThread.js';
import { TestRepo } from '../../support/gitRepo.js';
import { ensureBuilt } from '../../support/ensureBuilt.js';

ensureBuilt();
const repo = new TestRepo();
afterAll(() => repo.remove());

describe('scanInThread', () => {
  const leak = formatToken('secret', 'live');
  const base = repo.commit({ 'a.txt': 'nothing\n' }, 'base');
  const c1 = repo.commit({ 'src/a.env': `KEY=${leak}\n` }, 'one');
  const c2 = repo.commit({ 'vendor/b.env': `KEY=${formatToken('secret', 'live')}\n` }, 'two');
  const config = { disabledRules: [], ignorePaths: [], allowlists: [] };

  it('finds the planted key in the range, with line and commit', async () => {
    const r = await scanInThread({ repoDir: repo.bare, range: `${base}..${c1}`, config, maxCommits: 10, maxBytes: 1e6 });
    expect(r.commits).toBe(1);
    expect(r.findings).toEqual([expect.objectContaining({ path: 'src/a.env', line: 1, commit: c1, kind: 'secret' })]);
    expect(JSON.stringify(r.findings)).not.toContain(leak);
  });

  it('honours ignorePaths and the commit cap', async () => {
    const ignored = await scanInThread({ repoDir: repo.bare, range: `${base}..${c2}`, config: { ...config, ignorePaths: ['vendor/**'] }, maxCommits: 10, maxBytes: 1e6 });
    expect(ignored.findings.map((f) => f.path)).toEqual(['src/a.env']);
    const capped = await scanInThread({ repoDir: repo.bare, range: `${base}..${c2}`, config, maxCommits: 1, maxBytes: 1e6 });
    expect(capped.truncated).toEqual({ reason: 'max-commits', limit: 1 });
    expect(capped.findings).toHaveLength(1);
  });

  it('rejects a bad range with an error instead of crashing', async () => {
    await expect(scanInThread({ repoDir: repo.bare, range: '--output=/tmp/x', config, maxCommits: 1, maxBytes: 1 })).rejects.toThrow(/invalid revision/);
  });
});
