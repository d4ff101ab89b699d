/**
 * The finance export of one period, as file contents: invoices and their lines (CSV and JSON
 * Lines), partner payouts, payments received and made (partner-payments.csv: payments against
 * the period's issued partner statements), and the double-entry journal. Pure: the S3 adapter adds the
 * manifest (row counts, sha256) and writes. The journal is checked first, so an unbalanced
 * period produces no files at all.
 */
import { ValidationError } from '../kernel/errors';
import { assertPeriod } from '../kernel/calendar';
import { InvoiceKind, type Invoice, type InvoiceLine } from '../invoices/invoice';
import { journalOf, partnerStatementDocumentId, type CurrencyBalance, type JournalLine, balances } from '../invoices/journal';
import type { StatementRecord } from '../partner-statements/statement';
import { toCsv, toJsonLines, type CsvColumn } from './csv';
import { agingOf, DEFAULT_PAYMENT_TERMS_DAYS, type AgingRow } from '../payments/receivable';

export const ExportFormat = { CSV: 'csv', JSONL: 'jsonl', JSON: 'json' } as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];

export interface ExportFile {
  name: string;
  format: ExportFormat;
  contentType: string;
  body: string;
  rows: number;
}

export type CurrencyBalanceList = CurrencyBalance[];

export interface PeriodExport {
  period: string;
  files: ExportFile[];
  balances: CurrencyBalanceList;
}

const KIND_ORDER: Record<string, number> = { [InvoiceKind.INVOICE]: 0, [InvoiceKind.ADJUSTMENT]: 1, [InvoiceKind.CREDIT_NOTE]: 2 };

/** Stable document order: contract, run, kind, id. */
export function sortDocuments(invoices: readonly Invoice[]): Invoice[] {
  return [...invoices].sort(
    (a, b) =>
      a.contractId.localeCompare(b.contractId) ||
      a.runSeq - b.runSeq ||
      (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) ||
      a.id.localeCompare(b.id),
  );
}

export interface InvoiceRow {
  id: string; number: string | null; kind: string; status: string; contractId: string; advertiserId: string;
  period: string; currency: string; runId: string; runSeq: number; lineCount: number; subtotal: string; total: string;
  flags: string; creditsInvoiceId: string | null; creditNoteId: string | null; createdAt: string; finalizedAt: string | null; voidedAt: string | null;
  /** The sum of the lines but TAX, and the TAX line (empty when the document has none). */
  taxableTotal: string; taxLabel: string | null; taxAmount: string | null;
}

export const INVOICE_COLUMNS: readonly CsvColumn<InvoiceRow>[] = [
  'id', 'number', 'kind', 'status', 'contractId', 'advertiserId', 'period', 'currency', 'runId', 'runSeq', 'lineCount',
  'subtotal', 'total', 'flags', 'creditsInvoiceId', 'creditNoteId', 'createdAt', 'finalizedAt', 'voidedAt', 'taxableTotal', 'taxLabel', 'taxAmount',
].map((header) => ({ header, value: (r: InvoiceRow) => r[header as keyof InvoiceRow] }));

export interface LineRow {
  invoiceId: string; invoiceNumber: string | null; kind: string; status: string; contractId: string; period: string; currency: string;
  lineNo: number; type: string; adjusts: string | null; chargeId: string | null; version: number | null; quantity: string; amount: string;
  /** The structured explanation; CSV carries it as JSON text. */
  explanation: unknown;
}

export const LINE_COLUMNS: readonly CsvColumn<LineRow>[] = [
  'invoiceId', 'invoiceNumber', 'kind', 'status', 'contractId', 'period', 'currency', 'lineNo', 'type', 'adjusts', 'chargeId', 'version',
  'quantity', 'amount', 'explanation',
].map((header) => ({
  header,
  value: (r: LineRow) => (header === 'explanation' ? JSON.stringify(r.explanation ?? null) : (r[header as keyof LineRow] as string | number | null)),
}));

export interface PayoutRow {
  period: string; partnerId: string; contractId: string; chargeId: string; invoiceId: string; runId: string; runSeq: number; currency: string; amount: string;
}

export const PAYOUT_COLUMNS: readonly CsvColumn<PayoutRow>[] = [
  'period', 'partnerId', 'contractId', 'chargeId', 'invoiceId', 'runId', 'runSeq', 'currency', 'amount',
].map((header) => ({ header, value: (r: PayoutRow) => r[header as keyof PayoutRow] }));

export interface PaymentRow {
  invoiceId: string; invoiceNumber: string | null; advertiserId: string; contractId: string; period: string; currency: string;
  paymentId: string; date: string; amount: string; reference: string; recordedAt: string;
}

export const PAYMENT_COLUMNS: readonly CsvColumn<PaymentRow>[] = [
  'invoiceId', 'invoiceNumber', 'advertiserId', 'contractId', 'period', 'currency', 'paymentId', 'date', 'amount', 'reference', 'recordedAt',
].map((header) => ({ header, value: (r: PaymentRow) => r[header as keyof PaymentRow] }));

export function paymentRows(i: Invoice): PaymentRow[] {
  return (i.payments ?? []).map((p) => ({
    invoiceId: i.id, invoiceNumber: i.number, advertiserId: i.advertiserId, contractId: i.contractId, period: i.period, currency: i.currency,
    paymentId: p.id, date: p.date, amount: p.amount, reference: p.reference, recordedAt: p.recordedAt,
  }));
}

export interface PartnerPaymentRow {
  period: string; partnerId: string; statementId: string; statementStatus: string; currency: string;
  paymentId: string; date: string; amount: string; reference: string; recordedAt: string;
}

export const PARTNER_PAYMENT_COLUMNS: readonly CsvColumn<PartnerPaymentRow>[] = [
  'period', 'partnerId', 'statementId', 'statementStatus', 'currency', 'paymentId', 'date', 'amount', 'reference', 'recordedAt',
].map((header) => ({ header, value: (r: PartnerPaymentRow) => r[header as keyof PartnerPaymentRow] }));

export function partnerPaymentRows(s: StatementRecord): PartnerPaymentRow[] {
  return s.payments.map((p) => ({
    period: s.period, partnerId: s.partnerId, statementId: partnerStatementDocumentId(s.partnerId, s.period), statementStatus: s.status, currency: p.currency,
    paymentId: p.id, date: p.date, amount: p.amount, reference: p.reference, recordedAt: p.recordedAt,
  }));
}

export const AGING_COLUMNS: readonly CsvColumn<AgingRow & { asOf: string }>[] = [
  'asOf', 'advertiserId', 'currency', 'current', 'd1_30', 'd31_60', 'd61_90', 'over90', 'total',
].map((header) => ({ header, value: (r: AgingRow & { asOf: string }) => r[header as keyof (AgingRow & { asOf: string })] }));

export const JOURNAL_COLUMNS: readonly CsvColumn<JournalLine>[] = [
  'invoiceId', 'invoiceNumber', 'kind', 'status', 'period', 'currency', 'postingNo', 'accountCode', 'accountName', 'debit', 'credit', 'memo',
].map((header) => ({ header, value: (r: JournalLine) => r[header as keyof JournalLine] as string | number | null }));

export function invoiceRow(i: Invoice): InvoiceRow {
  return {
    id: i.id, number: i.number, kind: i.kind, status: i.status, contractId: i.contractId, advertiserId: i.advertiserId,
    period: i.period, currency: i.currency, runId: i.runId, runSeq: i.runSeq, lineCount: i.lines.length, subtotal: i.subtotal, total: i.total,
    flags: i.flags.join(' '), creditsInvoiceId: i.creditsInvoiceId ?? null, creditNoteId: i.creditNoteId ?? null,
    createdAt: i.createdAt, finalizedAt: i.finalizedAt ?? null, voidedAt: i.voidedAt ?? null,
    taxableTotal: i.taxableTotal ?? i.total, taxLabel: i.tax?.label ?? null, taxAmount: i.tax?.amount ?? null,
  };
}

export function lineRow(i: Invoice, l: InvoiceLine): LineRow {
  return {
    invoiceId: i.id, invoiceNumber: i.number, kind: i.kind, status: i.status, contractId: i.contractId, period: i.period, currency: i.currency,
    lineNo: l.lineNo, type: l.type, adjusts: l.adjusts ?? null, chargeId: l.chargeId ?? null, version: l.version ?? null,
    quantity: l.quantity, amount: l.amount, explanation: l.explanation,
  };
}

export function payoutRows(i: Invoice): PayoutRow[] {
  return i.partnerPayouts.map((p) => ({
    period: i.period, partnerId: p.partnerId, contractId: i.contractId, chargeId: p.chargeId, invoiceId: i.id, runId: i.runId, runSeq: i.runSeq,
    currency: i.currency, amount: p.amount,
  }));
}

const CSV = 'text/csv; charset=utf-8; header=present';
const JSONL = 'application/x-ndjson; charset=utf-8';

/** The last day of a period (YYYY-MM-DD): the aging day of an export built without one. */
function periodEnd(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
}

/**
 * `agingAsOf`: the day `aging.csv` ages the period's open documents at (the export's day; the
 * period's last day when not given). Due dates use each document's billing profile terms.
 * `statements`: the period's issued partner statements, whose payments go to
 * partner-payments.csv and post Dr partner payables / Cr cash.
 */
export function buildPeriodExport(period: string, invoices: readonly Invoice[], agingAsOf?: string, statements: readonly StatementRecord[] = []): PeriodExport {
  assertPeriod(period);
  const foreign = invoices.find((i) => i.period !== period);
  if (foreign) throw new ValidationError(`invoice ${foreign.id} belongs to ${foreign.period}, not ${period}`, [{ path: 'invoices', message: 'mixed periods' }]);
  const foreignStatement = statements.find((s) => s.period !== period);
  if (foreignStatement) {
    throw new ValidationError(`the statement of partner ${foreignStatement.partnerId} belongs to ${foreignStatement.period}, not ${period}`, [{ path: 'statements', message: 'mixed periods' }]);
  }
  const docs = sortDocuments(invoices);
  const partnerStatements = [...statements].sort((a, b) => a.partnerId.localeCompare(b.partnerId));
  // A discarded draft was never issued: listed with its status, but it posts and pays nothing.
  const issuable = docs.filter((i) => i.status !== 'DISCARDED');
  // Refuse before formatting anything: an unbalanced journal must not reach finance.
  const journal = journalOf(issuable, partnerStatements);
  const invoiceRows = docs.map(invoiceRow);
  const lineRows = docs.flatMap((i) => i.lines.map((l) => lineRow(i, l)));
  const payouts = issuable.flatMap(payoutRows);
  const payments = issuable.flatMap(paymentRows);
  const partnerPayments = partnerStatements.flatMap(partnerPaymentRows);
  const asOf = agingAsOf ?? periodEnd(period);
  const aging = agingOf(issuable, (i) => i.billTo?.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS, asOf).map((row) => ({ asOf, ...row }));
  const file = (name: string, format: ExportFormat, body: string, rows: number): ExportFile => ({
    name, format, contentType: format === 'csv' ? CSV : JSONL, body, rows,
  });
  return {
    period,
    balances: balances(journal),
    files: [
      file('invoices.csv', 'csv', toCsv(INVOICE_COLUMNS, invoiceRows), invoiceRows.length),
      file('invoices.jsonl', 'jsonl', toJsonLines(invoiceRows), invoiceRows.length),
      file('invoice-lines.csv', 'csv', toCsv(LINE_COLUMNS, lineRows), lineRows.length),
      file('invoice-lines.jsonl', 'jsonl', toJsonLines(lineRows), lineRows.length),
      file('partner-payouts.csv', 'csv', toCsv(PAYOUT_COLUMNS, payouts), payouts.length),
      file('payments.csv', 'csv', toCsv(PAYMENT_COLUMNS, payments), payments.length),
      file('partner-payments.csv', 'csv', toCsv(PARTNER_PAYMENT_COLUMNS, partnerPayments), partnerPayments.length),
      file('aging.csv', 'csv', toCsv(AGING_COLUMNS, aging), aging.length),
      file('journal.csv', 'csv', toCsv(JOURNAL_COLUMNS, journal), journal.length),
    ],
  };
}
