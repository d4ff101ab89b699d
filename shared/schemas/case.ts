/**
 * Zod schemas of a conformance case (FORMAT.md): the envelope (id, runs, expectations) is
 * lenient about extra top-level keys, the contract and usage are the strict terms schemas.
 * `parseCase` turns any schema failure into a ValidationError with field paths, so a case
 * whose inputs break the rules yields the same error the engine would raise.
 */
import * as z from 'zod';
import { ValidationError, type ErrorDetail } from '../domain/kernel/errors';
import type { CaseInput, CaseRun } from '../domain/billing/rate';
import type { Expectation } from '../domain/billing/expect';
import { ContractTermsSchema, Instant, UsageSchema } from './terms';

const LineTypeSchema = z.enum(['USAGE', 'GUARANTEE_CREDIT', 'CAP_ADJUSTMENT', 'MINIMUM_TRUE_UP', 'CREDIT', 'AGENCY_COMMISSION', 'ADJUSTMENT']);
const SignedDecimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');

// Loose: a case may annotate its expectations; only the fields of the format are matched.
export const ExpectSchema = z.looseObject({
  lines: z.array(z.strictObject({
    type: LineTypeSchema.optional(),
    adjusts: LineTypeSchema.optional(),
    chargeId: z.string().optional(),
    version: z.number().int().positive().optional(),
    quantity: SignedDecimal.optional(),
    amount: SignedDecimal.optional(),
  })).optional(),
  linesExhaustive: z.boolean().optional(),
  subtotal: SignedDecimal.optional(),
  total: SignedDecimal.optional(),
  partnerPayouts: z.array(z.strictObject({ partnerId: z.string(), amount: SignedDecimal })).optional(),
  flags: z.array(z.string()).optional(),
  error: z.literal('VALIDATION').optional(),
});

export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a period YYYY-MM');

/** A run as written in a case file: period and asOf are checked by `parseCase`, not here. */
export const RunEnvelopeSchema = z.looseObject({
  period: z.string(),
  asOf: z.string(),
  expect: ExpectSchema.default({}),
});

/** What every case file must have to be run at all; the inputs themselves may be invalid. */
export const CaseEnvelopeSchema = z.looseObject({
  id: z.string().min(1),
  description: z.string().optional(),
  contract: z.unknown(),
  usage: z.unknown(),
  runs: z.array(RunEnvelopeSchema).min(1),
});

export const RunSchema = z.looseObject({ period: Period, asOf: Instant });

export const CaseSchema = z.looseObject({
  id: z.string().min(1),
  description: z.string().optional(),
  contract: ContractTermsSchema,
  usage: UsageSchema,
  runs: z.array(RunSchema).min(1),
});

export interface CaseEnvelope {
  id: string;
  description?: string;
  runs: { period: string; asOf: string; expect: Expectation }[];
}

function details(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** The envelope of a case file; throws ValidationError when it cannot be run at all. */
export function parseCaseEnvelope(raw: unknown): CaseEnvelope {
  const parsed = CaseEnvelopeSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('not a conformance case', details(parsed.error), 'invalid_case');
  return parsed.data as CaseEnvelope;
}

/** The inputs of a case, strictly parsed; throws ValidationError with paths. */
export function parseCase(raw: unknown): CaseInput & { id: string } {
  const parsed = CaseSchema.safeParse(raw);
  if (!parsed.success) {
    const found = details(parsed.error);
    const first = found[0];
    throw new ValidationError(`invalid case inputs${first ? `: ${first.path}: ${first.message}` : ''}`, found, 'invalid_case_inputs');
  }
  const runs: CaseRun[] = parsed.data.runs.map((run) => ({ period: run.period, asOf: run.asOf }));
  return { id: parsed.data.id, contract: parsed.data.contract, usage: parsed.data.usage, runs };
}
