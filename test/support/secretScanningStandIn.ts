// A stand-in for GitHub's side of the secret-scanning partner program, on 127.0.0.1:
// GET /meta/public_keys/secret_scanning serves generated P-256 public keys (GitHub's shape:
// {public_keys: [{key_identifier, key, is_current}]}), and `sign` signs a body the way GitHub
// does (ECDSA P-256 / SHA-256, DER, base64). Keys can be rotated and withdrawn mid-test.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInKey {
  identifier: string;
  privateKey: KeyObject;
  publicPem: string;
  isCurrent: boolean;
  listed: boolean;
}

export interface SecretScanningStandIn {
  /** The API base URL to give the key service (KEYSERVICE_GITHUB_API_URL). */
  url: string;
  /** How many times the key list was fetched. */
  fetches(): number;
  current(): StandInKey;
  keys: StandInKey[];
  /** A fresh key becomes current; the previous one stays listed with is_current false. */
  rotate(): StandInKey;
  /** GitHub stops listing this key. */
  withdraw(identifier: string): void;
  /** GitHub's two headers for `body`, signed by `key` (default: the current key) and naming `identifier` (default: that key's). */
  sign(body: string | Buffer, key?: StandInKey, identifier?: string): Record<string, string>;
  close(): Promise<void>;
}

function newKey(): StandInKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    identifier: createHash('sha256').update(der).digest('hex'),
    privateKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    isCurrent: true,
    listed: true,
  };
}

export async function startSecretScanningStandIn(): Promise<SecretScanningStandIn> {
  const keys: StandInKey[] = [newKey()];
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/meta/public_keys/secret_scanning') {
      fetches++;
      const public_keys = keys.filter((k) => k.listed).map((k) => ({ key_identifier: k.identifier, key: k.publicPem, is_current: k.isCurrent }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ public_keys }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const current = () => keys.find((k) => k.isCurrent) as StandInKey;
  return {
    url: `http://127.0.0.1:${port}`,
    fetches: () => fetches,
    current,
    keys,
    rotate() {
      for (const k of keys) k.isCurrent = false;
      const key = newKey();
      keys.push(key);
      return key;
    },
    withdraw(identifier) {
      for (const k of keys) if (k.identifier === identifier) k.listed = false;
    },
    sign(body, key = current(), identifier = key.identifier) {
      const signature = sign('sha256', Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), { key: key.privateKey, dsaEncoding: 'der' });
      return { 'github-public-key-identifier': identifier, 'github-public-key-signature': signature.toString('base64') };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
