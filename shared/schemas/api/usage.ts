/**
 * Usage routes. A batch body's `records` are checked one by one (shared/schemas/usage.ts), not
 * by this schema: a batch over 1,000 records must answer 413 before any record is judged, and
 * a 400 must list every bad record, shape problems and contract rules together.
 */
import '../zod-openapi';
import * as z from 'zod';
import { ConversionSchema, Id, ImpressionSchema, Instant } from '../terms';
import { MAX_RECORDS_PER_BATCH } from '../../domain/usage/types';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { ADMIN, OPS } = Role;

/** The record's own JSON Schema, shown as the array's items although the array is checked record by record. */
function recordJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const batch = (kind: 'Impression' | 'Conversion') =>
  z.strictObject({
    contractId: Id,
    records: z.array(z.unknown()).openapi({
      items: recordJsonSchema(kind === 'Impression' ? ImpressionSchema : ConversionSchema),
      description: `${kind} records in the shapes of the conformance format (at most ${MAX_RECORDS_PER_BATCH}; more answers 413). Every bad record is reported in one 400 with paths such as \`records.12.chargeId\`, and nothing is stored.`,
      maxItems: MAX_RECORDS_PER_BATCH,
    }),
  });

export const ImpressionBatchBody = batch('Impression');
export const ConversionBatchBody = batch('Conversion');

export const IngestResultSchema = z.object({
  accepted: z.number().int().openapi({ description: 'Records written: impression aggregates stored or replaced, conversions with a new id stored.' }),
  duplicates: z.number().int().openapi({
    description: 'Impressions: earlier records of the batch replaced by a later one with the same identity. Conversions: records whose id was already stored or came earlier in the batch (FIRST_RECORD bills the first record only).',
  }),
  touches: z.number().int().optional().openapi({
    description: 'Conversions only, when above 0: of the duplicates, the records stored as another partner\'s touch of a known id (a new partnerId for that id), among which a LAST_TOUCH or FIRST_TOUCH charge chooses at rating time.',
  }),
});

export const ReversalBody = z.strictObject({
  contractId: Id,
  reversedAt: Instant,
  reason: z.string().trim().min(1).max(500),
});

export const ConversionIdParams = z.object({ id: Id });

export const ReversedConversionSchema = z.object({
  contractId: z.string(),
  period: z.string(),
  id: z.string(),
  event: z.string(),
  occurredAt: z.string(),
  exposureAt: z.string(),
  value: z.string(),
  geo: z.string(),
  newCustomer: z.boolean(),
  partnerId: z.string().nullable(),
  receivedAt: z.string(),
  reversedAt: z.string().nullable(),
  reversalReason: z.string().nullable(),
  touches: z.number().int().openapi({ description: 'Touches of the id (one per reporting partner), all reversed.' }),
});

export const USAGE_OPERATIONS = {
  'POST /v1/usage/impressions': operation({
    group: FunctionGroup.USAGE,
    roles: [OPS, ADMIN],
    summary: 'Ingest impression day-records',
    body: ImpressionBatchBody,
    responses: { 202: IngestResultSchema },
    errors: [404, 413],
    description:
      'Impression day-aggregates, identified by (chargeId, date, source, partnerId): a re-send replaces the count. receivedAt defaults to the time of receipt.',
  }),
  'POST /v1/usage/conversions': operation({
    group: FunctionGroup.USAGE,
    roles: [OPS, ADMIN],
    summary: 'Ingest conversions',
    body: ConversionBatchBody,
    responses: { 202: IngestResultSchema },
    errors: [404, 413],
    description:
      "Conversions, identified by id within the contract; each partner reporting a conversion sends a touch, stored per (id, partnerId). A re-sent id is counted as a duplicate (FIRST_RECORD bills the first record stored); a touch of a partner not yet stored for that id is kept for LAST_TOUCH / FIRST_TOUCH attribution (`touches`), the same (id, partnerId) again is ignored. A conversion's period is the month of occurredAt in the contract's time zone.",
  }),
  'POST /v1/usage/conversions/{id}/reversal': operation({
    group: FunctionGroup.USAGE,
    roles: [OPS, ADMIN],
    summary: 'Reverse a conversion',
    params: ConversionIdParams,
    body: ReversalBody,
    responses: { 200: ReversedConversionSchema },
    errors: [404, 409],
    description: 'Marks a conversion reversed from reversedAt on: every touch of its id, whichever partner reported it (touches arriving later inherit the reversal). Answers the first touch with `touches`, how many touches the id has; 404 for an unknown contract or conversion, 409 when it is already reversed.',
  }),
} as const satisfies Operations;
