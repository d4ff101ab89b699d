/** Finance routes of the billing group: quotes, period exports, partner statements. */
import '../zod-openapi';
import * as z from 'zod';
import { ContractTermsSchema, Instant, UsageSchema } from '../terms';
import { Id } from '../terms';
import { EmptyBody, IdParams } from './common';
import { InvoicePeriod, PaymentBody } from './invoices';
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

const StatementMoney = z.string().openapi({ description: "Decimal string with exactly the currency's minor-unit digits.", example: '1250.00' });

const PartnerPaymentSchema = z
  .object({ id: z.string(), currency: z.string(), amount: StatementMoney, date: z.string(), reference: z.string(), recordedAt: z.string(), actor: z.string() })
  .openapi('PartnerPayment');

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
    totals: z.array(z.object({ currency: z.string(), amount: z.string() })).openapi({ description: 'The live net payouts per currency (they follow re-runs, also after issue).' }),
    status: z.enum(['OPEN', 'ISSUED', 'PAID']).openapi({ description: 'OPEN until issued; PAID once every currency issued with a positive amount is paid in full.' }),
    issuedAt: z.string().nullable(),
    issuedBy: z.string().nullable(),
    issuedTotals: z.array(z.object({ currency: z.string(), amount: StatementMoney })).openapi({ description: 'The totals frozen when the statement was issued: what payments are held against.' }),
    payments: z.array(PartnerPaymentSchema),
    currency: z.string().nullable().openapi({ description: "The statement's one currency; null when it has none or several (read balances)." }),
    amountPaid: StatementMoney.nullable().openapi({ description: 'Paid so far (single-currency statements; null otherwise).' }),
    balanceDue: StatementMoney.nullable().openapi({ description: 'Issued less paid; 0 while OPEN (single-currency statements; null otherwise).' }),
    unissuedAdjustment: StatementMoney.nullable().openapi({
      description: 'Live total less the issued amount: payouts that moved after issue (a re-run, a discarded draft). Not payable through this statement; 0 while OPEN.',
    }),
    balances: z.array(
      z.object({
        currency: z.string(),
        total: StatementMoney,
        issued: StatementMoney.nullable(),
        amountPaid: StatementMoney,
        balanceDue: StatementMoney,
        unissuedAdjustment: StatementMoney,
      }),
    ).openapi({ description: 'Per currency: live total, issued amount, paid, balance due and unissued adjustment.' }),
    version: z.number().int().openapi({ description: "0 while OPEN; the stored statement's version after." }),
  })
  .openapi('PartnerStatement');

export const StatementParams = z.object({ id: Id, period: InvoicePeriod });

export const StatementPaymentBody = PaymentBody.extend({
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code').optional().openapi({ description: 'Needed only when the statement was issued in several currencies.', example: 'USD' }),
}).openapi('PartnerPaymentRequest');

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
    description: "The partner's payouts for the period with the statement's status (OPEN, ISSUED, PAID), issued totals, payments, balance due and unissued adjustment.",
  }),
  'POST /v1/partners/{id}/statements/{period}/issue': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: "Issue a partner's statement for a period",
    params: StatementParams,
    body: EmptyBody,
    responses: { 200: PartnerStatementSchema },
    errors: [409],
    description:
      'OPEN -> ISSUED: freezes the totals per currency as issuedTotals, the amounts payments are held against. Later payout changes (re-runs, discarded drafts) show as ' +
      'unissuedAdjustment and never change the issued amounts. 409 statement_already_issued when issued before; 409 statement_not_payable when no currency has a positive total.',
  }),
  'POST /v1/partners/{id}/statements/{period}/payments': operation({
    group: FunctionGroup.BILLING,
    roles: [FINANCE],
    summary: 'Record a payment to a partner against an issued statement',
    params: StatementParams,
    body: StatementPaymentBody,
    responses: { 201: PartnerStatementSchema.extend({ payment: PartnerPaymentSchema }) },
    errors: [409],
    description:
      'Records { amount, date, reference, currency? } against an ISSUED statement; partial payments add up and the statement is PAID when every issued currency is paid in full. ' +
      '409 statement_not_issued on an OPEN statement, 409 overpayment above the balance due (a PAID statement takes none); a date before the issue day is a 400. ' +
      'currency may be left out when the statement was issued in one payable currency. Send an Idempotency-Key: a retried request records nothing twice.',
  }),
} as const satisfies Operations;
