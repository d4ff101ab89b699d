/**
 * The ONE place where failures become HTTP responses. Domain errors carry a `kind` (mapped to
 * a status here) and a stable snake_case `code`; HTTP-only failures (401, 404 route, 413 body)
 * are HttpErrors. Anything else is a bug: 500 with a generic message, the detail only in logs.
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { DomainError, ErrorKind, type ErrorDetail } from '../../shared/domain/kernel/errors';

export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  [ErrorKind.VALIDATION]: 400,
  [ErrorKind.FORBIDDEN]: 403,
  [ErrorKind.NOT_FOUND]: 404,
  [ErrorKind.CONFLICT]: 409,
  [ErrorKind.PRECONDITION_FAILED]: 412,
  [ErrorKind.PRECONDITION_REQUIRED]: 428,
  [ErrorKind.IDEMPOTENCY_MISMATCH]: 422,
  [ErrorKind.TOO_LARGE]: 413,
};

/** A failure that only exists at the HTTP edge (authentication, unknown route, bad JSON). */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True when the failure is ours (5xx): log it as an error with its stack. */
  internal: boolean;
}

export function mapError(error: unknown): MappedError {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, details: error.details } }, internal: error.status >= 500 };
  }
  if (error instanceof DomainError) {
    const status = STATUS_OF_KIND[error.kind];
    if (status !== undefined) {
      return { status, body: { error: { code: error.code, message: error.message, details: error.details } }, internal: false };
    }
  }
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'an unexpected error occurred; it has been logged', details: [] } },
    internal: true,
  };
}

export function errorResponse(mapped: MappedError, headers: Record<string, string> = {}): APIGatewayProxyResultV2 & { statusCode: number; headers: Record<string, string> } {
  return {
    statusCode: mapped.status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(mapped.body),
  };
}
