/**
 * A partner statement's status and payments, on top of the payouts it sums
 * (invoices/partner-statement.ts). Pure rules, no storage.
 *
 * - A statement is OPEN until finance issues it; nothing is stored for an OPEN statement.
 * - Issuing (OPEN -> ISSUED) freezes the statement's totals per currency as `issuedTotals`: what
 *   the partner is told it will be paid. Payments are recorded against those frozen amounts
 *   only, per currency; when every currency with a positive issued amount is paid in full the
 *   statement is PAID.
 * - Payouts can still move after issue (a re-run of the period writes payout changes, a
 *   discarded draft takes its payouts out). The issued amounts never follow: the difference
 *   between the live total and the issued amount is shown per currency as
 *   `unissuedAdjustment`, for finance to settle with a later period. It is never payable
 *   through this statement.
 * - Amounts are integer minor units inside (receivable.ts `minor` / `fromMinor`), decimal
 *   strings outside.
 */
import type { PartnerStatement } from '../invoices/partner-statement';
import { fromMinor, minor } from '../payments/receivable';

export const PartnerStatementStatus = { OPEN: 'OPEN', ISSUED: 'ISSUED', PAID: 'PAID' } as const;
export type PartnerStatementStatus = (typeof PartnerStatementStatus)[keyof typeof PartnerStatementStatus];

/** One payment to the partner, in one of the statement's currencies. */
export interface PartnerPayment {
  id: string;
  currency: string;
  amount: string;
  /** The day the money left (YYYY-MM-DD). */
  date: string;
  reference: string;
  recordedAt: string;
  actor: string;
}

/** What is stored once a statement is issued (an OPEN statement has no record). */
export interface StatementRecord {
  partnerId: string;
  period: string;
  status: typeof PartnerStatementStatus.ISSUED | typeof PartnerStatementStatus.PAID;
  issuedAt: string;
  issuedBy: string;
  /** The statement's totals per currency when it was issued: what payments are held against. */
  issuedTotals: { currency: string; amount: string }[];
  payments: PartnerPayment[];
  version: number;
  updatedAt: string;
  actor: string;
}

/** One currency of a statement: live total, what was issued, paid, still due, and what moved since issue. */
export interface StatementBalance {
  currency: string;
  /** The live net payout (first run plus every re-run change). */
  total: string;
  /** The amount issued; null while the statement is OPEN or when the currency appeared after issue. */
  issued: string | null;
  amountPaid: string;
  /** Issued less paid (never below zero); 0 while OPEN. */
  balanceDue: string;
  /** Live total less the issued amount once issued; 0 while OPEN. */
  unissuedAdjustment: string;
}

export interface PartnerStatementView extends PartnerStatement {
  status: PartnerStatementStatus;
  issuedAt: string | null;
  issuedBy: string | null;
  issuedTotals: { currency: string; amount: string }[];
  payments: PartnerPayment[];
  /** The statement's one currency, or null when it has none or several (then read `balances`). */
  currency: string | null;
  amountPaid: string | null;
  balanceDue: string | null;
  unissuedAdjustment: string | null;
  balances: StatementBalance[];
  /** 0 while OPEN; the stored record's version after. */
  version: number;
}

/** Paid so far in one currency, in minor units. */
export function paidIn(record: Pick<StatementRecord, 'payments'>, currency: string): bigint {
  return record.payments.filter((p) => p.currency === currency).reduce((sum, p) => sum + minor(p.amount, currency), 0n);
}

/** Issued in one currency, in minor units (0 when the currency was not issued). */
export function issuedIn(record: Pick<StatementRecord, 'issuedTotals'>, currency: string): bigint {
  const issued = record.issuedTotals.find((t) => t.currency === currency);
  return issued ? minor(issued.amount, currency) : 0n;
}

/** Currencies that take payments: those issued with a positive amount. */
export function payableCurrencies(record: Pick<StatementRecord, 'issuedTotals'>): string[] {
  return record.issuedTotals.filter((t) => minor(t.amount, t.currency) > 0n).map((t) => t.currency);
}

/** PAID when every payable currency is paid in full; ISSUED otherwise. */
export function settledStatus(record: Pick<StatementRecord, 'issuedTotals' | 'payments'>): StatementRecord['status'] {
  const open = payableCurrencies(record).some((currency) => paidIn(record, currency) < issuedIn(record, currency));
  return open ? PartnerStatementStatus.ISSUED : PartnerStatementStatus.PAID;
}

/** The statement as finance sees it: the live payouts, with the stored status, payments and balances. */
export function statementView(live: PartnerStatement, record: StatementRecord | undefined): PartnerStatementView {
  const currencies = [...new Set([...live.totals.map((t) => t.currency), ...(record?.issuedTotals.map((t) => t.currency) ?? [])])].sort();
  const balances: StatementBalance[] = currencies.map((currency) => {
    const total = live.totals.find((t) => t.currency === currency);
    const totalMinor = total ? minor(total.amount, currency) : 0n;
    if (!record) {
      return { currency, total: fromMinor(totalMinor, currency), issued: null, amountPaid: fromMinor(0n, currency), balanceDue: fromMinor(0n, currency), unissuedAdjustment: fromMinor(0n, currency) };
    }
    const issued = record.issuedTotals.find((t) => t.currency === currency);
    const issuedMinor = issuedIn(record, currency);
    const paid = paidIn(record, currency);
    const due = issuedMinor - paid;
    return {
      currency,
      total: fromMinor(totalMinor, currency),
      issued: issued ? fromMinor(issuedMinor, currency) : null,
      amountPaid: fromMinor(paid, currency),
      balanceDue: fromMinor(due > 0n ? due : 0n, currency),
      unissuedAdjustment: fromMinor(totalMinor - issuedMinor, currency),
    };
  });
  const only = balances.length === 1 ? balances[0]! : null;
  return {
    ...live,
    status: record?.status ?? PartnerStatementStatus.OPEN,
    issuedAt: record?.issuedAt ?? null,
    issuedBy: record?.issuedBy ?? null,
    issuedTotals: record?.issuedTotals ?? [],
    payments: record?.payments ?? [],
    currency: only?.currency ?? null,
    amountPaid: only?.amountPaid ?? null,
    balanceDue: only?.balanceDue ?? null,
    unissuedAdjustment: only?.unissuedAdjustment ?? null,
    balances,
    version: record?.version ?? 0,
  };
}
