// The source a plan asks for, as one stream of SourceItems (fragments or skipped notes).
import type { SkippedFragment } from '../scan/types.js';
import type { SourceItem } from '../sources/types.js';
import type { ScanPlan } from './scanPlan.js';

export interface SourceCounters {
  commits: number;
}

export async function* itemsFor(plan: ScanPlan, ignorePath: ((p: string) => boolean) | undefined, counters: SourceCounters): AsyncGenerator<SourceItem> {
  // Binary changes in a diff are noted as skipped; git gives no size for them, hence 0 bytes.
  const binaries: SkippedFragment[] = [];
  const onBinary = (b: { path: string; commit?: string }): void => {
    binaries.push({ path: b.path, ...(b.commit ? { commit: b.commit } : {}), reason: 'binary', bytes: 0 });
  };
  switch (plan.mode) {
    case 'stdin': {
      const { stdinItems } = await import('../sources/stdin.js');
      yield* stdinItems(process.stdin, plan.maxFileSize);
      return;
    }
    case 'directory': {
      const { directoryItems } = await import('../sources/directory.js');
      const onUnreadable = (path: string, reason: string): void => {
        process.stderr.write(`keywarden: warning: cannot read ${path} (${reason}); not scanned\n`);
      };
      yield* directoryItems({ root: plan.target, gitignore: plan.gitignore, maxFileSize: plan.maxFileSize, ignorePath, onUnreadable });
      return;
    }
    case 'staged': {
      const { stagedFragments } = await import('../sources/staged.js');
      for await (const f of stagedFragments({ repoDir: plan.dir, onBinary })) {
        yield* binaries.splice(0);
        yield f;
      }
      yield* binaries.splice(0);
      return;
    }
    case 'history': {
      const { gitHistoryFragments } = await import('../sources/gitHistory.js');
      const fragments = gitHistoryFragments({
        repoDir: plan.dir,
        since: plan.since,
        range: plan.range,
        all: plan.all,
        onBinary,
        onCommit: (n) => (counters.commits = n),
      });
      for await (const f of fragments) {
        yield* binaries.splice(0);
        yield f;
      }
      yield* binaries.splice(0);
      return;
    }
  }
}
