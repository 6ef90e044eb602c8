// One error type for everything the key service refuses. Every response body for an error
// is `{code, message}`: the code is stable for machines, the message says what to do.

export type ErrorCode =
  | 'MISSING_CREDENTIALS'
  | 'INVALID_CREDENTIALS'
  | 'KEY_EXPIRED'
  | 'KEY_REVOKED'
  | 'KEY_ALREADY_ROLLED'
  | 'RATE_LIMITED'
  | 'FORBIDDEN_PRODUCT'
  | 'FORBIDDEN_ACCOUNT'
  | 'MODE_MISMATCH'
  | 'FORBIDDEN_EXPIRY'
  | 'KEY_IN_GRACE'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'INVALID_IDEMPOTENCY_KEY'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'REQUEST_IN_PROCESS'
  | 'ALREADY_BOOTSTRAPPED'
  | 'PEPPER_REQUIRED'
  | 'DATA_DIR_IN_USE'
  | 'INVALID_SIGNATURE'
  | 'INTERNAL_ERROR';

export class KeyServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. retry-after. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'KeyServiceError';
  }

  toBody(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export const notFound = (what: string): KeyServiceError =>
  new KeyServiceError(404, 'NOT_FOUND', `${what} was not found; check the id (and that it belongs to your organization).`);

export const validationFailed = (message: string): KeyServiceError => new KeyServiceError(400, 'VALIDATION_FAILED', message);
