/**
 * The shape check of one usage record, shared by the API and the bulk-file loader so a record
 * is judged the same whichever door it comes in by. Each record is checked on its own (not the
 * batch as one schema) so a batch reports every bad record, and the contract's rules
 * (shared/domain/usage/validate.ts) can still run on the records whose shape is right.
 */
import type { z } from 'zod';
import type { Conversion, Impression } from '../domain/terms/types';
import type { FieldError, ParsedRecord } from '../domain/usage/types';
import { ConversionSchema, ImpressionSchema } from './terms';

function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const join = (path: readonly PropertyKey[]) => path.map(String).join('.');
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'unknown field' }))
      : [{ path: join(issue.path), message: issue.message }],
  );
}

function parseWith<T>(schema: z.ZodType<T>, raw: unknown): ParsedRecord<T> {
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, record: parsed.data } : { ok: false, errors: fieldErrors(parsed.error.issues) };
}

export const parseImpression = (raw: unknown): ParsedRecord<Impression> => parseWith<Impression>(ImpressionSchema, raw);
export const parseConversion = (raw: unknown): ParsedRecord<Conversion> => parseWith<Conversion>(ConversionSchema, raw);
