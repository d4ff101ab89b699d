/** Schemas shared by every group's operations: errors, path ids, list queries and pages. */
import '../zod-openapi';
import * as z from 'zod';
import { Id } from '../terms';

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
  }),
});

export const IdParams = z.object({ id: Id });

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  cursor: z.string().min(1).max(2048).optional(),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** Action routes (submit, approve, ...) whose body is optional. */
export const EmptyBody = z.strictObject({});
