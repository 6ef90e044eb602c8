// Runs one git command of a scan's fetch, with two explicit time limits:
//   - inactivity: git prints nothing for this long (stdout or stderr), the transfer is stuck;
//   - deadline: the whole fetch (all its git commands) must end by this time, however busy.
// Fetches run with --progress, so git reports every second or so while it counts, receives and
// resolves objects: a long but moving fetch is not mistaken for a stuck one (simple-git's
// `timeout.block` was an inactivity timer too, and with --quiet git said nothing, so any fetch
// over 120 s was killed). Only the environment given reaches git (the token travels there).
import { spawn } from 'node:child_process';

export interface GitStepLimits {
  /** Kill git when it has printed nothing for this long. */
  inactivityMs: number;
  /** Absolute time (ms since epoch) by which every step of the fetch must have ended. */
  deadline: number;
}

export class GitStepError extends Error {
  constructor(message: string, readonly timedOut = false) {
    super(message);
    this.name = 'GitStepError';
  }
}

const MAX_STDERR = 2048;

/** Process groups of the git commands running now: ended with the worker, not orphaned by it. */
const running = new Set<number>();
let exitHookSet = false;
function endGroupsOnExit(): void {
  if (exitHookSet) return;
  exitHookSet = true;
  process.once('exit', () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function runGitStep(args: string[], cwd: string, env: NodeJS.ProcessEnv, limits: GitStepLimits, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const left = limits.deadline - Date.now();
    if (left <= 0) return reject(new GitStepError('fetch deadline passed', true));
    // Its own process group: git fetch runs git-remote-https and upload-pack helpers that hold
    // the pipes; a stuck fetch is ended with all of them, not just git.
    const child = spawn('git', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) {
      running.add(pid);
      endGroupsOnExit();
    }
    const out: Buffer[] = [];
    let err = '';
    let killedFor: string | undefined;
    const kill = (why: string): void => {
      killedFor = why;
      try {
        if (pid !== undefined) process.kill(-pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const deadline = setTimeout(() => kill(`fetch deadline passed (git ${subcommand(args)})`), left);
    let idle = setTimeout(() => kill(`git printed nothing for ${limits.inactivityMs} ms`), limits.inactivityMs);
    const active = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => kill(`git printed nothing for ${limits.inactivityMs} ms`), limits.inactivityMs);
    };
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      active();
    });
    child.stderr.on('data', (c: Buffer) => {
      // Progress lines are rewritten with \r; keep only the tail, for the error message.
      err = (err + c.toString('utf8')).slice(-MAX_STDERR);
      active();
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
    child.on('error', (e) => {
      if (pid !== undefined) running.delete(pid);
      clearTimeout(deadline);
      clearTimeout(idle);
      reject(new GitStepError(`could not run git: ${e.message}`));
    });
    child.on('close', (code) => {
      if (pid !== undefined) running.delete(pid);
      clearTimeout(deadline);
      clearTimeout(idle);
      if (killedFor) return reject(new GitStepError(killedFor, true));
      if (code !== 0) {
        const lines = err.split(/[\r\n]+/).filter((l) => l.trim() !== '' && !/^(remote: )?(Counting|Compressing|Enumerating|Receiving|Resolving|Total)/.test(l));
        return reject(new GitStepError(lines.slice(-3).join(' ') || `git exited with ${code}`));
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

/** The git subcommand of an argument list, past any `-c key=value` pairs. */
function subcommand(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c') i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return 'git';
}
