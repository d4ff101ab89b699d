/**
 * What the partner statement page decides, kept apart from React so it is tested on its own:
 * which currencies a payment can be in and whether a payment form is complete. The API judges
 * again (amount digits per currency, balance due); this only spares a round trip.
 */
import type { PartnerStatement } from '../app/types';

/** Currencies the statement was issued in with a positive amount: the ones that take payments. */
export function paymentCurrencies(statement: Pick<PartnerStatement, 'issuedTotals'>): string[] {
  return statement.issuedTotals.filter((t) => !t.amount.startsWith('-') && /[1-9]/.test(t.amount)).map((t) => t.currency);
}

export interface PartnerPaymentForm {
  amount: string;
  date: string;
  reference: string;
  currency: string;
}

/** Field errors of a payment form (empty when it can be sent). */
export function partnerPaymentErrors(form: PartnerPaymentForm, currencies: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!/^\d+(\.\d+)?$/.test(form.amount) || !/[1-9]/.test(form.amount)) errors.amount = 'must be a positive decimal string';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.date)) errors.date = 'must be a day YYYY-MM-DD';
  if (form.reference.trim() === '') errors.reference = 'is required';
  if (!currencies.includes(form.currency)) errors.currency = `must be one of ${currencies.join(', ') || 'the issued currencies'}`;
  return errors;
}
