// Webhook signing secrets must stay usable (we sign every delivery with them), so unlike API
// secrets they cannot be kept as one-way hashes. They are sealed with AES-256-GCM under a key
// derived from the pepper, with the endpoint id as associated data: a database dump alone
// reveals nothing (the pepper lives outside it), and a sealed secret cannot be moved to another
// endpoint's row. Changing the pepper makes existing secrets unreadable: recreate the webhooks.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';

function boxKey(pepper: Buffer): Buffer {
  return createHmac('sha256', pepper).update('keywarden-webhook-signing-secret-v1').digest();
}

export function sealSecret(pepper: Buffer, endpointId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', boxKey(pepper), iv);
  cipher.setAAD(Buffer.from(endpointId, 'utf8'));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
}

export function openSecret(pepper: Buffer, endpointId: string, sealed: string): string {
  const [version, body] = sealed.split(':', 2);
  if (version !== VERSION || !body) throw new Error(`webhook secret of ${endpointId} is sealed in an unknown format`);
  const raw = Buffer.from(body, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', boxKey(pepper), raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(endpointId, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
