/**
 * Domain failures. Each carries a stable snake_case `code`; the HTTP layer maps the
 * `kind` to a status in one place (functions/http/errors.ts). The domain never speaks HTTP.
 */
export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `terms.charges.0.pricing.rate`. */
  path: string;
  message: string;
}

export const ErrorKind = {
  VALIDATION: 'VALIDATION',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  PRECONDITION_REQUIRED: 'PRECONDITION_REQUIRED',
  IDEMPOTENCY_MISMATCH: 'IDEMPOTENCY_MISMATCH',
  TOO_LARGE: 'TOO_LARGE',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ValidationError extends DomainError {
  override readonly name: string = 'ValidationError';
  constructor(message: string, details: ErrorDetail[] = [], code = 'validation_failed') {
    super(ErrorKind.VALIDATION, code, message, details);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name: string = 'ForbiddenError';
  constructor(message: string, code = 'forbidden') {
    super(ErrorKind.FORBIDDEN, code, message);
  }
}

export class NotFoundError extends DomainError {
  override readonly name: string = 'NotFoundError';
  constructor(entity: string, id: string) {
    super(ErrorKind.NOT_FOUND, 'not_found', `${entity} ${id} not found`);
  }
}

export class ConflictError extends DomainError {
  override readonly name: string = 'ConflictError';
  constructor(message: string, code = 'conflict', options?: { cause?: unknown }) {
    super(ErrorKind.CONFLICT, code, message, [], options);
  }
}

export class PreconditionFailedError extends DomainError {
  override readonly name: string = 'PreconditionFailedError';
  constructor(message = 'the resource changed since it was read (If-Match is stale)') {
    super(ErrorKind.PRECONDITION_FAILED, 'precondition_failed', message);
  }
}

export class PreconditionRequiredError extends DomainError {
  override readonly name: string = 'PreconditionRequiredError';
  constructor(message = 'this request requires an If-Match header with the current ETag') {
    super(ErrorKind.PRECONDITION_REQUIRED, 'precondition_required', message);
  }
}

export class IdempotencyMismatchError extends DomainError {
  override readonly name: string = 'IdempotencyMismatchError';
  constructor() {
    super(ErrorKind.IDEMPOTENCY_MISMATCH, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different request body');
  }
}

export class TooLargeError extends DomainError {
  override readonly name: string = 'TooLargeError';
  constructor(message: string, details: ErrorDetail[] = [], code = 'payload_too_large') {
    super(ErrorKind.TOO_LARGE, code, message, details);
  }
}
