import type * as z from 'zod';
import type { ErrorDetail } from '../app/types';
import { issuesToDetails } from './errors';

/** Checks a request body with the API's own zod schema; failures come out as the API's details. */
export function validateBody<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): { ok: true; data: z.output<S> } | { ok: false; details: ErrorDetail[] } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, details: issuesToDetails(result.error.issues as never, prefix) };
}
