import { useState } from 'react';
import type * as z from 'zod';
import { fieldErrors, toShownError, type ShownError } from './errors';
import { validateBody } from './validate';

/**
 * A form's errors: the client-side zod check first (same schema, messages and paths as the
 * API), then the API's answer. Field errors are keyed by field path; `failure` is the whole
 * API error (its message, and 412 offers a reload).
 */
export function useFormErrors() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ShownError | null>(null);
  return {
    errors,
    failure,
    clear() {
      setErrors({});
      setFailure(null);
    },
    /** True when the body passes the schema; otherwise the fields show why. */
    check<S extends z.ZodType>(schema: S, body: unknown): boolean {
      const result = validateBody(schema, body);
      if (result.ok) {
        setErrors({});
        return true;
      }
      setErrors(fieldErrors(result.details));
      setFailure({ status: 400, code: 'validation_failed', message: 'Some fields need attention', details: result.details });
      return false;
    },
    fromApi(error: unknown) {
      const shown = toShownError(error);
      setFailure(shown);
      setErrors(fieldErrors(shown.details));
    },
  };
}
