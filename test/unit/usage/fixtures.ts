/** Contracts and records for the usage tests. */
import type { Conversion, Impression } from '../../../shared/domain/terms/types';
import type { UsageContract } from '../../../shared/domain/usage/types';

export function usageContract(overrides: Partial<UsageContract> = {}): UsageContract {
  return {
    id: 'c-1',
    currency: 'USD',
    timezone: 'America/New_York',
    startDate: '2027-01-01',
    endDate: '2027-12-31',
    versions: [
      { effectiveFrom: '2027-01-01', approved: true, charges: [{ id: 'ctv-premium', kind: 'CPM' }, { id: 'purchase', kind: 'CPA' }] },
      { effectiveFrom: '2027-06-01', approved: true, charges: [{ id: 'ctv-premium', kind: 'CPM' }, { id: 'ctv-sports', kind: 'CPM' }] },
    ],
    ...overrides,
  };
}

export function impression(overrides: Partial<Impression> = {}): Impression {
  return { date: '2027-01-05', chargeId: 'ctv-premium', count: 1000, source: 'FIRST_PARTY', ...overrides };
}

export function conversion(overrides: Partial<Conversion> = {}): Conversion {
  return {
    id: 'cv-1',
    event: 'PURCHASE',
    occurredAt: '2027-01-05T10:00:00Z',
    exposureAt: '2027-01-03T21:00:00Z',
    value: '120.00',
    geo: 'US',
    newCustomer: true,
    ...overrides,
  };
}
