// `keywarden keyservice`: runs the key service, and its `bootstrap`, `grant` and `partner-pattern` helpers.
// The service is imported lazily inside the actions so other subcommands never load it.
import type { Command } from 'commander';

interface StoreFlags {
  dataDir?: string;
  schema?: string;
  insecureDevPepper?: boolean;
}

function addStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'embedded database directory, when DATABASE_URL is unset (env KEYSERVICE_DATA_DIR)', process.env.KEYSERVICE_DATA_DIR || '.keywarden-data')
    .option('--schema <name>', 'PostgreSQL schema to use (with DATABASE_URL)')
    .option('--insecure-dev-pepper', 'allow DATABASE_URL without KEYSERVICE_PEPPER (local development only)');
}

async function openStoreFromFlags(flags: StoreFlags) {
  const { openKeyStore } = await import('../keyservice/keyStore.js');
  return openKeyStore({
    databaseUrl: process.env.DATABASE_URL || undefined,
    schema: flags.schema,
    dataDir: flags.dataDir,
    insecureDevPepper: flags.insecureDevPepper,
  });
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port "${value}": use 0-65535`);
  return port;
}

/** Errors a user can meet are printed with their code, e.g. `ALREADY_BOOTSTRAPPED: ...`. */
function withCode(err: unknown): Error {
  const e = err as { code?: string; message?: string };
  return e && typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) ? new Error(`${e.code}: ${e.message}`) : (err as Error);
}

export function registerKeyserviceCommand(program: Command): void {
  const keyservice = addStoreOptions(
    program
      .command('keyservice')
      .description('run the key service (API keys with roll, delete, expiry, scopes, leak reports)')
      .option('--port <n>', 'port to listen on (env KEYSERVICE_PORT or PORT; default 8787)')
      .option('--host <host>', 'address to listen on (env KEYSERVICE_HOST or HOST; default 127.0.0.1)'),
  ).addHelpText(
    'after',
    `
Environment:
  DATABASE_URL              use PostgreSQL instead of the embedded PGlite database
  KEYSERVICE_PEPPER         HMAC pepper for stored secrets (>= 32 chars); required with DATABASE_URL,
                            generated into <data-dir>/pepper (0600) for the embedded database
  KEYSERVICE_GRACE_SECONDS  how long a rolled key keeps working (default 43200 = 12 h)
  KEYSERVICE_TRUST_PROXY    behind a reverse proxy: true, a hop count, or trusted addresses/CIDRs
  KEYSERVICE_GITHUB_API_URL GitHub API for secret-scanning signing keys (default https://api.github.com)
  KEYSERVICE_GITHUB_TOKEN   optional token (no scopes) for fetching those keys without GitHub's anonymous rate limit
  KEYSERVICE_HOST, HOST     address to listen on when --host is not given (the Docker image sets HOST=0.0.0.0)
  KEYSERVICE_DATA_DIR       --data-dir's default (the Docker image sets /data, a volume)`,
  );

  keyservice.action(async (flags: StoreFlags & { port?: string; host?: string }) => {
    try {
      const host = flags.host || process.env.KEYSERVICE_HOST || process.env.HOST || '127.0.0.1';
      const port = parsePort(flags.port) ?? parsePort(process.env.KEYSERVICE_PORT) ?? parsePort(process.env.PORT) ?? 8787;
      const { startKeyService, graceSecondsFromEnv, trustProxyFromEnv } = await import('../keyservice/server.js');
      const graceSeconds = graceSecondsFromEnv();
      const store = await openStoreFromFlags(flags);
      const service = await startKeyService({ store, port, host, graceSeconds, logger: true, trustProxy: trustProxyFromEnv() });
      const backend = store.db.kind === 'pg' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${flags.dataDir}`;
      process.stderr.write(`keywarden key service listening on ${service.url} (bound to ${host}) — ${backend}, grace ${graceSeconds} s\n`);
      const stop = async () => {
        await service.close();
        await store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (err) {
      throw withCode(err);
    }
  });

  // Store options live on `keyservice` only; commander accepts them after the subcommand too.
  keyservice
    .command('bootstrap')
    .description('create the first organization and its organization key pair, and print them once')
    .option('--mode <mode>', 'test or live', 'live')
    .option('--name <name>', 'organization name', 'default')
    .option('--json', 'print JSON')
  .action(async (_flags: unknown, command: Command) => {
    const all = command.optsWithGlobals() as StoreFlags & { mode: string; name: string; json?: boolean };
    if (all.mode !== 'test' && all.mode !== 'live') throw new Error('--mode must be test or live');
    const store = await openStoreFromFlags(all);
    try {
      const { bootstrap } = await import('../keyservice/bootstrap.js');
      const issued = await bootstrap(store, { mode: all.mode, name: all.name });
      if (all.json) {
        process.stdout.write(`${JSON.stringify(issued, null, 2)}\n`);
      } else {
        process.stdout.write(
          [
            `organization   ${issued.organization.id} (${issued.organization.name})`,
            `key            ${issued.key.id} (${issued.key.mode}, organization level, all products)`,
            `public-api-key     ${issued.key.publicKey}`,
            `private-secret-key ${issued.key.secretKey}`,
            '',
            'The secret key is shown only now: store it in your secret manager.',
            '',
          ].join('\n'),
        );
      }
    } catch (err) {
      throw withCode(err);
    } finally {
      await store.close();
    }
  });

  keyservice
    .command('grant')
    .description('create a customized organization key directly in the database, e.g. for the rotation bot')
    .requiredOption('--products <list>', 'comma-separated products, e.g. leak-reports,keys')
    .option('--name <name>', 'key name', 'rotation-bot')
    .option('--member <member>', 'member the key belongs to')
    .option('--mode <mode>', 'test or live', 'live')
    .option('--organization <id>', 'organization id (needed when there are several)')
    .option('--json', 'print JSON')
  .action(async (_flags: unknown, command: Command) => {
    const all = command.optsWithGlobals() as StoreFlags & { products: string; name: string; member?: string; mode: string; organization?: string; json?: boolean };
    if (all.mode !== 'test' && all.mode !== 'live') throw new Error('--mode must be test or live');
    const products = all.products.split(',').map((p) => p.trim()).filter(Boolean);
    if (products.length === 0) throw new Error('--products needs at least one product');
    const store = await openStoreFromFlags(all);
    try {
      const { grantKey } = await import('../keyservice/bootstrap.js');
      const key = await grantKey(store, { products, name: all.name, member: all.member, mode: all.mode, organizationId: all.organization });
      if (all.json) process.stdout.write(`${JSON.stringify(key, null, 2)}\n`);
      else
        process.stdout.write(
          `key ${key.id} (${key.mode}; products ${products.join(', ')})\npublic-api-key     ${key.publicKey}\nprivate-secret-key ${key.secretKey}\n\nThe secret key is shown only now.\n`,
        );
    } catch (err) {
      throw withCode(err);
    } finally {
      await store.close();
    }
  });

  keyservice
    .command('partner-pattern')
    .description("print what GitHub's secret-scanning partner program asks for: token types, regexes, fresh example tokens, the endpoint")
    .option('--url <url>', 'public base URL of your key service', 'https://keys.example.com')
    .option('--examples <n>', 'example tokens per token type', '3')
    .option('--json', 'print JSON')
    .action(async (flags: { url: string; examples: string; json?: boolean }) => {
      const count = Number(flags.examples);
      if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error('--examples must be a whole number from 1 to 100');
      const [{ loadBuiltinRuleFiles }, { buildPartnerPattern, renderPartnerPattern }] = await Promise.all([
        import('../config/loadRules.js'),
        import('../keyservice/partner/partnerPattern.js'),
      ]);
      // The key service's own secret keys: the rules whose findings the key service rotates.
      const rules = loadBuiltinRuleFiles()
        .flatMap((file) => file.rules)
        .filter((rule) => rule.rotator === 'keyservice' && rule.regex !== undefined)
        .map((rule) => ({ id: rule.id, description: rule.description, regex: rule.regex as string }));
      const pattern = buildPartnerPattern(rules, flags.url, count);
      process.stdout.write(flags.json ? `${JSON.stringify(pattern, null, 2)}\n` : renderPartnerPattern(pattern));
    });
}
