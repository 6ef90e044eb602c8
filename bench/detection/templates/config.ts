// Configuration files as people write them: .env, docker-compose, Kubernetes Secrets,
// Terraform, Spring properties, .NET appsettings / user secrets, Django settings, .npmrc,
// ~/.aws/credentials, Jenkins credentials.xml, Dockerfile, JSON config.
import { mark, type Part } from '../doc.js';
import type { Rng } from '../rng.js';
import { jsonInner, lines, QUOTABLE, SIMPLE, type Slot, type Template } from './types.js';

const ENV_FILLER = ['NODE_ENV=production', 'PORT=8080', 'LOG_LEVEL=info', 'APP_NAME=orders-api', 'DB_HOST=db.internal', 'DB_PORT=5432', 'CACHE_TTL=300', 'FEATURE_BETA=false', 'TZ=UTC', 'SENTRY_ENVIRONMENT=staging'];

function filler(rng: Rng, pool: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(pool));
  return [...new Set(out)];
}

/** The value on one line, escaped the way a double-quoted string needs it. */
const dq = (v: string) => jsonInner(v);

/** Whether the value can sit unquoted in .env / properties / YAML. */
const bare = (s: Slot) => s.shape === 'plain' || s.shape === 'uri';

/** A multi-line value as a YAML block scalar at the given indent. */
const block = (v: string, indent: string) => v.split('\n').join(`\n${indent}`);

export const CONFIG_TEMPLATES: Template[] = [
  {
    name: 'dotenv',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s, rng) => {
      const before = filler(rng, ENV_FILLER, 3);
      const after = filler(rng, ENV_FILLER, 2);
      const v: Part[] = bare(s) && rng.next() < 0.6 ? [mark(s.value)] : ['"', mark(s.shape === 'multiline' ? s.value : dq(s.value)), '"'];
      return { path: rng.pick(['.env', '.env.production', 'config/.env.local', 'deploy/.env']), parts: [lines(...before), `${s.names.screaming}=`, ...v, '\n', lines(...after)] };
    },
  },
  {
    name: 'docker-compose',
    shapes: QUOTABLE,
    render: (s, rng) => {
      const list = rng.next() < 0.5;
      const head = lines('services:', '  api:', `    image: registry.example.com/${s.keyword}-worker:1.4.2`, '    restart: unless-stopped', '    environment:');
      const entry: Part[] = list
        ? ['      - ', `${s.names.screaming}=`, mark(s.value), '\n']
        : ['      ', `${s.names.screaming}: "`, mark(dq(s.value)), '"\n'];
      return { path: rng.pick(['docker-compose.yml', 'compose.yaml', 'deploy/docker-compose.prod.yml']), parts: [head, list ? '      - LOG_LEVEL=info\n' : '      LOG_LEVEL: info\n', ...entry, lines('    ports:', '      - "8080:8080"')] };
    },
  },
  {
    name: 'k8s-secret-stringData',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s, rng) => {
      const head = lines('apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${s.keyword}-credentials`, '  namespace: production', 'type: Opaque', 'stringData:');
      const entry: Part[] =
        s.shape === 'multiline' ? [`  ${s.names.kebab}: |\n    `, mark(block(s.value, '    ')), '\n'] : [`  ${s.names.screaming}: "`, mark(dq(s.value)), '"\n'];
      return { path: `k8s/${s.keyword}-secret.yaml`, parts: [head, ...entry] };
    },
  },
  {
    // data: holds base64 of the bare value: recognisable once decoded only by its prefix.
    name: 'k8s-secret-data',
    shapes: [...QUOTABLE, 'multiline'],
    detached: true,
    render: (s) => {
      const head = lines('apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${s.keyword}`, 'type: Opaque', 'data:');
      return { path: `manifests/${s.keyword}-secret.yaml`, parts: [head, `  ${s.names.kebab}: `, mark(Buffer.from(s.value).toString('base64')), '\n'] };
    },
  },
  {
    // A keyword-bound value goes in as an env file, as `kubectl create secret generic --from-file=.env` writes it.
    name: 'k8s-secret-data-env',
    shapes: QUOTABLE,
    render: (s) => {
      const head = lines('apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${s.keyword}-env`, 'type: Opaque', 'data:');
      const b64 = Buffer.from(`${s.names.screaming}=${s.value}\n`).toString('base64');
      return { path: `manifests/${s.keyword}-env.yaml`, parts: [head, '  .env: ', mark(b64), '\n'] };
    },
  },
  {
    name: 'terraform-tfvars',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s, rng) => {
      const v: Part[] = s.shape === 'multiline' ? ['<<EOT\n', mark(s.value), '\nEOT'] : ['"', mark(dq(s.value)), '"'];
      return { path: rng.pick(['terraform.tfvars', 'envs/prod.auto.tfvars']), parts: ['region      = "eu-west-1"\nenvironment = "prod"\n', `${s.names.snake} = `, ...v, '\n'] };
    },
  },
  {
    name: 'terraform-provider',
    shapes: QUOTABLE,
    detached: true,
    render: (s) => ({
      path: 'main.tf',
      parts: [lines('terraform {', '  required_version = ">= 1.5"', '}', '', `provider "${s.keyword}" {`), '  token = "', mark(dq(s.value)), '"\n}\n'],
    }),
  },
  {
    name: 'application-properties',
    shapes: QUOTABLE,
    render: (s, rng) => ({
      path: rng.pick(['src/main/resources/application.properties', 'src/main/resources/application-prod.properties']),
      parts: [lines('spring.application.name=billing', 'server.port=8081', 'spring.jpa.open-in-view=false'), `${s.names.dotted}=`, mark(s.value), '\n'],
    }),
  },
  {
    name: 'application-yaml',
    shapes: QUOTABLE,
    render: (s) => ({
      path: 'src/main/resources/application.yml',
      parts: [lines('server:', '  port: 8081', 'spring:', '  application:', '    name: billing'), `${s.names.kebab}: "`, mark(dq(s.value)), '"\n'],
    }),
  },
  {
    // Sections nest the key under the provider's name, on another line.
    name: 'appsettings-nested',
    shapes: QUOTABLE,
    detached: true,
    render: (s) => ({
      path: 'appsettings.json',
      parts: [lines('{', '  "Logging": { "LogLevel": { "Default": "Information" } },', '  "AllowedHosts": "*",', `  "${s.display.replace(/[^A-Za-z0-9]/g, '')}": {`), '    "ApiKey": "', mark(dq(s.value)), '"\n  }\n}\n'],
    }),
  },
  {
    // dotnet user-secrets writes flat "Section:Key" names.
    name: 'dotnet-user-secrets',
    shapes: QUOTABLE,
    render: (s, rng) => ({
      path: rng.pick(['secrets.json', 'appsettings.Development.json']),
      parts: ['{\n  "Logging:LogLevel:Default": "Debug",\n', `  "${s.names.pascal}": "`, mark(dq(s.value)), '"\n}\n'],
    }),
  },
  {
    name: 'appsettings-connection-string',
    shapes: ['uri', 'spaced'],
    render: (s) => ({
      path: 'appsettings.Production.json',
      parts: ['{\n  "ConnectionStrings": {\n', `    "${s.names.pascal}": "`, mark(dq(s.value)), '"\n  }\n}\n'],
    }),
  },
  {
    name: 'django-settings',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s) => {
      const v: Part[] = s.shape === 'multiline' ? ['"""', mark(s.value), '"""'] : ['"', mark(dq(s.value)), '"'];
      return { path: 'mysite/settings.py', parts: [lines('DEBUG = False', 'ALLOWED_HOSTS = ["api.example.com"]', 'TIME_ZONE = "UTC"'), `${s.names.screaming} = `, ...v, '\n'] };
    },
  },
  {
    name: 'npmrc',
    shapes: ['plain'],
    detached: true,
    render: (s, rng) => ({
      path: rng.pick(['.npmrc', 'frontend/.npmrc']),
      parts: [`@${s.keyword}:registry=https://npm.pkg.example.com/\n`, '//npm.pkg.example.com/:_authToken=', mark(s.value), '\nalways-auth=true\n'],
    }),
  },
  {
    name: 'npmrc-named',
    shapes: ['plain'],
    render: (s) => ({ path: '.npmrc', parts: [`registry=https://registry.npmjs.org/\n${s.names.snake}=`, mark(s.value), '\n'] }),
  },
  {
    name: 'aws-credentials-ini',
    shapes: SIMPLE,
    render: (s, rng) => ({
      path: rng.pick(['.aws/credentials', 'home/deploy/.aws/credentials', '.config/credentials.ini']),
      parts: [`[${rng.pick(['default', 'prod', 'ci'])}]\nregion = us-east-1\n`, `${s.names.snake} = `, mark(s.value), '\n'],
    }),
  },
  {
    name: 'jenkins-credentials-xml',
    shapes: [...QUOTABLE, 'multiline'],
    detached: true,
    render: (s) => {
      const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return {
        path: 'jenkins/credentials.xml',
        parts: [
          lines("<?xml version='1.1' encoding='UTF-8'?>", '<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin="credentials@1311.vcf0a_900b_37c">', '  <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash">', '    <entry>', '      <java.util.concurrent.CopyOnWriteArrayList>', '        <org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>', '          <scope>GLOBAL</scope>', `          <id>${s.names.kebab}</id>`, `          <description>${s.display}</description>`),
          '          <secret>',
          mark(esc(s.value)),
          lines('</secret>', '        </org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>', '      </java.util.concurrent.CopyOnWriteArrayList>', '    </entry>', '  </domainCredentialsMap>', '</com.cloudbees.plugins.credentials.SystemCredentialsProvider>'),
        ],
      };
    },
  },
  {
    name: 'dockerfile-env',
    shapes: SIMPLE,
    render: (s, rng) => ({
      path: rng.pick(['Dockerfile', 'docker/Dockerfile.prod']),
      parts: [lines('FROM node:20-alpine', 'WORKDIR /app', 'COPY package*.json ./', 'RUN npm ci --omit=dev'), rng.next() < 0.5 ? `ENV ${s.names.screaming}=` : `ENV ${s.names.screaming} `, mark(s.value), '\n', lines('COPY . .', 'CMD ["node", "server.js"]')],
    }),
  },
  {
    name: 'json-config-flat',
    shapes: QUOTABLE,
    render: (s, rng) => ({
      path: rng.pick(['config/production.json', 'config.json', 'settings.json']),
      parts: ['{\n  "port": 3000,\n  "logLevel": "warn",\n', `  "${s.names.camel}": "`, mark(dq(s.value)), '",\n  "retries": 3\n}\n'],
    }),
  },
  {
    name: 'json-config-nested',
    shapes: [...QUOTABLE, 'multiline'],
    detached: true,
    render: (s) => ({
      path: 'config/default.json',
      parts: ['{\n  "server": { "port": 3000 },\n', `  "${s.keyword}": {\n    "enabled": true,\n    "key": "`, mark(dq(s.value)), '"\n  }\n}\n'],
    }),
  },
];
