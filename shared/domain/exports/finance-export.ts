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
import Big from 'big.js';
import { formatAmount } from '../invoices/amounts';
import { journalFor, journalForPartnerPayments, JournalUnbalancedError, partnerStatementDocumentId, type CurrencyBalance, type JournalLine, balances } from '../invoices/journal';
import type { StatementRecord } from '../partner-statements/statement';
import { csvField, toCsv, type CsvColumn } from './csv';
import { AgingSums, DEFAULT_PAYMENT_TERMS_DAYS, type AgingRow } from '../payments/receivable';

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

/** The export's files, in the order they are listed and written. */
export const EXPORT_FILES: readonly { name: string; format: ExportFormat; contentType: string }[] = [
  { name: 'invoices.csv', format: 'csv', contentType: CSV },
  { name: 'invoices.jsonl', format: 'jsonl', contentType: JSONL },
  { name: 'invoice-lines.csv', format: 'csv', contentType: CSV },
  { name: 'invoice-lines.jsonl', format: 'jsonl', contentType: JSONL },
  { name: 'partner-payouts.csv', format: 'csv', contentType: CSV },
  { name: 'payments.csv', format: 'csv', contentType: CSV },
  { name: 'partner-payments.csv', format: 'csv', contentType: CSV },
  { name: 'aging.csv', format: 'csv', contentType: CSV },
  { name: 'journal.csv', format: 'csv', contentType: CSV },
];

/** Text to append to each file (by name) and the rows it holds. */
export type ExportChunks = Map<string, { text: string; rows: number }>;

/** CSV records without the header, each ended by CRLF as toCsv ends them. */
const csvRows = <T>(columns: readonly CsvColumn<T>[], rows: readonly T[]) => rows.map((row) => `${columns.map((c) => csvField(c.value(row))).join(',')}\r\n`).join('');
const jsonRows = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * The export built page by page, so a period of any size is never held whole: each page of
 * documents becomes text appended to every file, in the page's document order (sortDocuments
 * within the page), while the journal's sums per currency and the aging's open balances are
 * carried over. `finish` adds the partner payments, the aging and the statements' journal, and
 * refuses an unbalanced journal: the writer then keeps nothing it was given (S3: multipart
 * uploads aborted), so an unbalanced period still reaches finance as no files at all.
 * Appending every chunk in order gives exactly buildPeriodExport's files for the same pages.
 */
export class PeriodExportBuilder {
  private readonly sums = new Map<string, { debit: Big; credit: Big }>();
  private readonly aging: AgingSums;

  constructor(readonly period: string, agingAsOf?: string) {
    assertPeriod(period);
    this.aging = new AgingSums(agingAsOf ?? periodEnd(period));
  }

  /** The files' beginnings: the CSV headers. */
  start(): ExportChunks {
    const header = <T>(columns: readonly CsvColumn<T>[]) => ({ text: toCsv(columns, []), rows: 0 });
    return new Map([
      ['invoices.csv', header(INVOICE_COLUMNS)],
      ['invoices.jsonl', { text: '', rows: 0 }],
      ['invoice-lines.csv', header(LINE_COLUMNS)],
      ['invoice-lines.jsonl', { text: '', rows: 0 }],
      ['partner-payouts.csv', header(PAYOUT_COLUMNS)],
      ['payments.csv', header(PAYMENT_COLUMNS)],
      ['partner-payments.csv', header(PARTNER_PAYMENT_COLUMNS)],
      ['aging.csv', header(AGING_COLUMNS)],
      ['journal.csv', header(JOURNAL_COLUMNS)],
    ]);
  }

  /** One page of the period's documents, as text for every file. */
  page(invoices: readonly Invoice[]): ExportChunks {
    const foreign = invoices.find((i) => i.period !== this.period);
    if (foreign) throw new ValidationError(`invoice ${foreign.id} belongs to ${foreign.period}, not ${this.period}`, [{ path: 'invoices', message: 'mixed periods' }]);
    const docs = sortDocuments(invoices);
    // A discarded draft was never issued: listed with its status, but it posts and pays nothing.
    const issuable = docs.filter((i) => i.status !== 'DISCARDED');
    const journal = issuable.flatMap(journalFor);
    this.addToSums(journal);
    this.addToAging(issuable);
    const invoiceRows = docs.map(invoiceRow);
    const lineRows = docs.flatMap((i) => i.lines.map((l) => lineRow(i, l)));
    const payouts = issuable.flatMap(payoutRows);
    const payments = issuable.flatMap(paymentRows);
    return new Map([
      ['invoices.csv', { text: csvRows(INVOICE_COLUMNS, invoiceRows), rows: invoiceRows.length }],
      ['invoices.jsonl', { text: jsonRows(invoiceRows), rows: invoiceRows.length }],
      ['invoice-lines.csv', { text: csvRows(LINE_COLUMNS, lineRows), rows: lineRows.length }],
      ['invoice-lines.jsonl', { text: jsonRows(lineRows), rows: lineRows.length }],
      ['partner-payouts.csv', { text: csvRows(PAYOUT_COLUMNS, payouts), rows: payouts.length }],
      ['payments.csv', { text: csvRows(PAYMENT_COLUMNS, payments), rows: payments.length }],
      ['journal.csv', { text: csvRows(JOURNAL_COLUMNS, journal), rows: journal.length }],
    ]);
  }

  /**
   * The rest, once every document was paged: the partner statements' payments and journal, and
   * the aging. Throws JournalUnbalancedError when debits differ from credits in any currency.
   */
  finish(statements: readonly StatementRecord[] = []): { chunks: ExportChunks; balances: CurrencyBalanceList } {
    const foreignStatement = statements.find((s) => s.period !== this.period);
    if (foreignStatement) {
      throw new ValidationError(`the statement of partner ${foreignStatement.partnerId} belongs to ${foreignStatement.period}, not ${this.period}`, [{ path: 'statements', message: 'mixed periods' }]);
    }
    const partnerStatements = [...statements].sort((a, b) => a.partnerId.localeCompare(b.partnerId));
    const journal = partnerStatements.flatMap(journalForPartnerPayments);
    this.addToSums(journal);
    const result = [...this.sums.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, s]) => ({ currency, debit: formatAmount(s.debit, currency), credit: formatAmount(s.credit, currency) }));
    const off = result.filter((b) => !new Big(b.debit).eq(new Big(b.credit)));
    if (off.length > 0) throw new JournalUnbalancedError(off);
    const partnerPayments = partnerStatements.flatMap(partnerPaymentRows);
    const aging = this.agingRows();
    return {
      balances: result,
      chunks: new Map([
        ['partner-payments.csv', { text: csvRows(PARTNER_PAYMENT_COLUMNS, partnerPayments), rows: partnerPayments.length }],
        ['aging.csv', { text: csvRows(AGING_COLUMNS, aging), rows: aging.length }],
        ['journal.csv', { text: csvRows(JOURNAL_COLUMNS, journal), rows: journal.length }],
      ]),
    };
  }

  private addToSums(lines: readonly JournalLine[]): void {
    for (const b of balances(lines)) {
      const s = this.sums.get(b.currency) ?? { debit: new Big(0), credit: new Big(0) };
      s.debit = s.debit.plus(b.debit);
      s.credit = s.credit.plus(b.credit);
      this.sums.set(b.currency, s);
    }
  }

  /** Open balances by advertiser, currency and bucket, in minor units, carried from page to page. */
  private addToAging(issuable: readonly Invoice[]): void {
    this.aging.add(issuable, (i) => i.billTo?.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS);
  }

  private agingRows(): (AgingRow & { asOf: string })[] {
    return this.aging.rows().map((row) => ({ asOf: this.aging.asOf, ...row }));
  }
}

/**
 * The whole export of a period's documents in memory (one page): `agingAsOf` is the day
 * `aging.csv` ages the period's open documents at (the export's day; the period's last day when
 * not given), due dates by each document's billing profile terms; `statements` are the period's
 * issued partner statements, whose payments go to partner-payments.csv and post Dr partner
 * payables / Cr cash. Refuses an unbalanced journal before returning anything.
 */
export function buildPeriodExport(period: string, invoices: readonly Invoice[], agingAsOf?: string, statements: readonly StatementRecord[] = []): PeriodExport {
  const builder = new PeriodExportBuilder(period, agingAsOf);
  const parts = [builder.start(), builder.page(invoices)];
  const finished = builder.finish(statements);
  parts.push(finished.chunks);
  return {
    period,
    balances: finished.balances,
    files: EXPORT_FILES.map(({ name, format, contentType }) => ({
      name,
      format,
      contentType,
      body: parts.map((p) => p.get(name)?.text ?? '').join(''),
      rows: parts.reduce((sum, p) => sum + (p.get(name)?.rows ?? 0), 0),
    })),
  };
}
