// Hard negatives that come from no spec: text that looks like a secret to a careless rule and
// is none. Each kind is written from the format's documentation (lockfiles, go.sum, SRI,
// AWS's published example keys, RFC/FIPS test vectors), with seeded random values.
import { createHash } from 'node:crypto';
import { lines } from './templates/types.js';
import type { Rng } from './rng.js';

export interface NegativeFile {
  path: string;
  text: string;
}

type Maker = (rng: Rng, i: number) => NegativeFile;

const HEX = '0123456789abcdef';
const PKGS = ['left-pad', 'chalk', 'lodash.merge', 'semver', 'debug', 'ms', 'yaml', 'commander', 'picomatch', 'fast-glob', 'uuid', 'tslib', 'ws', 'undici', 'zod'];
const sha = (algo: string, s: string, enc: 'hex' | 'base64' = 'hex') => createHash(algo).update(s).digest(enc);
const version = (rng: Rng) => `${rng.int(12)}.${rng.int(30)}.${rng.int(20)}`;
const uuid = (rng: Rng) => `${rng.chars(HEX, 8)}-${rng.chars(HEX, 4)}-4${rng.chars(HEX, 3)}-${rng.pick(['8', '9', 'a', 'b'])}${rng.chars(HEX, 3)}-${rng.chars(HEX, 12)}`;
const gitSha = (rng: Rng) => rng.chars(HEX, 40);

/** Lockfiles, checksum lists and integrity attributes: hashes everywhere, secrets nowhere. */
const hashes: Maker = (rng, i) => {
  const pkg = rng.pick(PKGS);
  const v = version(rng);
  const seed = `${pkg}@${v}#${i}`;
  switch (i % 8) {
    case 0:
      return { path: 'package-lock.json', text: JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { [`node_modules/${pkg}`]: { version: v, resolved: `https://registry.npmjs.org/${pkg}/-/${pkg}-${v}.tgz`, integrity: `sha512-${sha('sha512', seed, 'base64')}`, license: 'MIT' } } }, null, 2) + '\n' };
    case 1:
      return { path: 'yarn.lock', text: lines(`${pkg}@^${v}:`, `  version "${v}"`, `  resolved "https://registry.yarnpkg.com/${pkg}/-/${pkg}-${v}.tgz#${sha('sha1', seed)}"`, `  integrity sha1-${sha('sha1', seed, 'base64')}`) };
    case 2:
      return { path: 'go.sum', text: lines(`github.com/${pkg}/${pkg} v${v} h1:${sha('sha256', seed, 'base64')}`, `github.com/${pkg}/${pkg} v${v}/go.mod h1:${sha('sha256', seed + 'mod', 'base64')}`) };
    case 3:
      return { path: 'Cargo.lock', text: lines('[[package]]', `name = "${pkg}"`, `version = "${v}"`, 'source = "registry+https://github.com/rust-lang/crates.io-index"', `checksum = "${sha('sha256', seed)}"`) };
    case 4:
      return { path: 'requirements.txt', text: lines(`${pkg}==${v} \\`, `    --hash=sha256:${sha('sha256', seed)} \\`, `    --hash=sha256:${sha('sha256', seed + 'whl')}`) };
    case 5:
      return { path: 'SHA256SUMS', text: lines(`${sha('sha256', seed)}  ${pkg}-${v}-linux-amd64.tar.gz`, `${sha('sha256', seed + 'arm')}  ${pkg}-${v}-linux-arm64.tar.gz`, `${sha('md5', seed)}  ${pkg}-${v}.zip`) };
    case 6:
      return { path: 'public/index.html', text: lines('<!doctype html>', `<script src="https://cdn.example.net/${pkg}@${v}/dist/${pkg}.min.js" integrity="sha384-${sha('sha384', seed, 'base64')}" crossorigin="anonymous"></script>`) };
    default:
      return { path: 'Dockerfile', text: lines(`FROM node:20-alpine@sha256:${sha('sha256', seed)}`, 'RUN apk add --no-cache git', `# cache key ${sha('sha1', seed)}`) };
  }
};

/** Identifiers that are UUIDs: tenants, subscriptions, project GUIDs, request ids. */
const uuids: Maker = (rng, i) => {
  switch (i % 5) {
    case 0:
      return { path: 'infra/azure.tf', text: lines('provider "azurerm" {', '  features {}', `  subscription_id = "${uuid(rng)}"`, `  tenant_id       = "${uuid(rng)}"`, '}') };
    case 1:
      return { path: 'App/App.csproj', text: lines('<Project Sdk="Microsoft.NET.Sdk">', '  <PropertyGroup>', `    <ProjectGuid>{${uuid(rng).toUpperCase()}}</ProjectGuid>`, `    <UserSecretsId>${uuid(rng)}</UserSecretsId>`, '  </PropertyGroup>', '</Project>') };
    case 2:
      return { path: 'fixtures/orders.json', text: JSON.stringify({ orders: [1, 2, 3].map(() => ({ id: uuid(rng), customerId: uuid(rng), status: 'paid' })) }, null, 2) + '\n' };
    case 3:
      return { path: 'logs/app.log', text: lines(`2024-05-0${1 + (i % 9)}T10:00:00Z INFO request_id=${uuid(rng)} trace_id=${rng.chars(HEX, 32)} span_id=${rng.chars(HEX, 16)} GET /v1/items 200`) };
    default:
      return { path: 'k8s/deployment.yaml', text: lines('metadata:', '  name: api', `  uid: ${uuid(rng)}`, '  annotations:', `    deployment.kubernetes.io/revision-hash: "${rng.chars(HEX, 10)}"`) };
  }
};

/** Commit ids: pinned actions, pseudo-versions, changelogs, blame-ignore lists. */
const gitShas: Maker = (rng, i) => {
  const s = gitSha(rng);
  switch (i % 5) {
    case 0:
      return { path: '.github/workflows/ci.yml', text: lines('jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', `      - uses: actions/checkout@${s} # v4.1.1`, `      - uses: actions/setup-node@${gitSha(rng)} # v4`) };
    case 1:
      return { path: 'go.mod', text: lines('module example.com/app', '', 'go 1.22', '', 'require (', `\tgithub.com/${rng.pick(PKGS)}/lib v0.0.0-20240102150405-${s.slice(0, 12)}`, ')') };
    case 2:
      return { path: 'CHANGELOG.md', text: lines('## 1.4.0', '', `* fix: retry on 503 ([${s.slice(0, 7)}](https://github.com/example/app/commit/${s}))`) };
    case 3:
      return { path: '.git-blame-ignore-revs', text: lines('# prettier reformat', s, gitSha(rng)) };
    default:
      return { path: 'package.json', text: JSON.stringify({ dependencies: { [rng.pick(PKGS)]: `github:example/fork#${s}` }, gitHead: gitSha(rng) }, null, 2) + '\n' };
  }
};

/** AWS's documentation example keys, as the docs and tutorials print them. */
const documentedExamples: Maker = (_rng, i) => {
  const [id, secret] = i % 2 === 0 ? ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'] : ['AKIAI44QH8DHBEXAMPLE', 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'];
  switch (i % 4) {
    case 0:
      return { path: 'docs/aws-setup.md', text: lines('```ini', '[default]', `aws_access_key_id = ${id}`, `aws_secret_access_key = ${secret}`, '```') };
    case 1:
      return { path: '.aws/credentials.example', text: lines('[default]', `aws_access_key_id=${id}`, `aws_secret_access_key=${secret}`) };
    case 2:
      return { path: 'test/s3.test.js', text: lines("process.env.AWS_ACCESS_KEY_ID = '" + id + "';", "process.env.AWS_SECRET_ACCESS_KEY = '" + secret + "';") };
    default:
      return { path: 'README.md', text: lines('Set your credentials:', '', `    export AWS_ACCESS_KEY_ID=${id}`, `    export AWS_SECRET_ACCESS_KEY=${secret}`) };
  }
};

/** Well-known published test vectors (FIPS-197, RFC 4231, RFC 8032, FIPS 180). */
const VECTORS: Array<[string, string]> = [
  ['aesKey', '000102030405060708090a0b0c0d0e0f'],
  ['aesKey', '2b7e151628aed2a6abf7158809cf4f3c'],
  ['hmacKey', '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'],
  ['hmacKey', '4a656665'],
  ['expected', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  ['secretKey', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'],
  ['digest', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['digest', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
];
const testVectors: Maker = (rng, i) => {
  const [name, hex] = VECTORS[i % VECTORS.length];
  switch (i % 4) {
    case 0:
      return { path: 'test/crypto.test.ts', text: lines(`it('matches the published vector', () => {`, `  const ${name} = Buffer.from('${hex}', 'hex');`, `  expect(compute(${name})).toBe('${sha('sha256', hex)}');`, '});') };
    case 1:
      return { path: 'tests/test_vectors.py', text: lines('VECTORS = [', `    {"${name}": "${hex}", "msg": "${rng.chars(HEX, 16)}"},`, ']') };
    case 2:
      return { path: 'crypto/vectors_test.go', text: lines('var vectors = []struct{ key, want string }{', `\t{"${hex}", "${sha('sha256', hex)}"},`, '}') };
    default:
      return { path: 'src/test/java/CipherTest.java', text: lines(`    private static final String ${name.toUpperCase()}_HEX = "${hex}";`) };
  }
};

/** Inline images and fonts: long base64 runs of random-looking bytes. */
const base64Assets: Maker = (rng, i) => {
  const header = i % 3 === 0 ? Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') : i % 3 === 1 ? Buffer.from('774f4632', 'hex') : Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M');
  const body = i % 3 === 2 ? Buffer.from(`${rng.int(24)} ${rng.int(24)}L${rng.int(24)} ${rng.int(24)}Z"/></svg>`) : rng.bytes(rng.range(300, 3000));
  const b64 = Buffer.concat([header, body]).toString('base64');
  const mime = ['image/png', 'font/woff2', 'image/svg+xml'][i % 3];
  return i % 2 === 0
    ? { path: `src/styles/icons-${i}.css`, text: lines(`.icon-${i} {`, `  background-image: url("data:${mime};base64,${b64}");`, '}') }
    : { path: `src/assets/font-${i}.css`, text: lines('@font-face {', "  font-family: 'Inter';", `  src: url(data:${mime};base64,${b64}) format('woff2');`, '}') };
};

/** Minified bundles: one long line of short names, lookup tables and source-map mappings. */
const minified: Maker = (rng, i) => {
  const id = () => rng.pick(['e', 't', 'n', 'r', 'o', 'i', 'a', 's', 'u', 'c', 'l', 'f']) + (rng.next() < 0.3 ? rng.int(10) : '');
  const stmts: string[] = [];
  for (let k = 0; k < rng.range(40, 160); k++) {
    switch (rng.int(7)) {
      case 0:
        stmts.push(`var ${id()}="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"`);
        break;
      case 1:
        stmts.push(`function ${id()}(${id()},${id()}){return ${id()}.charCodeAt(${id()})^${rng.int(255)}}`);
        break;
      case 2:
        stmts.push(`${id()}.token=${id()}.next(),${id()}.key=${id()}[${rng.int(9)}]`);
        break;
      case 3:
        stmts.push(`var ${id()}=[${Array.from({ length: 8 }, () => `0x${rng.chars(HEX, 8)}`).join(',')}]`);
        break;
      case 4:
        stmts.push(`${id()}.exports={secret:${id()},password:${id()}.password||"",apiKey:${id()}.apiKey}`);
        break;
      case 5:
        stmts.push(`if(!${id()}.test(${id()}))throw new Error("Invalid api key format: "+${id()})`);
        break;
      default:
        stmts.push(`var ${id()}=/^[A-Za-z0-9_-]{${rng.range(20, 40)}}$/`);
    }
  }
  const text = `!function(){"use strict";${stmts.join(';')}}();\n`;
  return i % 3 === 0
    ? { path: `dist/bundle.${rng.chars(HEX, 8)}.min.js.map`, text: JSON.stringify({ version: 3, sources: ['src/index.ts'], names: ['token', 'key'], mappings: Array.from({ length: 200 }, () => rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', rng.range(4, 8))).join(';') }) + '\n' }
    : { path: `dist/vendor.${rng.chars(HEX, 8)}.min.js`, text };
};

export const NEGATIVE_KINDS: Array<{ kind: string; count: number; make: Maker }> = [
  { kind: 'hash', count: 240, make: hashes },
  { kind: 'uuid', count: 150, make: uuids },
  { kind: 'git-sha', count: 150, make: gitShas },
  { kind: 'documented-example', count: 100, make: documentedExamples },
  { kind: 'test-vector', count: 120, make: testVectors },
  { kind: 'base64-asset', count: 120, make: base64Assets },
  { kind: 'minified', count: 120, make: minified },
];
