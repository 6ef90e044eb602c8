// Reading .github/keywarden.yml can fail without the file being wrong: GitHub answers 5xx, or
// the network drops. That must fail the attempt (BullMQ retries it), never become "invalid
// config, scanning with defaults", which would turn rotation off and drop the owner's
// settings. Only a file that parses badly is invalid. Real Redis and BullMQ, a real git
// repository, the scan worker, and the OpenAPI-validated GitHub stand-in.
import { describe, expect, it } from 'vitest';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('config-read');

describe('.github/keywarden.yml read failures', () => {
  it('a 5xx reading the file fails the attempt; the retry reads it and honours it', async () => {
    const { repo, base, head } = leakyRepo(rig, 0);
    const name = 'config-502';
    // The owner keeps config/ out of scans: read correctly, the leak there is not reported.
    rig.gh.setFile(OWNER, name, '.github/keywarden.yml', 'ignorePaths: ["config/**"]\n');
    // Every try of the first attempt (the client tries 3 times) gets a 502.
    rig.gh.failOperation({ operationId: 'repos/get-content', status: 502, times: 3 });
    const job = await finishedJob(rig.queue, await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head })), rig.gh.violations);
    rig.gh.clearOperationFaults();
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toMatch(/cannot read \.github\/keywarden\.yml \(will retry\)/);
    expect(job.returnvalue.invalidConfig).toBeUndefined();
    const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === head);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(String(runs[0].output?.title)).not.toMatch(/Invalid/);
  });

  it('a file that does not parse is still "invalid", and the scan goes on with the defaults', async () => {
    const { repo, base, head } = leakyRepo(rig, 0);
    const name = 'config-bad-yaml';
    rig.gh.setFile(OWNER, name, '.github/keywarden.yml', 'ignorePaths: [unclosed\n  - : :\n');
    const job = await finishedJob(rig.queue, await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head })), rig.gh.violations);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    const run = rig.gh.state.checkRuns.find((c) => c.repo === name && c.head_sha === head);
    expect(run).toMatchObject({ conclusion: 'failure' });
    expect(String(run?.output?.title)).toMatch(/^Invalid \.github\/keywarden\.yml: cannot use /);
    expect(String(run?.output?.summary)).toMatch(/invalid YAML/);
    expect(rig.gh.violations).toEqual([]);
  });
});
