/**
 * Which billing period a usage record belongs to, and what makes two records "the same".
 * The billing run loads exactly one period's records, so this attribution decides what a
 * run sees: it must agree with the rating engine (FORMAT.md, Usage and CPA charges).
 */
import { localDay } from '../kernel/calendar';
import type { Conversion, Impression } from '../terms/types';

/** An impression's `date` is already a day in the contract's zone: its period is that month. */
export function impressionPeriod(record: Pick<Impression, 'date'>): string {
  return record.date.slice(0, 7);
}

/**
 * A conversion belongs to the month of `occurredAt` in the contract's zone, not in UTC:
 * 2027-02-01T03:00Z is still January 31 in New York.
 */
export function conversionPeriod(record: Pick<Conversion, 'occurredAt'>, timezone: string): string {
  return localDay(record.occurredAt, timezone).slice(0, 7);
}

/**
 * An impression record is a day-aggregate identified by charge, day, source and partner: a
 * later record with the same identity replaces the count. Ids cannot contain `|`.
 */
export function impressionIdentity(record: Pick<Impression, 'date' | 'chargeId' | 'source' | 'partnerId'>): string {
  return `${record.date}|${record.chargeId}|${record.source}|${record.partnerId ?? ''}`;
}
