// One error type for everything the key service refuses. Every response body for an error
// is `{code, message}`: the code is stable for machines, the message says what to do.

export type ErrorCode =
  | 'MISSING_CREDENTIALS'
  | 'INVALID_CREDENTIALS'
  | 'CREDENTIALS_MISMATCH'
  | 'KEY_EXPIRED'
  | 'KEY_REVOKED'
  | 'KEY_ALREADY_ROLLED'
  | 'RATE_LIMITED'
  | 'FORBIDDEN_PRODUCT'
  | 'FORBIDDEN_ACCOUNT'
  | 'MODE_MISMATCH'
  | 'FORBIDDEN_EXPIRY'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'INVALID_IDEMPOTENCY_KEY'
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
