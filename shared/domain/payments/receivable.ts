/**
 * Payments against issued invoices, and what is still owed: pure rules, no storage.
 *
 * - A payment `{ amount, date, reference }` is recorded on a FINALIZED invoice or adjustment
 *   invoice whose total is positive; amounts are exact decimals in the invoice's currency
 *   (integer minor units inside, so sums never drift). A VOID invoice takes no payment (409),
 *   nor does a draft, a discarded draft or a credit note.
 * - Payments never exceed the total: an overpayment is refused whole (409), so the balance due
 *   never goes below zero.
 * - The due date is the issue date (the UTC day the invoice was finalized) plus the payment
 *   terms of the billing profile the document was computed with (`billTo`; else the
 *   advertiser's current one), unless the invoice carries its own `dueDate`.
 * - Payment status as of a day: PAID when nothing is due; OVERDUE when something is due and the
 *   day is after the due date; PARTIALLY_PAID when something was paid; OPEN otherwise. Only
 *   payments dated on or before that day count, so the status of any past day can be told.
 * - Aging: the balance due as of a day, in the bucket of its days past due: current (not yet
 *   due), 1-30, 31-60, 61-90, over 90.
 */
import { ConflictError, ValidationError } from '../kernel/errors';
import { minorUnits } from '../kernel/currencies';
import { addDays, isDay } from '../kernel/calendar';
import { toMinorUnits } from '../kernel/money';
import { InvoiceKind, InvoiceStatus, type Invoice } from '../invoices/invoice';

export const PaymentStatus = { OPEN: 'OPEN', PARTIALLY_PAID: 'PARTIALLY_PAID', PAID: 'PAID', OVERDUE: 'OVERDUE' } as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

/** One payment as kept on its invoice. */
export interface Payment {
  id: string;
  amount: string;
  /** The day the money arrived (YYYY-MM-DD). */
  date: string;
  reference: string;
  recordedAt: string;
  actor: string;
}

/** Payments per invoice: partial payments are a handful; a limit keeps the invoice item bounded. */
export const MAX_PAYMENTS_PER_INVOICE = 100;
export const MAX_REFERENCE_CHARS = 200;
/** Used when the advertiser has no billing profile. */
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

/** Money in integer minor units of the currency. */
export const minor = (amount: string, currency: string): bigint => toMinorUnits(amount, currency);

export function fromMinor(value: bigint, currency: string): string {
  const digits = minorUnits(currency);
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${whole}` : whole;
}

/** Whether a document takes payments at all. */
export function isPayable(invoice: Pick<Invoice, 'kind' | 'status' | 'total' | 'currency'>): boolean {
  return invoice.status === InvoiceStatus.FINALIZED && invoice.kind !== InvoiceKind.CREDIT_NOTE && minor(invoice.total, invoice.currency) > 0n;
}

export type PaidInvoice = Pick<Invoice, 'id' | 'kind' | 'status' | 'total' | 'currency' | 'finalizedAt'> & { payments?: Payment[]; dueDate?: string | null };

/** The due date: the invoice's own, else its issue day plus the payment terms. */
export function dueDateOf(invoice: PaidInvoice, paymentTermsDays: number): string | null {
  if (invoice.dueDate) return invoice.dueDate;
  if (!invoice.finalizedAt) return null;
  return addDays(invoice.finalizedAt.slice(0, 10), paymentTermsDays);
}

/** Paid until `asOf` (inclusive; every payment when omitted), in minor units. */
export function paidMinor(invoice: PaidInvoice, asOf?: string): bigint {
  return (invoice.payments ?? []).filter((p) => asOf === undefined || p.date <= asOf).reduce((sum, p) => sum + minor(p.amount, invoice.currency), 0n);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export interface PaymentView {
  amountPaid: string;
  balanceDue: string;
  dueDate: string | null;
  paymentStatus: PaymentStatus | null;
}

/** What an invoice shows about its payments on `today`; documents that take no payment show null status. */
export function paymentView(invoice: PaidInvoice, paymentTermsDays: number, today: string): PaymentView {
  const total = minor(invoice.total, invoice.currency);
  const paid = paidMinor(invoice);
  const dueDate = invoice.status === InvoiceStatus.FINALIZED || invoice.status === InvoiceStatus.VOID ? dueDateOf(invoice, paymentTermsDays) : null;
  if (!isPayable(invoice)) {
    return { amountPaid: fromMinor(paid, invoice.currency), balanceDue: fromMinor(0n, invoice.currency), dueDate, paymentStatus: null };
  }
  return { amountPaid: fromMinor(paid, invoice.currency), balanceDue: fromMinor(total - paid, invoice.currency), dueDate, paymentStatus: statusOf(total, paid, dueDate, today) };
}

export function statusOf(totalMinor: bigint, paidMinorUnits: bigint, dueDate: string | null, today: string): PaymentStatus {
  if (paidMinorUnits >= totalMinor) return PaymentStatus.PAID;
  if (dueDate !== null && today > dueDate) return PaymentStatus.OVERDUE;
  return paidMinorUnits > 0n ? PaymentStatus.PARTIALLY_PAID : PaymentStatus.OPEN;
}

export interface PaymentRequest {
  amount: string;
  date: string;
  reference: string;
}

/** The invoice with one more payment, or the refusal: bad input 400, wrong document or overpayment 409. */
export function applyPayment(invoice: Invoice & { payments?: Payment[] }, request: PaymentRequest, stamp: { id: string; actor: string; at: string }): Invoice & { payments: Payment[]; amountPaid: string } {
  const details = [];
  if (!/^\d+(\.\d+)?$/.test(request.amount)) details.push({ path: 'amount', message: 'a positive decimal string' });
  if (!isDay(request.date)) details.push({ path: 'date', message: 'a day YYYY-MM-DD' });
  const reference = request.reference.trim();
  if (reference.length === 0 || reference.length > MAX_REFERENCE_CHARS) details.push({ path: 'reference', message: `1 to ${MAX_REFERENCE_CHARS} characters` });
  if (details.length > 0) throw new ValidationError('invalid payment', details);
  let amount: bigint;
  try {
    amount = minor(request.amount, invoice.currency);
  } catch {
    throw new ValidationError(`"${request.amount}" is not a ${invoice.currency} amount`, [{ path: 'amount', message: `at most ${minorUnits(invoice.currency)} decimals` }], 'invalid_amount');
  }
  if (amount <= 0n) throw new ValidationError('a payment is a positive amount', [{ path: 'amount', message: 'must be greater than zero' }]);

  if (invoice.status === InvoiceStatus.VOID) throw new ConflictError(`invoice ${invoice.id} is VOID and takes no payment`, 'invoice_void');
  if (!isPayable(invoice)) throw new ConflictError(`invoice ${invoice.id} (${invoice.kind}, ${invoice.status}, total ${invoice.total}) takes no payment`, 'invoice_not_payable');
  const payments = invoice.payments ?? [];
  if (payments.length >= MAX_PAYMENTS_PER_INVOICE) throw new ConflictError(`invoice ${invoice.id} already has ${MAX_PAYMENTS_PER_INVOICE} payments`, 'too_many_payments');
  if (invoice.finalizedAt && request.date < invoice.finalizedAt.slice(0, 10)) {
    throw new ValidationError('a payment cannot be dated before the invoice was issued', [{ path: 'date', message: `on or after ${invoice.finalizedAt.slice(0, 10)}` }]);
  }
  const total = minor(invoice.total, invoice.currency);
  const paid = paidMinor(invoice);
  if (paid + amount > total) {
    throw new ConflictError(`a payment of ${request.amount} exceeds the balance due of ${fromMinor(total - paid, invoice.currency)} ${invoice.currency}`, 'overpayment');
  }
  const payment: Payment = { id: stamp.id, amount: fromMinor(amount, invoice.currency), date: request.date, reference, recordedAt: stamp.at, actor: stamp.actor };
  return {
    ...invoice,
    payments: [...payments, payment],
    amountPaid: fromMinor(paid + amount, invoice.currency),
    version: invoice.version + 1,
    updatedAt: stamp.at,
    actor: stamp.actor,
  };
}

// --- Aging -----------------------------------------------------------------------------------

export const AGING_BUCKETS = ['current', 'd1_30', 'd31_60', 'd61_90', 'over90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

export function bucketOf(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return 'd1_30';
  if (daysPastDue <= 60) return 'd31_60';
  if (daysPastDue <= 90) return 'd61_90';
  return 'over90';
}

export interface AgingRow {
  advertiserId: string;
  currency: string;
  current: string;
  d1_30: string;
  d31_60: string;
  d61_90: string;
  over90: string;
  total: string;
}

export type AgedInvoice = PaidInvoice & { advertiserId: string };

/**
 * Open balances as of `asOf`, per advertiser and currency: every payable invoice issued on or
 * before `asOf`, less its payments dated on or before `asOf`, in the bucket of its days past due.
 * Rows in advertiser then currency order; advertisers with nothing open are left out.
 */
export function agingOf<T extends AgedInvoice>(invoices: readonly T[], termsDaysOf: (invoice: T) => number, asOf: string): AgingRow[] {
  const sums = new AgingSums(asOf);
  sums.add(invoices, termsDaysOf);
  return sums.rows();
}

/**
 * The sums behind agingOf, in minor units, open to more invoices until the rows are read: the
 * finance export adds its period page by page.
 */
export class AgingSums {
  private readonly sums = new Map<string, { advertiserId: string; currency: string; buckets: Record<AgingBucket, bigint> }>();

  constructor(readonly asOf: string) {}

  add<T extends AgedInvoice>(invoices: readonly T[], termsDaysOf: (invoice: T) => number): void {
    const asOf = this.asOf;
    if (!isDay(asOf)) throw new ValidationError('asOf must be a day YYYY-MM-DD', [{ path: 'asOf', message: 'expected YYYY-MM-DD' }]);
    for (const invoice of invoices) {
      if (!isPayable(invoice) || !invoice.finalizedAt || invoice.finalizedAt.slice(0, 10) > asOf) continue;
      const open = minor(invoice.total, invoice.currency) - paidMinor(invoice, asOf);
      if (open <= 0n) continue;
      const due = dueDateOf(invoice, termsDaysOf(invoice))!;
      const key = `${invoice.advertiserId}\n${invoice.currency}`;
      const row = this.sums.get(key) ?? { advertiserId: invoice.advertiserId, currency: invoice.currency, buckets: { current: 0n, d1_30: 0n, d31_60: 0n, d61_90: 0n, over90: 0n } };
      row.buckets[bucketOf(daysBetween(due, asOf))] += open;
      this.sums.set(key, row);
    }
  }

  rows(): AgingRow[] {
    return [...this.sums.values()]
      .sort((a, b) => (a.advertiserId === b.advertiserId ? (a.currency < b.currency ? -1 : 1) : a.advertiserId < b.advertiserId ? -1 : 1))
      .map(({ advertiserId, currency, buckets }) => ({
        advertiserId,
        currency,
        current: fromMinor(buckets.current, currency),
        d1_30: fromMinor(buckets.d1_30, currency),
        d31_60: fromMinor(buckets.d31_60, currency),
        d61_90: fromMinor(buckets.d61_90, currency),
        over90: fromMinor(buckets.over90, currency),
        total: fromMinor(AGING_BUCKETS.reduce((sum, b) => sum + buckets[b], 0n), currency),
      }));
  }
}
