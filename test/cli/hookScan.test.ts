// main.ts runs the pre-commit hook's `scan --staged` without commander; the options it
// passes must be exactly what commander would give the scan action.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { HOOK_SCAN_ARGS, HOOK_SCAN_OPTIONS, HOOK_SCAN_PATH, isHookScan } from '../../src/cli/hookScan.js';
import { registerScanCommand } from '../../src/cli/scanCommand.js';

async function commanderParse(args: readonly string[]): Promise<{ path: unknown; options: Record<string, unknown> }> {
  const program = new Command().exitOverride();
  registerScanCommand(program);
  let seen: { path: unknown; options: Record<string, unknown> } | undefined;
  program.hook('preAction', (_root, action) => {
    seen = { path: action.processedArgs[0], options: { ...action.opts() } };
    throw new Error('stop before the scan runs');
  });
  await expect(program.parseAsync(['node', 'keywarden', ...args])).rejects.toThrow('stop before the scan runs');
  if (!seen) throw new Error('the scan action was not reached');
  return seen;
}

describe('the pre-commit fast path', () => {
  it('passes the same path and options as commander for `scan --staged`', async () => {
    const parsed = await commanderParse(HOOK_SCAN_ARGS);
    expect(parsed.path).toBe(HOOK_SCAN_PATH);
    expect(parsed.options).toEqual(HOOK_SCAN_OPTIONS);
  });

  it('is taken only for exactly `scan --staged`', () => {
    expect(isHookScan(['scan', '--staged'])).toBe(true);
    expect(isHookScan(['scan', '--staged', '.'])).toBe(false);
    expect(isHookScan(['scan', '--staged', '--format', 'json'])).toBe(false);
    expect(isHookScan(['--staged', 'scan'])).toBe(false);
    expect(isHookScan(['scan'])).toBe(false);
  });
});
