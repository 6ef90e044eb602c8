import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientFor, pairOf } from './helpers.js';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const env = { ...process.env, KEYSERVICE_PEPPER: '', DATABASE_URL: '', KEYSERVICE_PORT: '', PORT: '', KEYSERVICE_GRACE_SECONDS: '30' };
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });

describe('keywarden keyservice (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-ks-cli-'));
  const dataDir = join(dir, 'data');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bootstraps once, grants a leak-reports key, and serves them over HTTP', async () => {
    const boot = cli('keyservice', 'bootstrap', '--json', '--data-dir', dataDir);
    expect(boot.status, boot.stderr).toBe(0);
    const issued = JSON.parse(boot.stdout);
    expect(issued.key.secretKey).toMatch(/^kwsk_live_/);
    const again = cli('keyservice', 'bootstrap', '--data-dir', dataDir);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('ALREADY_BOOTSTRAPPED');
    const grant = cli('keyservice', 'grant', '--products', 'leak-reports,keys', '--json', '--data-dir', dataDir);
    expect(grant.status, grant.stderr).toBe(0);
    const bot = JSON.parse(grant.stdout);
    expect(bot.products).toEqual(['leak-reports', 'keys']);

    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'keyservice', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d) => {
          stderr += d;
          const m = /listening on (http:\/\/\S+)/.exec(stderr);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      expect(stderr).toContain('grace 30 s');
      const call = clientFor(url);
      const keys = await call('GET', '/v1/keys', { creds: pairOf(issued.key) });
      expect(keys.status).toBe(200);
      expect(keys.body.data).toHaveLength(2);
      const roll = await call('POST', `/v1/keys/${issued.key.id}/roll`, { creds: pairOf(issued.key) });
      expect(new Date(roll.body.previous.expiresAt).getTime() - Date.parse(roll.body.createdAt)).toBe(30_000);
      const verify = await call('POST', '/v1/keys/verify', { creds: pairOf(bot), body: { token: issued.key.secretKey } });
      expect(verify.body).toMatchObject({ known: true, status: 'grace' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      for (const secret of [issued.key.secretKey, bot.secretKey, roll.body.secretKey]) {
        expect(stdout + stderr).not.toContain(secret);
      }
      expect(stdout).toContain('/v1/keys');
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000); // four processes each open PGlite (WASM start-up and migrations): slow on a loaded 2-core machine
});
