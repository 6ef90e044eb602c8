// The GitHub Action's entry (action.yml runs `node dist/cli/githubAction.js`): picks what to
// scan from the workflow's event, runs `keywarden scan` with SARIF output, turns the results
// into annotations, step outputs and a job summary, and exits as the scan did (1 fails the
// job on leaks; action.yml uploads the SARIF first when asked).
//
// Inputs arrive as INPUT_CONFIG, INPUT_BASELINE, INPUT_FAIL_ON and INPUT_ARGS (action.yml maps
// them, as a node action's runner would), the rest from the environment every Actions job has:
// GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
// RUNNER_TEMP.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ActionError, scanTargetFor } from './githubActionEvent.js';

const BIN = fileURLToPath(new URL('../../bin/keywarden.js', import.meta.url));

interface SarifResult {
  ruleId: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn?: number } } }[];
  partialFingerprints: Record<string, string>;
  properties: { kind: string; severity: string };
}

export function runAction(env: NodeJS.ProcessEnv = process.env): number {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const payload: unknown = env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) : {};
  const hasCommit = (rev: string): boolean => spawnSync('git', ['cat-file', '-e', `${rev}^{commit}`], { cwd: workspace, stdio: 'ignore' }).status === 0;

  let target;
  try {
    target = scanTargetFor(eventName, payload, hasCommit);
  } catch (err) {
    if (!(err instanceof ActionError)) throw err;
    command('error', `keywarden: ${err.message}`);
    return 2;
  }
  if (target.kind === 'nothing') {
    command('notice', `keywarden: nothing to scan: ${target.why}`);
    setOutputs(env, { leaks: '0', findings: '0', 'sarif-file': '', 'exit-code': '0' });
    return 0;
  }

  const sarifFile = join(env.RUNNER_TEMP ?? workspace, 'keywarden.sarif');
  const args = ['scan', ...target.args, '--format', 'sarif', '--output', sarifFile, '--no-progress'];
  if (env.INPUT_CONFIG) args.push('--config', resolve(workspace, env.INPUT_CONFIG));
  if (env.INPUT_BASELINE) args.push('--baseline', resolve(workspace, env.INPUT_BASELINE));
  if (env.INPUT_FAIL_ON) args.push('--fail-on', env.INPUT_FAIL_ON);
  if (env.INPUT_ARGS) args.push(...env.INPUT_ARGS.trim().split(/\s+/));

  process.stdout.write(`keywarden: scanning ${target.what}\n`);
  const scan = spawnSync(process.execPath, [BIN, ...args], { cwd: workspace, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  process.stderr.write(scan.stderr);
  const code = scan.status ?? 2;
  if (code === 2 || !existsSync(sarifFile)) {
    command('error', `keywarden: the scan failed: ${lastLine(scan.stderr) || `exit ${code}`}`);
    setOutputs(env, { leaks: '0', findings: '0', 'sarif-file': '', 'exit-code': String(code) });
    return 2;
  }

  const results = (JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: { results: SarifResult[] }[] }).runs[0].results;
  for (const r of results) annotate(r);
  const leaks = results.filter((r) => r.properties.kind === 'secret').length;
  setOutputs(env, { leaks: String(leaks), findings: String(results.length), 'sarif-file': sarifFile, 'exit-code': String(code) });
  writeSummary(env, target.what, summaryOf(scan.stderr), results);
  return code;
}

function annotate(r: SarifResult): void {
  const loc = r.locations[0]?.physicalLocation;
  const file = loc ? decodeURIComponent(loc.artifactLocation.uri) : '';
  const fingerprint = r.partialFingerprints['keywarden/v1'] ?? '';
  const props = { file, line: String(loc?.region.startLine ?? 1), col: String(loc?.region.startColumn ?? 1), title: `keywarden: ${r.ruleId} (${r.properties.severity})` };
  command(r.properties.kind === 'secret' ? 'error' : 'notice', `${r.message.text}. Fingerprint: ${fingerprint}`, props);
}

/** A workflow command (::error file=…::message), escaped as the runner expects. */
function command(name: string, message: string, props: Record<string, string> = {}): void {
  const escData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string): string => escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const list = Object.entries(props).map(([k, v]) => `${k}=${escProp(v)}`).join(',');
  process.stdout.write(`::${name}${list ? ` ${list}` : ''}::${escData(message)}\n`);
}

function setOutputs(env: NodeJS.ProcessEnv, outputs: Record<string, string>): void {
  if (!env.GITHUB_OUTPUT) return;
  appendFileSync(env.GITHUB_OUTPUT, Object.entries(outputs).map(([k, v]) => `${k}=${v}\n`).join(''));
}

function writeSummary(env: NodeJS.ProcessEnv, what: string, summary: string, results: SarifResult[]): void {
  if (!env.GITHUB_STEP_SUMMARY) return;
  const rows = results.map((r) => {
    const loc = r.locations[0]?.physicalLocation;
    const cell = (s: string): string => s.replace(/\|/g, '\\|');
    return `| ${cell(decodeURIComponent(loc?.artifactLocation.uri ?? ''))}:${loc?.region.startLine ?? ''} | ${r.ruleId} | ${r.properties.severity} | \`${cell(r.partialFingerprints['keywarden/v1'] ?? '')}\` |`;
  });
  const table = rows.length > 0 ? ['', '| where | rule | severity | fingerprint |', '|---|---|---|---|', ...rows] : [];
  appendFileSync(env.GITHUB_STEP_SUMMARY, [`### keywarden: ${what}`, '', summary, ...table, ''].join('\n') + '\n');
}

/** The scan's one-line summary (keywarden: … found …), which it prints on stderr with --output. */
function summaryOf(stderr: string): string {
  return stderr.split('\n').find((l) => /^keywarden: (no leaks found|\d+ leaks? found)/.test(l)) ?? '';
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) process.exitCode = runAction();
