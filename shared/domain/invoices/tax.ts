/**
 * Tax on an invoice document: one TAX line, computed once on the document's taxable total (the
 * sum of every other line: usage, caps, minimums, credits, commission) and rounded once to the
 * currency's minor units with the contract's rounding mode (kernel/money `roundMoney`, the one
 * rounding function). Each document is taxed on its own taxable total: a re-run's ADJUSTMENT
 * invoice on its difference (negative when it lowers the bill), a credit note by negating the
 * voided invoice's TAX line, so an invoice and its credit note always cancel to the cent.
 *
 * Treatments come from the advertiser's billing profile:
 * - RATE: a TAX line of `ratePct`% of the taxable total, labelled (VAT, GST, sales tax);
 * - REVERSE_CHARGE: a zero TAX line; the legal note travels with the document (the buyer
 *   accounts for the tax);
 * - EXEMPT, or no billing profile: no TAX line.
 *
 * Tax is an invoice-level concern after rating: the engine never sees TAX lines (prior-runs.ts
 * leaves them out of what re-runs compare against).
 */
import { Dec, HUNDRED, roundMoney, shiftLeft, ZERO } from '../kernel/money';
import { ValidationError } from '../kernel/errors';
import type { RoundingMode } from '../terms/types';
import { formatAmount, parseAmount } from './amounts';

export const TAX_LINE_TYPE = 'TAX';

export const TaxKind = { RATE: 'RATE', REVERSE_CHARGE: 'REVERSE_CHARGE', EXEMPT: 'EXEMPT' } as const;
export type TaxKind = (typeof TaxKind)[keyof typeof TaxKind];

/** The advertiser's tax treatment, as its billing profile states it. */
export type TaxTreatment =
  | { kind: typeof TaxKind.RATE; ratePct: string; label: string }
  | { kind: typeof TaxKind.REVERSE_CHARGE; note: string }
  | { kind: typeof TaxKind.EXEMPT };

/** What a document records of the tax it applied (kept on the invoice, shown on its PDF). */
export interface InvoiceTax {
  kind: TaxKind;
  /** RATE: the label (VAT, GST); REVERSE_CHARGE: "Reverse charge". */
  label: string | null;
  /** RATE only: the percentage applied, as given ("20", "7.5"). */
  ratePct: string | null;
  /** REVERSE_CHARGE only: the legal note printed on the document. */
  note: string | null;
  /** The sum of the document's lines other than TAX. */
  taxableAmount: string;
  /** The TAX line's amount: 0 under reverse charge and exemption. */
  amount: string;
}

/** The TAX line's figures and explanation, before it takes its position on the document. */
export interface TaxLine {
  type: typeof TAX_LINE_TYPE;
  quantity: string;
  amount: string;
  explanation: { kind: 'TAX'; taxKind: TaxKind; label: string | null; ratePct: string | null; note: string | null; taxableAmount: string };
}

export interface TaxResult {
  tax: InvoiceTax | null;
  line: TaxLine | null;
}

export const REVERSE_CHARGE_LABEL = 'Reverse charge';
/** As the billing profile accepts it: at most 6 decimals. */
const RATE_PCT = /^\d{1,3}(\.\d{1,6})?$/;

/** `ratePct`% of `taxable`, rounded once to the currency's minor units. */
export function taxAmountOf(taxable: string, ratePct: string, currency: string, rounding: RoundingMode): string {
  if (!RATE_PCT.test(ratePct) || Dec(ratePct).gt(HUNDRED)) {
    throw new ValidationError(`tax rate "${ratePct}" is not a percentage from 0 to 100`, [{ path: 'tax.ratePct', message: 'a percentage from 0 to 100' }], 'invalid_tax_rate');
  }
  const exact = shiftLeft(parseAmount(taxable, currency, 'taxableAmount').times(Dec(ratePct)), 2);
  return formatAmount(roundMoney(exact, currency, rounding), currency);
}

/**
 * The tax of a document whose non-TAX lines sum to `taxable`. Null treatment (no billing
 * profile) and EXEMPT yield neither a tax record nor a line.
 */
export function computeTax(taxable: string, treatment: TaxTreatment | null | undefined, currency: string, rounding: RoundingMode): TaxResult {
  if (!treatment || treatment.kind === TaxKind.EXEMPT) return { tax: null, line: null };
  const taxableAmount = formatAmount(parseAmount(taxable, currency, 'taxableAmount'), currency);
  const tax: InvoiceTax =
    treatment.kind === TaxKind.RATE
      ? { kind: TaxKind.RATE, label: treatment.label, ratePct: treatment.ratePct, note: null, taxableAmount, amount: taxAmountOf(taxableAmount, treatment.ratePct, currency, rounding) }
      : { kind: TaxKind.REVERSE_CHARGE, label: REVERSE_CHARGE_LABEL, ratePct: null, note: treatment.note, taxableAmount, amount: formatAmount(ZERO, currency) };
  const line: TaxLine = {
    type: TAX_LINE_TYPE,
    quantity: '1',
    amount: tax.amount,
    explanation: { kind: 'TAX', taxKind: tax.kind, label: tax.label, ratePct: tax.ratePct, note: tax.note, taxableAmount },
  };
  return { tax, line };
}

export function isTaxLine(line: { type: string }): boolean {
  return line.type === TAX_LINE_TYPE;
}

/** A credit note's tax: the voided document's, negated (its TAX line is negated with the others). */
export function negateTax(tax: InvoiceTax, currency: string): InvoiceTax {
  const negate = (v: string) => formatAmount(parseAmount(v, currency).times(-1), currency);
  return { ...tax, taxableAmount: negate(tax.taxableAmount), amount: negate(tax.amount) };
}
