// Source code in the languages the issue names (JS/TS, Python, Go, Java, Ruby, C#, PHP),
// Jupyter notebooks, shell history and CI pipelines (GitHub Actions, GitLab CI).
import { mark, type Part } from '../doc.js';
import { headerParts, jsonInner, lines, QUOTABLE, SIMPLE, type Slot, type Template } from './types.js';

const dq = (v: string) => jsonInner(v);

/** The API host a snippet calls. */
const host = (s: Slot) => `api.${s.keyword.replace(/[^a-z0-9]/g, '')}.com`;

export const CODE_TEMPLATES: Template[] = [
  {
    name: 'js-const',
    shapes: QUOTABLE,
    render: (s, rng) => ({
      path: rng.pick(['src/config.js', 'lib/client.mjs', 'server/index.js']),
      parts: [lines("import express from 'express';", '', 'const app = express();'), `const ${s.names.camel} = '`, mark(s.value.replace(/'/g, "\\'")), "';\n", lines('', 'app.listen(3000);')],
    }),
  },
  {
    name: 'js-env-fallback',
    shapes: QUOTABLE,
    render: (s) => ({
      path: 'src/settings.js',
      parts: [`export const ${s.names.camel} = process.env.${s.names.screaming} || "`, mark(dq(s.value)), '";\n'],
    }),
  },
  {
    name: 'ts-export',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s) => {
      const v: Part[] = s.shape === 'multiline' ? ['`', mark(s.value), '`'] : ['"', mark(dq(s.value)), '"'];
      return { path: `src/${s.keyword}/credentials.ts`, parts: ['// Credentials used by the nightly sync job.\n', `export const ${s.names.screaming}: string = `, ...v, ';\n'] };
    },
  },
  {
    name: 'js-fetch-header',
    shapes: ['plain', 'header'],
    detached: true,
    render: (s) => {
      const h = headerParts(s);
      return {
        path: 'src/api.ts',
        parts: [`const res = await fetch('https://${host(s)}/v1/items', {\n  headers: {\n    '${h.name}': '`, mark(h.value), "',\n  },\n});\n"],
      };
    },
  },
  {
    name: 'python-module',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s, rng) => {
      const q = rng.next() < 0.5 ? "'" : '"';
      const v: Part[] =
        s.shape === 'multiline' ? ['"""', mark(s.value), '"""'] : /["'\\]/.test(s.value) ? ['"', mark(dq(s.value)), '"'] : [q, mark(s.value), q];
      return { path: rng.pick(['app/config.py', 'scripts/sync.py', `${s.keyword}_client.py`]), parts: [lines('import os', 'import requests', ''), `${s.names.screaming} = `, ...v, '\n'] };
    },
  },
  {
    name: 'python-kwarg',
    shapes: SIMPLE,
    render: (s) => ({ path: 'jobs/export.py', parts: [lines('from client import Client', ''), `client = Client(${s.names.snake}="`, mark(s.value), '")\n'] }),
  },
  {
    name: 'python-headers',
    shapes: ['plain', 'header'],
    detached: true,
    render: (s) => {
      const h = headerParts(s);
      return { path: 'tools/report.py', parts: [`resp = requests.get("https://${host(s)}/v2/report", headers={"${h.name}": "`, mark(h.value), '"})\n'] };
    },
  },
  {
    name: 'go-const',
    shapes: [...QUOTABLE, 'multiline'],
    render: (s) => {
      const v: Part[] = s.shape === 'multiline' || /"/.test(s.value) ? ['`', mark(s.value), '`'] : ['"', mark(s.value), '"'];
      return { path: `internal/${s.keyword.replace(/[^a-z0-9]/g, '')}/client.go`, parts: [lines('package client', '', 'import "net/http"', ''), `const ${s.names.camel} = `, ...v, '\n'] };
    },
  },
  {
    name: 'go-setenv',
    shapes: QUOTABLE,
    render: (s) => ({ path: 'cmd/server/main_test.go', parts: ['func init() {\n\tos.Setenv("', s.names.screaming, '", "', mark(dq(s.value)), '")\n}\n'] }),
  },
  {
    name: 'java-constant',
    shapes: QUOTABLE,
    render: (s) => ({
      path: `src/main/java/com/example/${s.names.pascal}Config.java`,
      parts: [lines('package com.example;', '', `public final class ${s.names.pascal}Config {`), `    private static final String ${s.names.screaming} = "`, mark(dq(s.value)), '";\n}\n'],
    }),
  },
  {
    name: 'ruby-constant',
    shapes: QUOTABLE,
    render: (s, rng) => ({
      path: rng.pick(['config/initializers/client.rb', 'lib/tasks/sync.rake']),
      parts: [`${s.names.screaming} = '`, mark(s.value.replace(/'/g, "\\'")), "'.freeze\n"],
    }),
  },
  {
    name: 'ruby-config',
    shapes: QUOTABLE,
    render: (s) => ({ path: 'config/initializers/services.rb', parts: ['Rails.application.configure do\n', `  config.${s.names.snake} = "`, mark(dq(s.value)), '"\nend\n'] }),
  },
  {
    name: 'csharp-const',
    shapes: QUOTABLE,
    render: (s) => ({
      path: `Services/${s.names.pascal}Client.cs`,
      parts: [lines('namespace Example.Services;', '', 'public class ApiClient', '{'), `    private const string ${s.names.pascal} = "`, mark(dq(s.value)), '";\n}\n'],
    }),
  },
  {
    name: 'php-define',
    shapes: QUOTABLE,
    render: (s, rng) =>
      rng.next() < 0.5
        ? { path: 'wp-config.php', parts: ["<?php\ndefine('WP_DEBUG', false);\n", `define('${s.names.screaming}', '`, mark(s.value.replace(/'/g, "\\'")), "');\n"] }
        : { path: 'config/services.php', parts: ["<?php\n\nreturn [\n", `    '${s.names.snake}' => '`, mark(s.value.replace(/'/g, "\\'")), "',\n];\n"] },
  },
  {
    name: 'notebook',
    shapes: QUOTABLE,
    render: (s) => ({
      path: 'notebooks/exploration.ipynb',
      parts: [
        '{\n "cells": [\n  {\n   "cell_type": "code",\n   "execution_count": 1,\n   "metadata": {},\n   "outputs": [],\n   "source": [\n    "import os\\n",\n',
        `    "os.environ['${s.names.screaming}'] = '`,
        mark(dq(s.value.replace(/'/g, "\\'"))),
        "'\\n\"\n   ]\n  }\n ],\n \"metadata\": {\"kernelspec\": {\"name\": \"python3\"}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n",
      ],
    }),
  },
  {
    name: 'shell-history-export',
    shapes: QUOTABLE,
    render: (s, rng) => ({
      path: rng.pick(['.bash_history', 'home/ops/.zsh_history']),
      parts: [lines('cd ~/src/infra', 'git pull', 'ls -la'), `export ${s.names.screaming}=`, ...(s.shape === 'plain' ? [mark(s.value)] : ['"', mark(dq(s.value)), '"']), '\n', lines('./deploy.sh staging', 'history | tail')],
    }),
  },
  {
    name: 'shell-history-curl',
    shapes: ['plain', 'header'],
    detached: true,
    render: (s) => {
      const value: Part[] = s.shape === 'header' ? [mark(s.value)] : ['Authorization: Bearer ', mark(s.value)];
      return { path: '.bash_history', parts: ['kubectl get pods -n prod\n', `curl -s https://${host(s)}/v1/me -H "`, ...value, '"\n', 'exit\n'] };
    },
  },
  {
    name: 'github-actions',
    shapes: QUOTABLE,
    render: (s) => ({
      path: '.github/workflows/deploy.yml',
      parts: [lines('name: deploy', 'on:', '  push:', '    branches: [main]', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    env:'), `      ${s.names.screaming}: "`, mark(dq(s.value)), '"\n', lines('    steps:', '      - uses: actions/checkout@v4', '      - run: ./scripts/deploy.sh')],
    }),
  },
  {
    name: 'github-actions-curl',
    shapes: ['plain', 'header'],
    detached: true,
    render: (s) => {
      const h = headerParts(s);
      return { path: '.github/workflows/notify.yml', parts: [lines('jobs:', '  notify:', '    runs-on: ubuntu-latest', '    steps:'), `      - run: curl -fsS -X POST https://${host(s)}/hooks -H "${h.name}: `, mark(h.value), '"\n'] };
    },
  },
  {
    name: 'gitlab-ci',
    shapes: QUOTABLE,
    render: (s) => ({
      path: '.gitlab-ci.yml',
      parts: [lines('stages: [test, deploy]', '', 'variables:', '  GIT_DEPTH: "10"'), `  ${s.names.screaming}: "`, mark(dq(s.value)), '"\n', lines('', 'deploy:', '  stage: deploy', '  script:', '    - ./deploy.sh')],
    }),
  },
  {
    name: 'pem-file',
    shapes: ['multiline'],
    detached: true,
    render: (s, rng) => ({ path: rng.pick(['id_rsa', 'certs/server.key', 'deploy/key.pem', `.ssh/${s.keyword}_ed25519`]), parts: [mark(s.value), '\n'] }),
  },
  {
    name: 'http-request-file',
    shapes: ['header'],
    render: (s) => ({ path: 'requests/api.http', parts: [`GET https://${host(s)}/v1/users\nAccept: application/json\n`, mark(s.value), '\n\n'] }),
  },
];
