/** Finance routes of the billing group: quotes, period exports, partner statements. */
import '../zod-openapi';
import * as z from 'zod';
import { ContractTermsSchema, Instant, UsageSchema } from '../terms';
import { IdParams } from './common';
import { InvoicePeriod } from './invoices';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { FINANCE, OPS } = Role;

export const QuoteBody = z
  .strictObject({
    id: z.string().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    contract: ContractTermsSchema,
    usage: UsageSchema,
    runs: z
      .array(z.strictObject({ period: InvoicePeriod, asOf: Instant, expect: z.unknown().optional().openapi({ description: 'Ignored: a quote computes, it does not compare.' }) }))
      .min(1)
      .max(36),
  })
  .openapi('QuoteRequest', { description: 'A conformance case (FORMAT.md) without expectations.' });

const QuoteLine = z.object({
  type: z.string(),
  adjusts: z.string().optional(),
  chargeId: z.string().optional(),
  version: z.number().int().optional(),
  quantity: z.string(),
  amount: z.string(),
  explanation: z.unknown(),
});

export const QuoteSchema = z
  .object({
    invoices: z.array(
      z.object({
        period: z.string(),
        asOf: z.string(),
        kind: z.enum(['INVOICE', 'ADJUSTMENT']),
        isRerun: z.boolean(),
        currency: z.string(),
        lines: z.array(QuoteLine),
        subtotal: z.string(),
        total: z.string(),
        partnerPayouts: z.array(z.object({ partnerId: z.string(), amount: z.string() })),
        partnerPayoutsByCharge: z.array(z.object({ partnerId: z.string(), chargeId: z.string(), amount: z.string() })),
        flags: z.array(z.string()),
      }),
    ),
  })
  .openapi('Quote');

export const ExportsQuery = z.object({ period: InvoicePeriod });

export const ExportListSchema = z
  .object({ items: z.array(z.object({ key: z.string(), url: z.string(), format: z.enum(['csv', 'jsonl', 'json']) })) })
  .openapi('ExportList');

export const StatementQuery = z.object({ period: InvoicePeriod });

export const PartnerStatementSchema = z
  .object({
    partnerId: z.string(),
    period: z.string(),
    lines: z.array(
      z.object({
        contractId: z.string(),
        advertiserId: z.string(),
        chargeId: z.string(),
        currency: z.string(),
        amount: z.string().openapi({ description: 'Net payout: first run plus every re-run change.' }),
        runs: z.array(z.object({ runId: z.string(), runSeq: z.number().int(), invoiceId: z.string(), amount: z.string() })),
      }),
    ),
    totals: z.array(z.object({ currency: z.string(), amount: z.string() })),
  })
  .openapi('PartnerStatement');

export const FINANCE_OPERATIONS = {
  'POST /v1/quotes': operation({
    group: FunctionGroup.BILLING,
    roles: [OPS, FINANCE],
    summary: 'Rate a case without storing anything',
    body: QuoteBody,
    responses: { 200: QuoteSchema },
    description: "Rates a case with the billing engine and returns each run's invoice. Nothing is stored. Invalid inputs answer 400 with field paths.",
  }),
  'GET /v1/exports': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: "A period's finance export files",
    query: ExportsQuery,
    responses: { 200: ExportListSchema },
    errors: [409],
    description: "The period's finance export files under exports/{period}/ with presigned GET URLs. The export is brought up to date with the period's documents first (409 journal_unbalanced if its debits and credits differ).",
  }),
  'GET /v1/partners/{id}/statements': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: "A partner's payouts for a period",
    params: IdParams,
    query: StatementQuery,
    responses: { 200: PartnerStatementSchema },
  }),
} as const satisfies Operations;
