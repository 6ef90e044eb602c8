// `keywarden scan -`: whatever is piped in, as one fragment.
import type { Readable } from 'node:stream';
import { isBinary } from '../scan/binary.js';
import type { SourceItem } from './types.js';

export const STDIN_PATH = '<stdin>';

export async function* stdinItems(input: Readable = process.stdin, maxBytes = Infinity): AsyncGenerator<SourceItem> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    bytes += buf.length;
    // Past the limit we only count, so a huge pipe cannot exhaust memory.
    if (bytes <= maxBytes) chunks.push(buf);
  }
  if (bytes > maxBytes) {
    yield { path: STDIN_PATH, reason: 'too-large', bytes };
    return;
  }
  const buf = Buffer.concat(chunks);
  if (isBinary(buf)) {
    yield { path: STDIN_PATH, reason: 'binary', bytes };
    return;
  }
  yield { path: STDIN_PATH, text: buf, knownText: true };
}
