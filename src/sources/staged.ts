// What `git diff --cached` adds: the pre-commit mode. Work is proportional to the staged
// diff only, never to the size of the repository.
import type { Fragment } from '../scan/types.js';
import { gitChunks, PATCH_CONFIG, PATCH_FLAGS } from './gitProcess.js';
import { PatchParser, type BinaryChange } from './patchParser.js';

export interface StagedOptions {
  repoDir: string;
  maxBytes?: number;
  onBinary?: (change: BinaryChange) => void;
}

/** Spawns git at once (so the caller can prepare while git works); fragments come as read. */
export function stagedFragments(opts: StagedOptions): AsyncGenerator<Fragment> {
  // GIT_INDEX_FILE (set by `git commit -a` / `git commit PATH`) is inherited, so we see
  // exactly what is about to be committed.
  const args = [...PATCH_CONFIG, 'diff', '--cached', '-p', ...PATCH_FLAGS, '--'];
  return parseStaged(gitChunks(args, opts.repoDir), opts);
}

async function* parseStaged(output: AsyncGenerator<Buffer>, opts: StagedOptions): AsyncGenerator<Fragment> {
  const parser = new PatchParser({ maxBytes: opts.maxBytes });
  for await (const chunk of output) {
    parser.write(chunk);
    for (const b of parser.binaries.splice(0)) opts.onBinary?.(b);
    yield* parser.fragments.splice(0);
  }
  parser.end();
  for (const b of parser.binaries.splice(0)) opts.onBinary?.(b);
  yield* parser.fragments.splice(0);
}
