// The Docker image runs `keywarden keyservice` with HOST=0.0.0.0 and KEYSERVICE_DATA_DIR=/data
// (a volume owned by its non-root user): both must take effect without flags.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');

async function startKeyService(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ line: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'keyservice', '--port', '0', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /^keywarden key service listening on .*$/m.exec(stderr);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return {
    line,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe("keywarden keyservice: HOST and KEYSERVICE_DATA_DIR", { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-ks-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = { ...process.env, KEYSERVICE_PEPPER: '', DATABASE_URL: '', KEYSERVICE_PORT: '', PORT: '', KEYSERVICE_HOST: '', HOST: '', KEYSERVICE_DATA_DIR: '' };

  it('binds HOST and keeps its embedded database in KEYSERVICE_DATA_DIR; flags still win', async () => {
    const dataDir = join(dir, 'volume');
    const fromEnv = await startKeyService({ ...base, HOST: '0.0.0.0', KEYSERVICE_DATA_DIR: dataDir }, []);
    try {
      expect(fromEnv.line).toContain('(bound to 0.0.0.0)');
      expect(fromEnv.line).toContain(`embedded PGlite in ${dataDir}`);
      expect(existsSync(join(dataDir, 'pepper'))).toBe(true);
    } finally {
      await fromEnv.stop();
    }
    const flags = await startKeyService({ ...base, HOST: '0.0.0.0', KEYSERVICE_DATA_DIR: dataDir }, ['--host', '127.0.0.1', '--data-dir', join(dir, 'flag')]);
    try {
      expect(flags.line).toContain('(bound to 127.0.0.1)');
      expect(flags.line).toContain(`embedded PGlite in ${join(dir, 'flag')}`);
    } finally {
      await flags.stop();
    }
  });
});
