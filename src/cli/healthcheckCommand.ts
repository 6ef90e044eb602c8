// `keywarden healthcheck`: the Docker image's HEALTHCHECK, one command for every process the
// image runs. A worker (no port) is judged by its heartbeat file (queue/heartbeat.ts); a
// process without one (serve, keyservice) by its /healthz, which serve answers 503 while
// Redis is unreachable. Exit 0 healthy, 1 unhealthy, as Docker expects.
import type { Command } from 'commander';

const HTTP_TIMEOUT_MS = 5_000;

/** HEALTHCHECK_URL, else /healthz on this machine at PORT (HOST when it names one address). */
export function healthzUrl(env: NodeJS.ProcessEnv): string {
  if (env.HEALTHCHECK_URL?.trim()) return env.HEALTHCHECK_URL.trim();
  const host = env.HOST?.trim();
  const local = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${local}:${env.PORT?.trim() || '3000'}/healthz`;
}

async function probe(url: string): Promise<{ healthy: boolean; reason: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    const body = (await res.text()).slice(0, 200);
    return { healthy: res.status === 200, reason: `${url} answered ${res.status}${body ? `: ${body}` : ''}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { healthy: false, reason: `${url} did not answer: ${e.cause?.code ?? e.name}` };
  }
}

export function registerHealthcheckCommand(program: Command): void {
  program
    .command('healthcheck')
    .description("exit 0 if this container's keywarden process is healthy (the image's HEALTHCHECK)")
    .addHelpText(
      'after',
      `
A worker is healthy when its heartbeat file is fresh and says Redis answered; any other
process when its /healthz answers 200.
Environment:
  KEYWARDEN_HEARTBEAT_FILE   the worker's heartbeat file (default: in the temporary directory)
  HEALTHCHECK_URL            the URL to probe instead of http://127.0.0.1:$PORT/healthz`,
    )
    .action(async () => {
      const { heartbeatFile, heartbeatVerdict } = await import('../queue/heartbeat.js');
      const verdict = heartbeatVerdict(heartbeatFile(process.env)) ?? (await probe(healthzUrl(process.env)));
      process.stdout.write(`${verdict.healthy ? 'healthy' : 'unhealthy'}: ${verdict.reason}\n`);
      process.exitCode = verdict.healthy ? 0 : 1;
    });
}
