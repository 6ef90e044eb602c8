// The source a plan asks for, as one stream of SourceItems (fragments or skipped notes).
import type { Fragment, SkippedFragment } from '../scan/types.js';
import type { DirectoryListing } from '../sources/directory.js';
import type { SourceItem } from '../sources/types.js';
import type { ScanPlan } from './scanPlan.js';

export interface SourceCounters {
  commits: number;
}

/** The plan's directory listed before the engine starts (its size picks the engine); undefined for a single file. */
export async function listPlanDirectory(plan: ScanPlan, maxFileSize: number): Promise<DirectoryListing | undefined> {
  const { listDirectory } = await import('../sources/directory.js');
  return listDirectory(plan.target, plan.gitignore ?? true, maxFileSize);
}

/** A source already started: git is running, its fragments and binary notes come as read. */
export interface StartedSource {
  batches: AsyncIterable<Fragment[]>;
  binaries: SkippedFragment[];
}

// Binary changes in a diff are noted as skipped; git gives no size for them, hence 0 bytes.
function binaryNotes(binaries: SkippedFragment[]): (b: { path: string; commit?: string }) => void {
  return (b) => {
    binaries.push({ path: b.path, ...(b.commit ? { commit: b.commit } : {}), reason: 'binary', bytes: 0 });
  };
}

/** Starts `git diff --cached` now, so that git works while the caller builds the rule set. */
export async function startStaged(plan: ScanPlan): Promise<StartedSource> {
  const { stagedFragments } = await import('../sources/staged.js');
  const binaries: SkippedFragment[] = [];
  return { batches: oneByOne(stagedFragments({ repoDir: plan.dir, onBinary: binaryNotes(binaries) })), binaries };
}

/** Starts `git log -p` now, for the same reason: git's time is most of a history scan's. */
export async function startHistory(plan: ScanPlan, counters: SourceCounters): Promise<StartedSource> {
  const { startGitHistory } = await import('../sources/gitHistory.js');
  const binaries: SkippedFragment[] = [];
  const batches = startGitHistory({
    repoDir: plan.dir,
    since: plan.since,
    range: plan.range,
    all: plan.all,
    onBinary: binaryNotes(binaries),
    onCommit: (n) => (counters.commits = n),
  });
  return { batches, binaries };
}

function isStarted(s: StartedSource | DirectoryListing | undefined): s is StartedSource {
  return s !== undefined && 'batches' in s;
}

async function* oneByOne<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}

/** A started source's batches, each led by the binary notes that came before it. */
async function* withBinaryNotes(started: StartedSource): AsyncGenerator<SourceItem[]> {
  const { binaries } = started;
  for await (const batch of started.batches) yield binaries.length > 0 ? [...binaries.splice(0), ...batch] : batch;
  if (binaries.length > 0) yield binaries.splice(0);
}

/**
 * The plan's source as batches of items: the directory and history sources read in batches,
 * and handing each batch over whole saves the scan loop an asynchronous step per item.
 */
export async function* itemBatchesFor(
  plan: ScanPlan,
  ignorePath: ((p: string) => boolean) | undefined,
  counters: SourceCounters,
  started?: StartedSource | DirectoryListing,
): AsyncGenerator<SourceItem[]> {
  switch (plan.mode) {
    case 'stdin': {
      const { stdinItems } = await import('../sources/stdin.js');
      for await (const item of stdinItems(process.stdin, plan.maxFileSize)) yield [item];
      return;
    }
    case 'directory': {
      const { directoryBatches } = await import('../sources/directory.js');
      const onUnreadable = (path: string, reason: string): void => {
        process.stderr.write(`keywarden: warning: cannot read ${path} (${reason}); not scanned\n`);
      };
      const files = started && 'files' in started ? started.files : undefined;
      yield* directoryBatches({ root: plan.target, gitignore: plan.gitignore, maxFileSize: plan.maxFileSize, ignorePath, onUnreadable, files });
      return;
    }
    case 'staged':
      yield* withBinaryNotes(isStarted(started) ? started : await startStaged(plan));
      return;
    case 'history':
      yield* withBinaryNotes(isStarted(started) ? started : await startHistory(plan, counters));
      return;
  }
}
