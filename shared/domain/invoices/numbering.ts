/**
 * Document numbers, gapless per calendar year (UTC) of issue and per sequence: invoices and
 * adjustment invoices share `INV`, credit notes have their own `CN`. The repository takes the
 * next value of the year's counter in the same transaction that issues the document.
 */
import { ValidationError } from '../kernel/errors';
import { InvoiceKind } from './invoice';

export const NumberSequence = { INVOICE: 'INV', CREDIT_NOTE: 'CN' } as const;
export type NumberSequence = (typeof NumberSequence)[keyof typeof NumberSequence];

export function sequenceOf(kind: InvoiceKind): NumberSequence {
  return kind === InvoiceKind.CREDIT_NOTE ? NumberSequence.CREDIT_NOTE : NumberSequence.INVOICE;
}

/** The numbering year of an issue instant: its UTC year. */
export function numberingYear(issuedAt: string): number {
  const year = Number(issuedAt.slice(0, 4));
  if (!/^\d{4}-/.test(issuedAt) || year < 1970) throw new ValidationError(`"${issuedAt}" is not an instant`, [{ path: 'at', message: 'expected ISO 8601' }]);
  return year;
}

/** `INV-2027-000042`; widths grow past 999,999 rather than wrap. */
export function formatDocumentNumber(sequence: NumberSequence, year: number, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new ValidationError(`document sequence ${seq} must be a positive integer`, [{ path: 'seq', message: 'positive integer' }]);
  return `${sequence}-${year}-${String(seq).padStart(6, '0')}`;
}

const NUMBER = /^(INV|CN)-(\d{4})-(\d{6,})$/;

export function parseDocumentNumber(value: string): { sequence: NumberSequence; year: number; seq: number } | null {
  const m = NUMBER.exec(value);
  if (!m) return null;
  return { sequence: m[1] as NumberSequence, year: Number(m[2]), seq: Number(m[3]) };
}
