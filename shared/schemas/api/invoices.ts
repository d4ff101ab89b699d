/** Invoice routes: list, read, finalize, void with a credit note. */
import '../zod-openapi';
import * as z from 'zod';
import { Id } from '../terms';
import { BillingProfileSchema } from './directory';
import { EmptyBody, IdParams, ListQuery, page } from './common';
import { FunctionGroup, operation, Role, type Operations } from './operation';

const { ADVERTISER, FINANCE } = Role;

export const InvoicePeriod = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a period YYYY-MM').openapi({ example: '2027-01' });
export const InvoiceStatusSchema = z.enum(['DRAFT', 'FINALIZED', 'VOID', 'DISCARDED']);
export const InvoiceKindSchema = z.enum(['INVOICE', 'ADJUSTMENT', 'CREDIT_NOTE']);
const InvoiceTaxSchema = z
  .object({
    kind: z.enum(['RATE', 'REVERSE_CHARGE']),
    label: z.string().nullable().openapi({ description: 'RATE: the label (VAT, GST); REVERSE_CHARGE: "Reverse charge".' }),
    ratePct: z.string().nullable().openapi({ description: 'RATE: the percentage applied.' }),
    note: z.string().nullable().openapi({ description: 'REVERSE_CHARGE: the legal note printed on the document.' }),
    taxableAmount: z.string(),
    amount: z.string().openapi({ description: 'The TAX line amount, rounded once to the currency minor units; 0 under reverse charge.' }),
  })
  .openapi('InvoiceTax', { description: 'The tax the document applied. Null for exempt advertisers and advertisers without a billing profile (no TAX line).' });

const Money = z.string().openapi({ description: 'Decimal string with exactly the currency\'s minor-unit digits; negative on adjustments and credit notes.', example: '15432.09' });

export const InvoiceLineSchema = z
  .object({
    lineNo: z.number().int(),
    type: z.enum(['USAGE', 'GUARANTEE_CREDIT', 'CAP_ADJUSTMENT', 'MINIMUM_TRUE_UP', 'CREDIT', 'AGENCY_COMMISSION', 'ADJUSTMENT', 'TAX']).openapi({
      description: 'TAX: the one tax line of the document, computed on its taxable total (last line).',
    }),
    adjusts: z.string().optional().openapi({ description: 'ADJUSTMENT lines: the line type they adjust.' }),
    chargeId: z.string().optional(),
    version: z.number().int().optional().openapi({ description: '1-based position of the contract version.' }),
    quantity: z.string(),
    amount: Money,
    explanation: z.unknown().openapi({ description: 'Why the line says what it says: the rating engine\'s structured explanation.' }),
  })
  .openapi('InvoiceLine');

const invoiceFields = {
  id: z.string(),
  kind: InvoiceKindSchema,
  status: InvoiceStatusSchema,
  number: z.string().nullable().openapi({ description: 'INV-YYYY-NNNNNN once finalized; credit notes CN-YYYY-NNNNNN. Gapless per year.' }),
  contractId: z.string(),
  advertiserId: z.string(),
  currency: z.string(),
  period: z.string(),
  runId: z.string(),
  runSeq: z.number().int(),
  subtotal: Money,
  taxableTotal: Money.openapi({ description: 'The sum of every line but TAX: what the tax is computed on.' }),
  tax: InvoiceTaxSchema.nullable(),
  total: Money.openapi({ description: 'taxableTotal plus the TAX line.' }),
  billTo: BillingProfileSchema.nullable().openapi({ description: "The advertiser's billing profile when the run built the document (bill-to, tax treatment, payment terms)." }),
  issueDate: z.string().nullable().optional().openapi({ description: 'YYYY-MM-DD (UTC) the document was finalized or issued; null while DRAFT.' }),
  purchaseOrder: z.string().nullable().optional().openapi({ description: "PO / IO number: the contract's poNumber when the run built the document; a DRAFT may change it." }),
  flags: z.array(z.string()),
  creditsInvoiceId: z.string().optional(),
  creditNoteId: z.string().optional(),
  voidReason: z.string().optional(),
  createdAt: z.string(),
  finalizedAt: z.string().optional(),
  voidedAt: z.string().optional(),
  discardedAt: z.string().optional(),
  discardReason: z.string().optional(),
  reissueOf: z.string().optional().openapi({ description: 'A draft reissued after a void: the voided invoice it corrects.' }),
  reissueOfCreditNoteId: z.string().optional().openapi({ description: 'A reissued draft: the credit note of the voided invoice.' }),
  version: z.number().int(),
  updatedAt: z.string(),
  amountPaid: Money.openapi({ description: 'Sum of the payments recorded.' }),
  balanceDue: Money.openapi({ description: 'Total less amountPaid for an issued invoice that takes payments; 0 otherwise.' }),
  dueDate: z.string().nullable().openapi({ description: "Issue day plus the advertiser billing profile's paymentTermsDays (30 without a profile); null before finalization." }),
  paymentStatus: z.enum(['OPEN', 'PARTIALLY_PAID', 'PAID', 'OVERDUE']).nullable().openapi({ description: 'null for documents that take no payment (drafts, voided or discarded invoices, credit notes, non-positive totals).' }),
  payments: z.array(z.object({ id: z.string(), amount: Money, date: z.string(), reference: z.string(), recordedAt: z.string(), actor: z.string() })).optional(),
};

export const InvoiceSchema = z
  .object({
    ...invoiceFields,
    lines: z.array(InvoiceLineSchema),
    partnerPayouts: z.array(z.object({ partnerId: z.string(), chargeId: z.string(), amount: Money })),
  })
  .openapi('Invoice');

export const InvoiceSummarySchema = z.object({ ...invoiceFields, lineCount: z.number().int() }).openapi('InvoiceSummary');

export const ListInvoicesQuery = ListQuery.extend({
  advertiserId: Id.optional(),
  period: InvoicePeriod.optional(),
  status: InvoiceStatusSchema.optional(),
});

export const InvoicePdfSchema = z
  .object({
    url: z.string().openapi({ description: 'Presigned GET URL of the PDF, valid 15 minutes.' }),
    key: z.string(),
    expiresInSeconds: z.number().int(),
  })
  .openapi('InvoicePdf');

export const VoidBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day YYYY-MM-DD').openapi({ example: '2027-02-14' });

export const PaymentBody = z
  .strictObject({
    amount: z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal string').openapi({ example: '1500.00' }),
    date: Day,
    reference: z.string().trim().min(1).max(200).openapi({ example: 'WIRE-2027-0042' }),
  })
  .openapi('PaymentRequest');

export const ReceivablesQuery = z.object({ asOf: Day });

export const ReceivablesSchema = z
  .object({
    asOf: z.string(),
    items: z.array(
      z.object({ advertiserId: z.string(), currency: z.string(), current: Money, d1_30: Money, d31_60: Money, d61_90: Money, over90: Money, total: Money }),
    ),
  })
  .openapi('Receivables');

export const DiscardBody = z.strictObject({ reason: z.string().trim().max(1000).optional() });

export const VoidedInvoiceSchema = InvoiceSchema.extend({ creditNote: InvoiceSchema }).openapi('VoidedInvoice');

export const INVOICE_OPERATIONS = {
  'GET /v1/invoices': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE, ADVERTISER],
    summary: 'List invoices',
    query: ListInvoicesQuery,
    responses: { 200: page(InvoiceSummarySchema) },
    description: 'Invoices, adjustment invoices and credit notes, newest period first, without their lines. An advertiser token lists only its own.',
  }),
  'GET /v1/invoices/{id}': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE, ADVERTISER],
    summary: 'Read an invoice with its explained lines',
    params: IdParams,
    responses: { 200: InvoiceSchema },
    errors: [404],
  }),
  'POST /v1/invoices/{id}/finalize': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE],
    summary: 'Finalize a draft invoice',
    params: IdParams,
    body: EmptyBody,
    responses: { 200: InvoiceSchema },
    errors: [404, 409, 412],
    ifMatch: 'optional',
    description: 'DRAFT -> FINALIZED, taking the next gapless number of the year in the same transaction. Immutable from then on.',
  }),
  'POST /v1/invoices/{id}/void': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE],
    summary: 'Void a finalized invoice with a credit note',
    params: IdParams,
    body: VoidBody,
    responses: { 200: VoidedInvoiceSchema },
    errors: [404, 409, 412],
    ifMatch: 'optional',
    description: 'FINALIZED -> VOID, issuing a FINALIZED credit note (every line negated) in the same transaction. Voiding does not change what later re-runs of the period consider invoiced.',
  }),
  'POST /v1/invoices/{id}/discard': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE],
    summary: 'Discard a draft invoice',
    params: IdParams,
    body: DiscardBody,
    responses: { 200: InvoiceSchema },
    errors: [404, 409, 412],
    ifMatch: 'optional',
    description:
      'DRAFT -> DISCARDED: the draft was never issued, so what its run rated no longer counts as invoiced and the next billing run of the period rates the contract afresh ' +
      '(its partner payouts leave the partner statement too). 409 for any other status: an issued invoice is voided, not discarded.',
  }),
  'POST /v1/invoices/{id}/reissue': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE],
    summary: 'Reissue a voided invoice as a corrected draft',
    params: IdParams,
    body: EmptyBody,
    responses: { 201: InvoiceSchema },
    errors: [404, 409],
    description:
      'After a void: a new DRAFT for the same contract and period, rated by the engine on the current terms and usage, linked to the voided invoice (reissueOf) and its ' +
      'credit note (reissueOfCreditNoteId). It counts as invoiced in place of the voided invoice for later re-runs; partner payouts stay those of the voided run. ' +
      'One reissue per voided invoice (409 already_reissued); 409 unless the invoice is VOID.',
  }),
  'POST /v1/invoices/{id}/payments': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE],
    summary: 'Record a payment on an invoice',
    params: IdParams,
    body: PaymentBody,
    responses: { 201: InvoiceSchema.extend({ payment: z.object({ id: z.string(), amount: Money, date: z.string(), reference: z.string(), recordedAt: z.string(), actor: z.string() }) }) },
    errors: [404, 409],
    description:
      'Records a payment { amount, date, reference } on a FINALIZED invoice or adjustment invoice with a positive total; partial payments add up. 409 overpayment when it would ' +
      'exceed the balance due, 409 invoice_void on a VOID invoice, 409 invoice_not_payable for drafts and credit notes. Send an Idempotency-Key: a retried request records nothing twice.',
  }),
  'GET /v1/receivables': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE],
    summary: 'Open balances by advertiser in aging buckets',
    query: ReceivablesQuery,
    responses: { 200: ReceivablesSchema },
    description:
      'As of a day: every FINALIZED invoice issued on or before it, less its payments dated on or before it, by advertiser and currency, in buckets of days past the due date ' +
      '(current = not yet due, d1_30, d31_60, d61_90, over90). Voided invoices and credit notes are left out; advertisers with nothing open are not listed.',
  }),
  'GET /v1/invoices/{id}/pdf': operation({
    group: FunctionGroup.INVOICES,
    roles: [FINANCE, ADVERTISER],
    summary: 'Download the PDF of an issued invoice or credit note',
    params: IdParams,
    responses: { 200: InvoicePdfSchema },
    errors: [404, 409],
    description:
      'The document rendered as PDF (seller, bill-to, number, issue and due dates, PO / IO number, lines, commission, credits, tax with its note, total) and stored in the ' +
      'exports bucket; answers a presigned GET URL valid 15 minutes. FINALIZED invoices, credit notes and voided invoices; a DRAFT or DISCARDED invoice answers 409 ' +
      'invoice_not_issued (an advertiser token: 404, as for any document it cannot see).',
  }),
} as const satisfies Operations;
