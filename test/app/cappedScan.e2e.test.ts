// A scan that did not cover everything must never conclude `success`: a file larger than the
// byte budget is skipped and the scan goes on to later files and commits, and a scan cut by
// the commit cap or with skipped files concludes `neutral` (or `action_required` when
// .github/keywarden.yml says `incompleteScan: action_required`), with what was not scanned in
// its title. Real Redis and BullMQ, real git repositories, the scan worker with small caps,
// and the OpenAPI-validated GitHub stand-in.
import { describe, expect, it } from 'vitest';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { finishedJob, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';
import { TestRepo } from '../support/gitRepo.js';

const OWNER = 'Codertocat';
const MAX_BYTES = 64 * 1024;
const rig = scanWorkerRig('capped-scan', { limits: { maxCommits: 3, maxBytes: MAX_BYTES } });

const big = () => Array.from({ length: 2 * MAX_BYTES / 64 }, (_, i) => `row ${String(i).padStart(8, '0')} ${'x'.repeat(48)}`).join('\n') + '\n';

async function scan(repo: TestRepo, name: string, base: string, head: string) {
  const jobId = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head }));
  const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
  expect(job.failedReason).toBeUndefined();
  const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === head);
  expect(runs).toHaveLength(1);
  return runs[0];
}

describe('a capped scan', () => {
  it('skips a file over the byte budget and still scans the commits after it', async () => {
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    // git log lists the newest commit first: the dump comes before the leak.
    repo.commit({ 'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'add config');
    const head = repo.commit({ 'data/dump.csv': big() }, 'add a dump');
    const run = await scan(repo, 'budget-then-leak', base, head);
    expect(run.conclusion).toBe('failure');
    expect(run.annotations).toContainEqual(expect.objectContaining({ path: 'config/prod.env', start_line: 1 }));
    expect(String(run.output?.summary)).toMatch(/1 file not scanned/);
    expect(rig.gh.violations).toEqual([]);
  });

  it('concludes neutral, not success, when a clean scan skipped a file', async () => {
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    const head = repo.commit({ 'data/dump.csv': big(), 'src/ok.ts': 'export const ok = 1;\n' }, 'add a dump');
    const run = await scan(repo, 'budget-clean', base, head);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(String(run.output?.title)).toMatch(/1 file not scanned/);
    expect(rig.gh.violations).toEqual([]);
  });

  it('concludes neutral when the commit cap cut the range, naming the commits not scanned', async () => {
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    let head = base;
    for (let i = 0; i < 5; i++) head = repo.commit({ [`notes/${i}.md`]: `note ${i}\n` }, `note ${i}`);
    const run = await scan(repo, 'commit-cap', base, head);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'neutral' });
    expect(String(run.output?.title)).toMatch(/2 commits not scanned/);
    expect(rig.gh.violations).toEqual([]);
  });

  it('concludes action_required when .github/keywarden.yml asks for it', async () => {
    const repo = rig.track(new TestRepo());
    const name = 'commit-cap-strict';
    rig.gh.setFile(OWNER, name, '.github/keywarden.yml', 'incompleteScan: action_required\n');
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    let head = base;
    for (let i = 0; i < 4; i++) head = repo.commit({ [`notes/${i}.md`]: `note ${i}\n` }, `note ${i}`);
    const run = await scan(repo, name, base, head);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'action_required' });
    expect(String(run.output?.title)).toMatch(/1 commit not scanned/);
    expect(rig.gh.violations).toEqual([]);
  });
});
