/**
 * What an issued document says on paper: the figures of an invoice or credit note arranged for
 * its PDF (seller, bill-to, number, issue and due dates, PO / IO number, lines with quantity,
 * rate and amount, commission, credits, tax with its note, total, currency). Pure: the PDF
 * adapter only lays this out, so every figure printed is one the invoice holds.
 */
import Big from 'big.js';
import { addDays } from '../kernel/calendar';
import { ConflictError } from '../kernel/errors';
import { formatAmount, parseAmount } from './amounts';
import { InvoiceKind, InvoiceStatus, type Invoice, type InvoiceLine } from './invoice';
import type { BillingProfile } from '../contracts/store';
import { isTaxLine } from './tax';
import { DEFAULT_PAYMENT_TERMS_DAYS } from '../payments/receivable';

/** Who issues the documents (configured per deployment). */
export interface Seller {
  legalName: string;
  address: BillingProfile['address'];
  taxId?: string;
  email?: string;
}

export interface DocumentLine {
  lineNo: number;
  description: string;
  quantity: string;
  /** The unit rate or percentage the engine priced the line with; empty when the line has none. */
  rate: string;
  amount: string;
}

export interface InvoiceDocument {
  title: string;
  number: string;
  issueDate: string;
  dueDate: string;
  period: string;
  currency: string;
  seller: Seller;
  billTo: BillingProfile | null;
  purchaseOrder: string | null;
  /** Credit notes: the number of the invoice they credit. */
  creditsInvoiceNumber: string | null;
  lines: DocumentLine[];
  /** Sums of the document's commission lines and of its credit lines (credits, guarantee credits). */
  commission: string;
  credits: string;
  taxableTotal: string;
  tax: { label: string; ratePct: string | null; amount: string; note: string | null } | null;
  total: string;
}

/** Documents that were issued: a FINALIZED invoice or credit note, or an invoice voided after it. */
export const PRINTABLE_STATUSES: readonly string[] = [InvoiceStatus.FINALIZED, InvoiceStatus.VOID];

/**
 * Issue date: the UTC day the document was finalized (credit notes: issued). Due date: the issue
 * date plus the payment terms of the billing profile the document was computed with (the default
 * terms without one), as the invoice's payment view computes it.
 */
export function documentDates(invoice: Pick<Invoice, 'finalizedAt' | 'kind' | 'billTo'>): { issueDate: string; dueDate: string } | null {
  if (!invoice.finalizedAt) return null;
  const issueDate = invoice.finalizedAt.slice(0, 10);
  const terms = invoice.billTo?.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS;
  return { issueDate, dueDate: addDays(issueDate, terms) };
}

const TITLES: Record<string, string> = { [InvoiceKind.INVOICE]: 'Invoice', [InvoiceKind.ADJUSTMENT]: 'Adjustment invoice', [InvoiceKind.CREDIT_NOTE]: 'Credit note' };
const COMMISSION = 'AGENCY_COMMISSION';
const CREDIT_TYPES = ['CREDIT', 'GUARANTEE_CREDIT'];

const effectiveType = (l: InvoiceLine) => (l.type === 'ADJUSTMENT' ? (l.adjusts ?? 'ADJUSTMENT') : l.type);

/** A credit note's explanation wraps the credited line's: the rate is the original line's. */
function explanationOf(line: InvoiceLine): Record<string, unknown> {
  const e = (line.explanation ?? {}) as Record<string, unknown>;
  if (e.kind === 'CREDIT' && e.original && typeof e.original === 'object') return e.original as Record<string, unknown>;
  return e;
}

function rateOf(line: InvoiceLine): string {
  const e = explanationOf(line);
  if (isTaxLine(line)) return typeof e.ratePct === 'string' ? `${e.ratePct}%` : '';
  for (const key of ['rate', 'unitRate', 'payout']) if (typeof e[key] === 'string') return e[key] as string;
  const pricing = e.pricing as { rate?: unknown } | undefined;
  if (pricing && typeof pricing.rate === 'string') return pricing.rate;
  if (typeof e.commissionPct === 'string') return `${e.commissionPct}%`;
  return '';
}

function descriptionOf(line: InvoiceLine, invoice: Invoice): string {
  if (isTaxLine(line)) {
    const e = explanationOf(line);
    return `${(e.label as string | null) ?? 'Tax'} on ${formatAmount(new Big((e.taxableAmount as string | undefined) ?? '0'), invoice.currency)}`;
  }
  const type = line.type === 'ADJUSTMENT' ? `Adjustment of ${(line.adjusts ?? '').toLowerCase().replace(/_/g, ' ')}` : line.type.toLowerCase().replace(/_/g, ' ');
  const parts = [type.charAt(0).toUpperCase() + type.slice(1)];
  if (line.chargeId) parts.push(line.chargeId);
  if (line.version != null) parts.push(`v${line.version}`);
  return parts.join(' ');
}

function sumOf(lines: readonly InvoiceLine[], currency: string): string {
  return formatAmount(lines.reduce((a, l) => a.plus(parseAmount(l.amount, currency)), new Big(0)), currency);
}

/** The document's content; 409 for a document that was never issued (DRAFT, DISCARDED). */
export function invoiceDocument(invoice: Invoice, seller: Seller): InvoiceDocument {
  const dates = documentDates(invoice);
  if (!PRINTABLE_STATUSES.includes(invoice.status) || !invoice.number || !dates) {
    throw new ConflictError(`invoice ${invoice.id} is ${invoice.status}: only issued documents have a PDF`, 'invoice_not_issued');
  }
  const { currency } = invoice;
  const taxLine = invoice.lines.find(isTaxLine);
  return {
    title: TITLES[invoice.kind] ?? 'Invoice',
    number: invoice.number,
    ...dates,
    period: invoice.period,
    currency,
    seller,
    billTo: invoice.billTo ?? null,
    purchaseOrder: invoice.purchaseOrder ?? null,
    creditsInvoiceNumber: invoice.creditsInvoiceNumber ?? null,
    lines: invoice.lines.map((l) => ({ lineNo: l.lineNo, description: descriptionOf(l, invoice), quantity: l.quantity, rate: rateOf(l), amount: l.amount })),
    commission: sumOf(invoice.lines.filter((l) => effectiveType(l) === COMMISSION), currency),
    credits: sumOf(invoice.lines.filter((l) => CREDIT_TYPES.includes(effectiveType(l))), currency),
    taxableTotal: invoice.taxableTotal ?? invoice.total,
    tax: invoice.tax && taxLine ? { label: invoice.tax.label ?? 'Tax', ratePct: invoice.tax.ratePct, amount: taxLine.amount, note: invoice.tax.note } : null,
    total: invoice.total,
  };
}
