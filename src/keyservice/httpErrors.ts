// Every answer the key service gives is `{code, message}`, including those fastify and
// Node's HTTP parser would otherwise word themselves: validation, bad URL encoding, a path
// parameter over 100 characters, an unsupported media type, a body too large, a request that
// is not HTTP at all.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';
import type { ErrorCode } from './errors.js';
import { NO_NUL } from './schemas.js';

export interface ErrorReply {
  status: number;
  body: { code: ErrorCode; message: string };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A schema violation, worded so the caller knows what to change. */
export function validationReply(error: FastifyError): ErrorReply {
  const first = (error.validation as AjvError[] | undefined)?.[0];
  let message = error.message;
  if (first) {
    const where = `${error.validationContext ?? 'request'}${first.instancePath}`;
    if (first.keyword === 'pattern' && first.params.pattern === NO_NUL) {
      message = `${where} must not contain the NUL character (\\u0000); remove it`;
    } else if (first.keyword === 'enum' && Array.isArray(first.params.allowedValues)) {
      message = `${where} must be one of: ${first.params.allowedValues.join(', ')}`;
    }
  }
  return { status: 400, body: { code: 'VALIDATION_FAILED', message: `Invalid request: ${message}.` } };
}

const BY_STATUS: Record<number, { code: ErrorCode; advice: string }> = {
  400: { code: 'VALIDATION_FAILED', advice: 'fix the request and send it again' },
  404: { code: 'NOT_FOUND', advice: 'see the README for the API' },
  408: { code: 'REQUEST_TIMEOUT', advice: 'send the whole request promptly' },
  413: { code: 'PAYLOAD_TOO_LARGE', advice: 'send a smaller body' },
  414: { code: 'URI_TOO_LONG', advice: 'ids are at most 100 characters; check the path' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', advice: 'send JSON with content-type: application/json' },
  429: { code: 'RATE_LIMITED', advice: 'slow down and retry later' },
  431: { code: 'HEADERS_TOO_LARGE', advice: 'send smaller headers' },
};

/** A 4xx raised by fastify itself (bad URL, long parameter, body parsing, media type, size). */
export function frameworkReply(status: number, message: string): ErrorReply {
  const known = BY_STATUS[status] ?? { code: 'BAD_REQUEST' as const, advice: 'fix the request and send it again' };
  return { status, body: { code: known.code, message: `Invalid request: ${message.replace(/\.$/, '')}; ${known.advice}.` } };
}

/** Node's HTTP parser refused the bytes: answer in our shape, then close. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason = status === 400 ? 'this is not a well-formed HTTP request' : (STATUS_CODES[status] ?? 'client error').toLowerCase();
  const body = JSON.stringify(frameworkReply(status, reason).body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
