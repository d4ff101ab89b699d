/**
 * The console's view of the API, inferred from the project's own zod schemas (the same ones the
 * handlers validate with and the OpenAPI document is generated from). Type-only imports: no
 * schema code reaches the bundle through this file.
 */
import type * as z from 'zod';
import type { ErrorBodySchema } from '../../../shared/schemas/api/common';
import type {
  AmendmentBody,
  ApproveBody,
  AuditEntrySchema,
  ContractResponse,
  ContractSummary,
  CreateContractBody,
  RejectBody,
  RenewalBody,
  TerminationBody,
  UpdateVersionBody,
  VersionResponse,
} from '../../../shared/schemas/api/contracts';
import type { AdvertiserSchema } from '../../../shared/schemas/api/directory';
import type { BillingRunSchema, RetriedBillingRunSchema, StartBillingRunBody, StartedBillingRunSchema } from '../../../shared/schemas/api/billing-runs';
import type { ApproveCreditBody, CreateCreditBody, CreditSchema, RejectCreditBody } from '../../../shared/schemas/api/credits';
import type { ImpactSchema, SpendSchema } from '../../../shared/schemas/api/daily-work';
import type { InvoiceLineSchema, InvoiceSchema, InvoiceSummarySchema, PaymentBody, ReceivablesSchema, VoidBody, VoidedInvoiceSchema } from '../../../shared/schemas/api/invoices';
import type { ExportListSchema, PartnerStatementSchema, StatementPaymentBody } from '../../../shared/schemas/api/finance';
import type { ImpressionBatchBody, ConversionBatchBody, IngestResultSchema } from '../../../shared/schemas/api/usage';
import type { LineExplanation } from '../../../shared/domain/billing/types';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type ApiErrorBody = z.output<typeof ErrorBodySchema>;
export type ErrorDetail = ApiErrorBody['error']['details'][number];

export type ContractSummaryT = z.output<typeof ContractSummary>;
export type Contract = z.output<typeof ContractResponse>;
export type ContractVersion = z.output<typeof VersionResponse>;
export type VersionTerms = ContractVersion['terms'];
export type AuditEntry = z.output<typeof AuditEntrySchema>;
export type Advertiser = z.output<typeof AdvertiserSchema>;
export type CreateContractInput = z.input<typeof CreateContractBody>;
export type UpdateVersionInput = z.input<typeof UpdateVersionBody>;
export type AmendmentInput = z.input<typeof AmendmentBody>;
export type RenewalInput = z.input<typeof RenewalBody>;
export type TerminationInput = z.input<typeof TerminationBody>;
export type ApproveInput = z.input<typeof ApproveBody>;
export type RejectInput = z.input<typeof RejectBody>;

export type BillingRun = z.output<typeof BillingRunSchema>;
export type StartedBillingRun = z.output<typeof StartedBillingRunSchema>;
export type StartBillingRunInput = z.input<typeof StartBillingRunBody>;
export type RetriedBillingRun = z.output<typeof RetriedBillingRunSchema>;

export type Credit = z.output<typeof CreditSchema>;
export type CreateCreditInput = z.input<typeof CreateCreditBody>;
export type ApproveCreditInput = z.input<typeof ApproveCreditBody>;
export type RejectCreditInput = z.input<typeof RejectCreditBody>;

export type VersionImpact = z.output<typeof ImpactSchema>;
export type Spend = z.output<typeof SpendSchema>;

export type InvoiceSummary = z.output<typeof InvoiceSummarySchema>;
export type Invoice = z.output<typeof InvoiceSchema>;
export type InvoiceLine = z.output<typeof InvoiceLineSchema>;
export type VoidInput = z.input<typeof VoidBody>;
export type PaymentInput = z.input<typeof PaymentBody>;
export type Receivables = z.output<typeof ReceivablesSchema>;
export type VoidedInvoice = z.output<typeof VoidedInvoiceSchema>;
/** The rating engine's explanation of a line (the API sends it as-is). */
export type Explanation = LineExplanation;

export type ExportList = z.output<typeof ExportListSchema>;
export type PartnerStatement = z.output<typeof PartnerStatementSchema>;
export type PartnerPaymentInput = z.input<typeof StatementPaymentBody>;

export type ImpressionBatchInput = z.input<typeof ImpressionBatchBody>;
export type ConversionBatchInput = z.input<typeof ConversionBatchBody>;
export type IngestResult = z.output<typeof IngestResultSchema>;

/** A read of a mutable resource with its ETag (sent back as If-Match). */
export type WithEtag<T> = T & { etag: string | null };
