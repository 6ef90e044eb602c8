// Real git repositories for tests: a working repo to commit in, pushed to a bare repo that
// the scan worker fetches from (file:// URL; KEYWARDEN_ALLOW_FILE_CLONE / allowLocalClone).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export class TestRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'keywarden-e2e-'));
  readonly work = join(this.root, 'work');
  readonly bare = join(this.root, 'origin.git');
  get cloneUrl(): string {
    return `file://${this.bare}`;
  }

  constructor() {
    mkdirSync(this.work);
    this.git(this.root, 'init', '-q', '--bare', this.bare);
    this.git(this.work, 'init', '-q', '-b', 'main');
    this.git(this.work, 'config', 'user.email', 'octocat@example.com');
    this.git(this.work, 'config', 'user.name', 'octocat');
    this.git(this.work, 'remote', 'add', 'origin', this.bare);
  }

  private git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  }

  /** Writes files, commits them and pushes the current branch; returns the commit sha. */
  commit(files: Record<string, string>, message = 'change'): string {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.work, path)), { recursive: true });
      writeFileSync(join(this.work, path), text);
    }
    this.git(this.work, 'add', '-A');
    this.git(this.work, 'commit', '-q', '-m', message);
    this.git(this.work, 'push', '-q', 'origin', 'HEAD');
    return this.git(this.work, 'rev-parse', 'HEAD');
  }

  branch(name: string, from = 'main'): void {
    this.git(this.work, 'checkout', '-q', '-b', name, from);
  }

  checkout(name: string): void {
    this.git(this.work, 'checkout', '-q', name);
  }

  /**
   * Creates (or, with force, moves) tag `name` at `at` (default HEAD) and pushes it; annotated
   * when a message is given. Returns what the tag ref holds: the commit, or the tag object.
   */
  tag(name: string, o: { at?: string; message?: string; force?: boolean } = {}): string {
    const flags = [...(o.force ? ['-f'] : []), ...(o.message ? ['-a', '-m', o.message] : [])];
    this.git(this.work, 'tag', ...flags, name, o.at ?? 'HEAD');
    this.git(this.work, 'push', '-q', ...(o.force ? ['-f'] : []), 'origin', `refs/tags/${name}`);
    return this.git(this.work, 'rev-parse', `refs/tags/${name}`);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
