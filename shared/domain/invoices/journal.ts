/**
 * Double-entry journal of invoice documents, for the finance export. Per document:
 *   Dr Accounts receivable           the document total
 *   Cr Advertising revenue           each line that is not agency commission (usage, cap
 *                                    adjustments, minimum true-ups and their re-run adjustments)
 *   Dr Agency commission             each AGENCY_COMMISSION line (and its adjustments), negated:
 *                                    commission is contra-revenue, its lines are negative
 *   Dr Guarantee credits             each GUARANTEE_CREDIT line (and its adjustments), negated:
 *                                    the media cost refunded under a performance guarantee
 *   Dr Credits and make-goods        each CREDIT line (and its adjustments), negated: approved
 *                                    credits are contra-revenue too, kept apart from commission
 *   Cr Tax payable                   the TAX line (VAT, GST, ...): collected for the tax
 *                                    authority, never revenue; a zero reverse-charge line posts nothing
 *   Dr Partner cost of revenue / Cr Partner payables   each partner payout of the run
 *   Dr Cash / Cr Accounts receivable                   each payment recorded on the document
 * and per partner statement (journalForPartnerPayments):
 *   Dr Partner payables / Cr Cash                      each payment made to the partner
 * A negative amount posts to the other side (a re-run that lowers usage credits receivables).
 * A credit note's lines are the voided invoice's lines negated, so its postings reverse the
 * invoice's receivable, revenue and commission postings; partner payouts stay (see prior-runs).
 * Debits must equal credits per currency; `assertBalanced` refuses anything else.
 */
import Big from 'big.js';
import { DomainError, ErrorKind } from '../kernel/errors';
import { formatAmount, parseAmount } from './amounts';
import type { Invoice } from './invoice';
import { isTaxLine } from './tax';
import type { StatementRecord } from '../partner-statements/statement';

/** The `kind` of journal lines that post a partner statement's payments. */
export const PARTNER_STATEMENT_KIND = 'PARTNER_STATEMENT';

export const Account = {
  RECEIVABLES: { code: '1200', name: 'Accounts receivable' },
  PARTNER_PAYABLES: { code: '2100', name: 'Partner payables' },
  TAX_PAYABLE: { code: '2200', name: 'Tax payable' },
  CASH: { code: '1000', name: 'Cash' },
  REVENUE: { code: '4000', name: 'Advertising revenue' },
  AGENCY_COMMISSION: { code: '4050', name: 'Agency commission (contra-revenue)' },
  GUARANTEE_CREDITS: { code: '4060', name: 'Performance guarantee credits (contra-revenue)' },
  CREDITS: { code: '4070', name: 'Credits and make-goods (contra-revenue)' },
  PARTNER_COST: { code: '5000', name: 'Partner cost of revenue' },
} as const;
export type Account = (typeof Account)[keyof typeof Account];

export interface JournalLine {
  /** The document the posting belongs to (a partner statement: `partner-statement:<partner>:<period>`). */
  invoiceId: string;
  invoiceNumber: string | null;
  kind: Invoice['kind'] | typeof PARTNER_STATEMENT_KIND;
  status: Invoice['status'] | StatementRecord['status'];
  period: string;
  currency: string;
  /** 1-based within the document. */
  postingNo: number;
  accountCode: string;
  accountName: string;
  /** Non-negative decimal strings; exactly one of them is non-zero. */
  debit: string;
  credit: string;
  memo: string;
}

export class JournalUnbalancedError extends DomainError {
  override readonly name = 'JournalUnbalancedError';
  constructor(details: { currency: string; debit: string; credit: string }[]) {
    super(
      ErrorKind.CONFLICT,
      'journal_unbalanced',
      `journal debits do not equal credits: ${details.map((d) => `${d.currency} Dr ${d.debit} / Cr ${d.credit}`).join('; ')}`,
      details.map((d) => ({ path: `journal.${d.currency}`, message: `debits ${d.debit} != credits ${d.credit}` })),
    );
  }
}

/** Line types posted to a contra-revenue account (debit-normal, negated) instead of revenue. */
const CONTRA_REVENUE: Readonly<Record<string, Account>> = {
  AGENCY_COMMISSION: Account.AGENCY_COMMISSION,
  GUARANTEE_CREDIT: Account.GUARANTEE_CREDITS,
  CREDIT: Account.CREDITS,
};

type Side = 'DEBIT' | 'CREDIT';

type PostingDocument = Pick<JournalLine, 'invoiceId' | 'invoiceNumber' | 'kind' | 'status' | 'period'>;

/**
 * Appends one posting of a document to `out`; a zero amount posts nothing. A negative amount on
 * a debit-normal posting is a credit of its absolute value, and vice versa.
 */
function postTo(out: JournalLine[], doc: PostingDocument, currency: string, account: Account, normal: Side, amount: string, memo: string): void {
  const value = parseAmount(amount, currency);
  if (value.eq(0)) return;
  const side: Side = value.gt(0) ? normal : normal === 'DEBIT' ? 'CREDIT' : 'DEBIT';
  const abs = formatAmount(value.abs(), currency);
  const zero = formatAmount(new Big(0), currency);
  out.push({
    ...doc,
    currency,
    postingNo: out.length + 1,
    accountCode: account.code,
    accountName: account.name,
    debit: side === 'DEBIT' ? abs : zero,
    credit: side === 'CREDIT' ? abs : zero,
    memo,
  });
}

export function journalFor(invoice: Invoice): JournalLine[] {
  const out: JournalLine[] = [];
  const { currency } = invoice;
  const doc: PostingDocument = { invoiceId: invoice.id, invoiceNumber: invoice.number, kind: invoice.kind, status: invoice.status, period: invoice.period };
  const post = (account: Account, normal: Side, amount: string, memo: string) => postTo(out, doc, currency, account, normal, amount, memo);

  post(Account.RECEIVABLES, 'DEBIT', invoice.total, `${invoice.kind} total`);
  for (const line of invoice.lines) {
    const label = [line.type, line.adjusts, line.chargeId, line.version != null ? `v${line.version}` : undefined].filter(Boolean).join(' ');
    const contra = CONTRA_REVENUE[line.type === 'ADJUSTMENT' ? (line.adjusts ?? '') : line.type];
    if (isTaxLine(line)) {
      post(Account.TAX_PAYABLE, 'CREDIT', line.amount, `line ${line.lineNo} ${label}`);
    } else if (contra) {
      // The line is negative (a reduction of revenue); its negation is the contra-revenue debit.
      post(contra, 'DEBIT', formatAmount(parseAmount(line.amount, currency).times(-1), currency), `line ${line.lineNo} ${label}`);
    } else {
      post(Account.REVENUE, 'CREDIT', line.amount, `line ${line.lineNo} ${label}`);
    }
  }
  for (const p of invoice.partnerPayouts) {
    const memo = `partner ${p.partnerId} charge ${p.chargeId}`;
    post(Account.PARTNER_COST, 'DEBIT', p.amount, memo);
    post(Account.PARTNER_PAYABLES, 'CREDIT', p.amount, memo);
  }
  // Each payment received: cash in, the receivable settled by as much.
  for (const payment of invoice.payments ?? []) {
    const memo = `payment ${payment.id} ${payment.date} ${payment.reference}`;
    post(Account.CASH, 'DEBIT', payment.amount, memo);
    post(Account.RECEIVABLES, 'CREDIT', payment.amount, memo);
  }
  return out;
}

/** A partner statement's identity in the journal and the exports. */
export const partnerStatementDocumentId = (partnerId: string, period: string) => `partner-statement:${partnerId}:${period}`;

/** Each payment made to the partner against an issued statement: the payable settled, cash out. */
export function journalForPartnerPayments(statement: StatementRecord): JournalLine[] {
  const out: JournalLine[] = [];
  const doc: PostingDocument = {
    invoiceId: partnerStatementDocumentId(statement.partnerId, statement.period),
    invoiceNumber: null,
    kind: PARTNER_STATEMENT_KIND,
    status: statement.status,
    period: statement.period,
  };
  for (const payment of statement.payments) {
    const memo = `partner ${statement.partnerId} payment ${payment.id} ${payment.date} ${payment.reference}`;
    postTo(out, doc, payment.currency, Account.PARTNER_PAYABLES, 'DEBIT', payment.amount, memo);
    postTo(out, doc, payment.currency, Account.CASH, 'CREDIT', payment.amount, memo);
  }
  return out;
}

export interface CurrencyBalance {
  currency: string;
  debit: string;
  credit: string;
}

export function balances(lines: readonly JournalLine[]): CurrencyBalance[] {
  const sums = new Map<string, { debit: Big; credit: Big }>();
  for (const l of lines) {
    const s = sums.get(l.currency) ?? { debit: new Big(0), credit: new Big(0) };
    s.debit = s.debit.plus(parseAmount(l.debit, l.currency));
    s.credit = s.credit.plus(parseAmount(l.credit, l.currency));
    sums.set(l.currency, s);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, s]) => ({ currency, debit: formatAmount(s.debit, currency), credit: formatAmount(s.credit, currency) }));
}

/** Throws JournalUnbalancedError unless debits equal credits in every currency. */
export function assertBalanced(lines: readonly JournalLine[]): CurrencyBalance[] {
  const result = balances(lines);
  const off = result.filter((b) => !new Big(b.debit).eq(new Big(b.credit)));
  if (off.length > 0) throw new JournalUnbalancedError(off);
  return result;
}

/** The journal of a set of documents and partner statements, balanced or refused. */
export function journalOf(invoices: readonly Invoice[], statements: readonly StatementRecord[] = []): JournalLine[] {
  const lines = [...invoices.flatMap(journalFor), ...statements.flatMap(journalForPartnerPayments)];
  assertBalanced(lines);
  return lines;
}
