// `keywarden dlq list|retry`: the rotate jobs that failed for good, and sending them back.
import type { Command } from 'commander';

export function registerDlqCommand(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('rotate jobs that failed for good (the dead-letter list): list them, or retry them')
    .addHelpText('after', '\nEnvironment:\n  REDIS_URL      queue backend (default redis://127.0.0.1:6379)\n  BULLMQ_PREFIX  BullMQ key prefix (default bull)');
  dlq
    .command('list')
    .description('list failed rotate jobs with their reason (no secrets: hash and redacted preview only)')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { json?: boolean; limit: string }) => {
      const { openRotateQueue, listDeadLetters, DEAD_LETTER_QUEUES } = await import('../rotation/deadLetters.js');
      const dead = [];
      for (const name of DEAD_LETTER_QUEUES) {
        const queue = openRotateQueue(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', process.env.BULLMQ_PREFIX, name);
        dead.push(...(await listDeadLetters(queue, Number(o.limit) || 100)));
      }
      if (o.json) process.stdout.write(`${JSON.stringify(dead, null, 2)}\n`);
      else if (dead.length === 0) process.stdout.write('no failed rotate jobs\n');
      else {
        for (const d of dead) {
          process.stdout.write(`${d.queue}/${d.id}  ${d.repo}:${d.path}:${d.line}  ${d.preview}  attempts=${d.attemptsMade}  ${d.failedAt ?? ''}\n    ${d.failedReason}\n`);
        }
      }
      process.exit(0);
    });
  dlq
    .command('retry')
    .description('send failed rotate jobs back to the queue (all, or the given job ids)')
    .argument('[ids...]', 'job ids (queue/id) from `keywarden dlq list`')
    .action(async (ids: string[]) => {
      const { openRotateQueue, retryDeadLetters, DEAD_LETTER_QUEUES } = await import('../rotation/deadLetters.js');
      const retried: string[] = [];
      // Ids are printed as queue/id by `dlq list`; a bare id is looked up in every queue.
      for (const name of DEAD_LETTER_QUEUES) {
        const queue = openRotateQueue(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', process.env.BULLMQ_PREFIX, name);
        const mine = ids.filter((id) => !id.includes('/') || id.startsWith(`${name}/`)).map((id) => id.slice(id.indexOf('/') + 1));
        if (ids.length > 0 && mine.length === 0) continue;
        retried.push(...(await retryDeadLetters(queue, mine)).map((id) => `${name}/${id}`));
      }
      process.stdout.write(`retried ${retried.length} job(s)${retried.length ? `: ${retried.join(', ')}` : ''}\n`);
      process.exit(0);
    });
}
