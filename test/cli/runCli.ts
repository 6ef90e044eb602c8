// Runs the built CLI (`node bin/keywarden.js`) as a user would. Needs dist/: `npm test`
// builds it first (pretest); by hand, run `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatToken } from '../../src/keyformat/keyFormat.js';

export const BIN = fileURLToPath(new URL('../../bin/keywarden.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
}

export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string | undefined>; input?: string } ): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  delete env.CI;
  if (opts.env && 'CI' in opts.env && opts.env.CI !== undefined) env.CI = opts.env.CI;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A key-service live secret token: a built-in rule finds it, its checksum validates. */
export function serviceToken(seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = (seed * 2654435761 + 12345) >>> 0;
  let random = '';
  for (let i = 0; i < 30; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    random += alphabet[(x >>> 16) % 62];
  }
  return formatToken('secret', 'live', random);
}
