/**
 * Invoices: what a billing run of one contract and period invoiced, and the documents that
 * correct it. An invoice is never edited once FINALIZED; a correction is a new document
 * (a re-run's ADJUSTMENT invoice, or a CREDIT_NOTE when an invoice is voided).
 */
import { ConflictError, ValidationError } from '../kernel/errors';
import { assertPeriod } from '../kernel/calendar';
import { negateAmount, negateQuantity, parseAmount, sumAmounts } from './amounts';
import { computeTax, isTaxLine, negateTax, TAX_LINE_TYPE, type InvoiceTax } from './tax';
import type { LineType, PartnerChargePayout, RatedLine, RatedPeriod } from '../billing/types';
import type { RoundingMode } from '../terms/types';
import type { BillingProfile } from '../contracts/store';
import type { Payment } from '../payments/receivable';

export const InvoiceStatus = { DRAFT: 'DRAFT', FINALIZED: 'FINALIZED', VOID: 'VOID', DISCARDED: 'DISCARDED' } as const;
export type InvoiceStatus = (typeof InvoiceStatus)[keyof typeof InvoiceStatus];

export const InvoiceKind = {
  /** The first run of a period: USAGE, CAP_ADJUSTMENT, MINIMUM_TRUE_UP, AGENCY_COMMISSION lines. */
  INVOICE: 'INVOICE',
  /** A re-run of a period: only ADJUSTMENT lines, the change against everything already invoiced. */
  ADJUSTMENT: 'ADJUSTMENT',
  /** Issued when an invoice is voided: its lines negated, referencing it. Born FINALIZED. */
  CREDIT_NOTE: 'CREDIT_NOTE',
} as const;
export type InvoiceKind = (typeof InvoiceKind)[keyof typeof InvoiceKind];

export const InvoiceAction = { FINALIZE: 'finalize', VOID: 'void', DISCARD: 'discard' } as const;
export type InvoiceAction = (typeof InvoiceAction)[keyof typeof InvoiceAction];

/**
 * THE transitions table: every status change of an invoice is one row. The repository's
 * conditions are derived from it (the item must still be in `from`), so DynamoDB refuses a
 * transition the table does not allow even under a race.
 */
export const INVOICE_TRANSITIONS: Readonly<Record<InvoiceAction, { from: InvoiceStatus; to: InvoiceStatus; kinds: readonly InvoiceKind[] }>> = {
  [InvoiceAction.FINALIZE]: { from: InvoiceStatus.DRAFT, to: InvoiceStatus.FINALIZED, kinds: [InvoiceKind.INVOICE, InvoiceKind.ADJUSTMENT] },
  [InvoiceAction.VOID]: { from: InvoiceStatus.FINALIZED, to: InvoiceStatus.VOID, kinds: [InvoiceKind.INVOICE, InvoiceKind.ADJUSTMENT] },
  /** A DRAFT dropped: the next run of its period rates the contract as if this run had not been. */
  [InvoiceAction.DISCARD]: { from: InvoiceStatus.DRAFT, to: InvoiceStatus.DISCARDED, kinds: [InvoiceKind.INVOICE, InvoiceKind.ADJUSTMENT] },
};

const ACTION_VERBS: Record<InvoiceAction, string> = { finalize: 'finalized', void: 'voided', discard: 'discarded' };

/** The status an action leads to; throws ConflictError (HTTP 409) when the table does not allow it. */
export function transition(invoice: Pick<Invoice, 'id' | 'status' | 'kind'>, action: InvoiceAction): InvoiceStatus {
  const rule = INVOICE_TRANSITIONS[action];
  if (!rule.kinds.includes(invoice.kind)) {
    throw new ConflictError(`a ${invoice.kind} cannot be ${ACTION_VERBS[action]}`, 'illegal_transition');
  }
  if (invoice.status !== rule.from) {
    throw new ConflictError(`invoice ${invoice.id} is ${invoice.status}; ${action} needs ${rule.from}`, 'illegal_transition');
  }
  return rule.to;
}

/**
 * Lines are not limited in number (the repository keeps large line sets in items of their own);
 * each explanation is capped at 2,000 characters of JSON. The engine's explanations are counts
 * and rates, not record lists, so the cap is a guard, rarely reached; a capped explanation keeps
 * its kind and the beginning of its JSON, marked `truncated`.
 */
export const MAX_EXPLANATION_CHARS = 2_000;
export const MAX_PAYOUTS_PER_INVOICE = 90;

/** The engine's line types and the document's own TAX line (tax.ts), which the engine never sees. */
export type InvoiceLineType = LineType | typeof TAX_LINE_TYPE;

/** A line's figures: type, what it adjusts, charge, version, quantity, amount. */
export type LineFigures = Omit<RatedLine, 'explanation' | 'type'> & { type: InvoiceLineType };
/** A line the engine rated (anything but TAX): what re-runs compare against. */
export type RatedLineFigures = Omit<RatedLine, 'explanation'>;

export function isRatedLine<T extends { type: InvoiceLineType }>(line: T): line is T & { type: LineType } {
  return !isTaxLine(line);
}

export interface InvoiceLine extends LineFigures {
  /** 1-based position on the document. */
  lineNo: number;
  /** Why the line says what it says: the engine's structured explanation (JSON data). */
  explanation: unknown;
}

export interface Invoice {
  id: string;
  kind: InvoiceKind;
  status: InvoiceStatus;
  /** Taken when finalized (credit notes: when issued); null while DRAFT. */
  number: string | null;
  contractId: string;
  advertiserId: string;
  currency: string;
  period: string;
  runId: string;
  /** Position of the run among the runs of this contract and period: 1 = first run. */
  runSeq: number;
  lines: InvoiceLine[];
  subtotal: string;
  /**
   * The sum of every line but TAX: what tax is computed on. Documents written before tax
   * existed lack it (their total is their taxable total).
   */
  taxableTotal?: string;
  /** The tax applied (its TAX line's amount and how it was computed); null when none applies. */
  tax?: InvoiceTax | null;
  /** taxableTotal + the TAX line. */
  total: string;
  flags: string[];
  /** The run's partner payouts (changes, for a re-run), per partner and charge. Informational. */
  partnerPayouts: PartnerChargePayout[];
  /** Credit notes: the invoice they credit. */
  creditsInvoiceId?: string;
  creditsInvoiceNumber?: string;
  /** Voided invoices: the credit note issued for them, and why. */
  creditNoteId?: string;
  voidReason?: string;
  /** Discarded drafts: when and why. */
  discardedAt?: string;
  discardReason?: string;
  /** A corrected draft issued after a void: the voided invoice and its credit note. */
  reissueOf?: string;
  reissueOfCreditNoteId?: string;
  /**
   * The advertiser's billing profile when the run built the document (bill-to, tax treatment,
   * payment terms): the document keeps what it was computed with. Null when there was none.
   */
  billTo?: BillingProfile | null;
  /** Payments recorded on a FINALIZED invoice (payments/receivable.ts), and their sum. */
  payments?: Payment[];
  amountPaid?: string;
  /** Annotations a DRAFT may still change. */
  memo?: string | null;
  purchaseOrder?: string | null;
  createdAt: string;
  finalizedAt?: string;
  voidedAt?: string;
  /** Optimistic-lock counter, 1 on creation. */
  version: number;
  updatedAt: string;
  /** Who made the last change (the audit trail reads it). */
  actor: string;
}

/** What a line says, without its position or explanation; optional fields only when set. */
export function lineFigures<T extends LineFigures>(l: T): Pick<T, keyof LineFigures> {
  return {
    type: l.type,
    ...(l.adjusts ? { adjusts: l.adjusts } : {}),
    ...(l.chargeId ? { chargeId: l.chargeId } : {}),
    ...(l.version != null ? { version: l.version } : {}),
    quantity: l.quantity,
    amount: l.amount,
  } as Pick<T, keyof LineFigures>;
}

export interface TruncatedExplanation {
  kind: string | null;
  truncated: true;
  json: string;
}

function capExplanation(explanation: unknown): unknown {
  const value = explanation ?? null;
  const json = JSON.stringify(value);
  if (json.length <= MAX_EXPLANATION_CHARS) return value;
  const kind = typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' ? (value as { kind: string }).kind : null;
  // Leave room for the wrapper so the stored JSON stays within the cap.
  const capped: TruncatedExplanation = { kind, truncated: true, json: json.slice(0, MAX_EXPLANATION_CHARS - 100) };
  return capped;
}

const COMMISSION = 'AGENCY_COMMISSION';
/** FORMAT.md: the subtotal is every line before commission (first runs and re-runs alike). */
function countsInSubtotal(line: { type: string; adjusts?: string | null }): boolean {
  return line.type !== COMMISSION && line.adjusts !== COMMISSION;
}

/**
 * A rated period as invoices read it, derived from the engine's own shapes: the engine's
 * RatedPeriod is one. Explanations are kept as opaque JSON (capped, never interpreted), so any
 * explanation is accepted.
 */
export type RatedLineInput = RatedLineFigures & { explanation?: unknown };
export interface RatedPeriodInput extends Pick<RatedPeriod, 'period' | 'currency' | 'isRerun' | 'subtotal' | 'total'> {
  lines: readonly RatedLineInput[];
  partnerPayoutsByCharge: readonly PartnerChargePayout[];
  flags: readonly string[];
}

export interface RunInvoiceInput {
  id: string;
  runId: string;
  runSeq: number;
  /** `rounding`: the contract's mode, which rounds its tax too (FORMAT.md's default, HALF_EVEN, when absent). */
  contract: { id: string; advertiserId: string; currency: string; rounding?: RoundingMode; poNumber?: string | null };
  rated: RatedPeriodInput;
  /** The advertiser's billing profile when the document is built (its tax treatment applies); null or absent: no tax. */
  billTo?: BillingProfile | null;
  actor: string;
  /** ISO instant of the write. */
  at: string;
}

/**
 * The DRAFT invoice of one run of one contract and period. Checks the engine's invariants
 * rather than trusting them: same currency, total = sum of lines, subtotal = sum of lines
 * before commission, amounts in the currency's digits, and the size limits.
 */
export function buildRunInvoice(input: RunInvoiceInput): Invoice {
  const { rated, contract } = input;
  const currency = contract.currency;
  if (rated.currency !== currency) {
    throw new ValidationError(`rated currency ${rated.currency} is not the contract's ${currency}`, [{ path: 'rated.currency', message: 'must equal the contract currency' }], 'currency_mismatch');
  }
  assertPeriod(rated.period, 'rated.period');
  if (!Number.isInteger(input.runSeq) || input.runSeq < 1) throw new ValidationError('runSeq must be a positive integer', [{ path: 'runSeq', message: 'positive integer' }]);
  if (rated.partnerPayoutsByCharge.length > MAX_PAYOUTS_PER_INVOICE) {
    throw new ValidationError(`a run records at most ${MAX_PAYOUTS_PER_INVOICE} partner payouts per contract`, [{ path: 'rated.partnerPayoutsByCharge', message: 'too many payouts' }], 'too_many_payouts');
  }
  rated.lines.forEach((l, i) => parseAmount(l.amount, currency, `rated.lines.${i}.amount`));
  rated.partnerPayoutsByCharge.forEach((p, i) => parseAmount(p.amount, currency, `rated.partnerPayoutsByCharge.${i}.amount`));

  const total = sumAmounts(rated.lines.map((l) => l.amount), currency);
  const subtotal = sumAmounts(rated.lines.filter(countsInSubtotal).map((l) => l.amount), currency);
  if (!parseAmount(rated.total, currency, 'rated.total').eq(total) || !parseAmount(rated.subtotal, currency, 'rated.subtotal').eq(subtotal)) {
    throw new ValidationError(
      `rated totals disagree with their lines (total ${rated.total} vs ${total}, subtotal ${rated.subtotal} vs ${subtotal})`,
      [{ path: 'rated.total', message: 'must equal the sum of the lines' }],
      'totals_mismatch',
    );
  }

  const lines: InvoiceLine[] = rated.lines.map((l, i) => ({ lineNo: i + 1, ...lineFigures(l), explanation: capExplanation(l.explanation) }));
  // Tax last, once, on this document's own taxable total (the rated total). A re-run that
  // changed nothing has no line to tax: it stays empty.
  const taxed = lines.length > 0 ? computeTax(total, input.billTo?.tax, currency, contract.rounding ?? 'HALF_EVEN') : { tax: null, line: null };
  if (taxed.line) lines.push({ lineNo: lines.length + 1, ...taxed.line });

  return {
    id: input.id,
    kind: rated.isRerun ? InvoiceKind.ADJUSTMENT : InvoiceKind.INVOICE,
    status: InvoiceStatus.DRAFT,
    number: null,
    contractId: contract.id,
    advertiserId: contract.advertiserId,
    currency,
    period: rated.period,
    runId: input.runId,
    runSeq: input.runSeq,
    lines,
    subtotal,
    taxableTotal: total,
    tax: taxed.tax,
    total: taxed.tax ? sumAmounts([total, taxed.tax.amount], currency) : total,
    flags: [...rated.flags],
    partnerPayouts: rated.partnerPayoutsByCharge.map((p) => ({ partnerId: p.partnerId, chargeId: p.chargeId, amount: p.amount })),
    billTo: input.billTo ?? null,
    purchaseOrder: contract.poNumber ?? null,
    createdAt: input.at,
    version: 1,
    updatedAt: input.at,
    actor: input.actor,
  };
}

/**
 * The credit note for voiding `invoice`: every line negated (amount and quantity), same
 * period, contract and currency, referencing the voided invoice. It carries no partner
 * payouts: a void corrects the advertiser's document, not what partners earned on delivery.
 */
export function buildCreditNote(invoice: Invoice, input: { id: string; number: string; reason: string; actor: string; at: string }): Invoice {
  transition(invoice, InvoiceAction.VOID);
  const { currency } = invoice;
  const lines = invoice.lines.map((l) => ({
    ...l,
    quantity: negateQuantity(l.quantity),
    amount: negateAmount(l.amount, currency),
    explanation: capExplanation({ kind: 'CREDIT', creditsInvoiceId: invoice.id, creditsInvoiceNumber: invoice.number, creditsLineNo: l.lineNo, original: l.explanation }),
  }));
  return {
    id: input.id,
    kind: InvoiceKind.CREDIT_NOTE,
    status: InvoiceStatus.FINALIZED,
    number: input.number,
    contractId: invoice.contractId,
    advertiserId: invoice.advertiserId,
    currency,
    period: invoice.period,
    runId: invoice.runId,
    runSeq: invoice.runSeq,
    lines,
    subtotal: negateAmount(invoice.subtotal, currency),
    taxableTotal: negateAmount(invoice.taxableTotal ?? invoice.total, currency),
    tax: invoice.tax ? negateTax(invoice.tax, currency) : null,
    total: negateAmount(invoice.total, currency),
    flags: [],
    partnerPayouts: [],
    creditsInvoiceId: invoice.id,
    ...(invoice.number ? { creditsInvoiceNumber: invoice.number } : {}),
    billTo: invoice.billTo ?? null,
    purchaseOrder: invoice.purchaseOrder ?? null,
    voidReason: input.reason,
    createdAt: input.at,
    finalizedAt: input.at,
    version: 1,
    updatedAt: input.at,
    actor: input.actor,
  };
}
