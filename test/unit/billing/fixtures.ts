/**
 * Builders for rating tests: a one-version contract with sensible defaults, charges, records.
 * Every field can be overridden; tests state only what their rule is about.
 */
import type { CpaCharge, CpmCharge, ContractTerms, Conversion, Impression, Usage, Version } from '../../../shared/domain/terms/types';
import { ratePeriod, type PriorRuns, type RatedPeriod } from '../../../shared/domain/billing/rate';

export function cpm(id: string, rate = '10.00', extra: Partial<CpmCharge> = {}): CpmCharge {
  return { id, kind: 'CPM', pricing: { model: 'FLAT', rate }, billableSource: 'FIRST_PARTY', ...extra };
}

export function cpa(id: string, extra: Partial<CpaCharge> = {}): CpaCharge {
  return {
    id, kind: 'CPA', event: 'PURCHASE',
    payout: { flat: '10.00', percentOfValue: '0', min: null, max: null },
    attributionWindowDays: 7,
    eligibility: { geos: null, newCustomersOnly: false, minValue: null },
    holdDays: 0, maxConversionsPerPeriod: null,
    ...extra,
  };
}

export function version(extra: Partial<Version> = {}): Version {
  return {
    effectiveFrom: '2027-01-01', charges: [cpm('display')], minimumCommitment: null, budgetCap: null,
    agencyCommissionPct: null, partners: [], ...extra,
  };
}

export function contract(extra: Partial<ContractTerms> = {}, versions: Version[] = [version()]): ContractTerms {
  return {
    currency: 'USD', timezone: 'UTC', startDate: '2027-01-01', endDate: '2027-12-31', rounding: 'HALF_EVEN',
    versions, ...extra,
  };
}

export function imp(date: string, count: number, extra: Partial<Impression> = {}): Impression {
  return { date, chargeId: 'display', count, source: 'FIRST_PARTY', ...extra };
}

let conversionSeq = 0;
export function conv(occurredAt: string, extra: Partial<Conversion> = {}): Conversion {
  conversionSeq++;
  const occurred = Date.parse(occurredAt);
  return {
    id: `cv-${conversionSeq}`, event: 'PURCHASE', occurredAt,
    exposureAt: new Date(occurred - 3_600_000).toISOString().replace('.000Z', 'Z'),
    value: '100.00', geo: 'US', newCustomer: true, reversedAt: null,
    ...extra,
  };
}

export const NO_PRIOR: PriorRuns = { lines: [], payouts: [] };

export function usage(impressions: Impression[] = [], conversions: Conversion[] = []): Usage {
  return { impressions, conversions };
}

export function rate(terms: ContractTerms, records: Usage, period: string, asOf = '2028-06-01T00:00:00Z', prior = NO_PRIOR): RatedPeriod {
  return ratePeriod({ contract: terms, usage: records, period, asOf, prior });
}

/** The rated lines without explanations, for compact assertions. */
export function bare(rated: RatedPeriod): Omit<RatedPeriod['lines'][number], 'explanation'>[] {
  return rated.lines.map(({ explanation: _explanation, ...line }) => line);
}
