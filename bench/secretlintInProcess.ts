// secretlint's in-process API over a list of files, run as its own process by
// engine.bench.ts. It stays out of the bench's process because @secretlint/profiler's
// PerformanceObserver handles every mark with a scan of all earlier ones: after a large run
// it keeps the main thread busy for minutes, which would slow whatever the bench runs next.
// Prints one JSON object: {bytes, ms, cpuMs, findings, done}.
import { readFileSync } from 'node:fs';

const [listFile, capArg] = process.argv.slice(2);
const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
const capMs = Number(capArg);
const { lintSource } = (await import('@secretlint/core')) as unknown as {
  lintSource: (a: unknown) => Promise<{ messages: unknown[] }>;
};
const { creator } = (await import('@secretlint/secretlint-rule-preset-recommend')) as unknown as { creator: unknown };
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
const start = performance.now();
const cpu = process.cpuUsage();
let bytes = 0;
let findings = 0;
let done = 0;
for (const f of files) {
  if (performance.now() - start > capMs) break;
  const content = readFileSync(f, 'utf8');
  const r = await lintSource({ source: { content, filePath: f, contentType: 'text' }, options: { config, maskSecrets: true } });
  findings += r.messages.length;
  bytes += Buffer.byteLength(content);
  done++;
}
const ms = performance.now() - start;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ bytes, ms, cpuMs: (used.user + used.system) / 1000, findings, done }));
// The profiler's backlog is not part of the figures; don't wait for it.
process.exit(0);
