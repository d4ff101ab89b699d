import { describe, expect, it } from 'vitest';
import { contract, conv, cpa, cpm, imp, rate, usage, version } from './fixtures';

describe('partner payouts', () => {
  it('CPM: the line’s exact amount × partner share of billable impressions × pct, rounded once', () => {
    const terms = contract({}, [version({
      charges: [cpm('ctv', '12.50')],
      partners: [{ partnerId: 'pub-7', chargeIds: ['ctv'], percentOfRevenue: '60' }, { partnerId: 'pub-9', chargeIds: ['ctv'], percentOfRevenue: '50' }],
    })]);
    const records = usage([
      imp('2027-01-05', 1_000_000, { chargeId: 'ctv', partnerId: 'pub-7' }),
      imp('2027-01-05', 1_050_000, { chargeId: 'ctv', partnerId: 'pub-7', source: 'THIRD_PARTY' }), // not billable: no share
      imp('2027-01-06', 234_567, { chargeId: 'ctv', partnerId: 'pub-9' }),
    ]);
    const rated = rate(terms, records, '2027-01');
    // exact 1,234,567 × 12.50 / 1000 = 15432.0875
    // pub-7: 15432.0875 × 1,000,000 / 1,234,567 × 0.60 = 12500 × 0.60 = 7500.00
    // pub-9: 15432.0875 × 234,567 / 1,234,567 × 0.50 = 2932.0875 × 0.50 = 1466.04375 → 1466.04
    expect(rated.partnerPayouts).toEqual([{ partnerId: 'pub-7', amount: '7500.00' }, { partnerId: 'pub-9', amount: '1466.04' }]);
  });

  it('CPA: flat per billable conversion, or pct of the exact payouts; summed per partner across charges', () => {
    const terms = contract({}, [version({
      charges: [cpa('purchase'), cpa('install', { event: 'INSTALL', payout: { flat: '0.15', percentOfValue: '0', min: null, max: null } })],
      partners: [
        { partnerId: 'aff-1', chargeIds: ['purchase'], flatPerConversion: '2.50' },
        { partnerId: 'aff-1', chargeIds: ['install'], percentOfRevenue: '50' },
      ],
    })]);
    const records = usage([], [
      conv('2027-01-05T10:00:00Z', { partnerId: 'aff-1' }),
      conv('2027-01-06T10:00:00Z', { partnerId: 'aff-1' }),
      conv('2027-01-07T10:00:00Z', { partnerId: 'aff-1', geo: 'US', exposureAt: '2026-12-01T00:00:00Z' }), // outside the window
      conv('2027-01-07T10:00:00Z', { partnerId: 'aff-1', event: 'INSTALL' }),
    ]);
    const rated = rate(terms, records, '2027-01');
    // purchase: 2 × 2.50 = 5.00; install: 0.15 × 50% = 0.075 → 0.08 (HALF_EVEN: 0.075 tie → 0.08)
    expect(rated.partnerPayoutsByCharge).toEqual([
      { partnerId: 'aff-1', chargeId: 'install', amount: '0.08' },
      { partnerId: 'aff-1', chargeId: 'purchase', amount: '5.00' },
    ]);
    expect(rated.partnerPayouts).toEqual([{ partnerId: 'aff-1', amount: '5.08' }]);
  });

  it('sums exact amounts across versions before rounding once per partner and charge', () => {
    const share = [{ partnerId: 'pub-1', chargeIds: ['ctv'], percentOfRevenue: '50' }];
    const terms = contract({}, [
      version({ charges: [cpm('ctv', '0.01')], partners: share }),
      version({ effectiveFrom: '2027-01-16', charges: [cpm('ctv', '0.01')], partners: share }),
    ]);
    // each version: 500 impressions × 0.01 / 1000 = 0.005 → pub-1 50% = 0.0025 per version
    // rounded per version (HALF_UP): 0.00 + 0.00 = 0.00; summed first: 0.005 → HALF_UP 0.01
    const records = usage([imp('2027-01-05', 500, { chargeId: 'ctv', partnerId: 'pub-1' }), imp('2027-01-20', 500, { chargeId: 'ctv', partnerId: 'pub-1' })]);
    const rated = rate({ ...terms, rounding: 'HALF_UP' }, records, '2027-01');
    expect(rated.partnerPayouts).toEqual([{ partnerId: 'pub-1', amount: '0.01' }]);
  });

  it('payouts are on gross usage (before caps and commission); zero payouts are not reported', () => {
    const terms = contract({}, [version({
      charges: [cpm('ctv', '10.00')], budgetCap: { amount: '1.00', scope: 'PERIOD' }, agencyCommissionPct: '50',
      partners: [{ partnerId: 'pub-1', chargeIds: ['ctv'], percentOfRevenue: '10' }, { partnerId: 'pub-2', chargeIds: ['ctv'], percentOfRevenue: '10' }],
    })]);
    const rated = rate(terms, usage([imp('2027-01-05', 100_000, { chargeId: 'ctv', partnerId: 'pub-1' })]), '2027-01');
    // gross 1000.00 × 10% = 100.00 although the invoice total is (1000.00 − 999.00) × 50% = 0.50; pub-2 has no impressions
    expect(rated.total).toBe('0.50');
    expect(rated.partnerPayouts).toEqual([{ partnerId: 'pub-1', amount: '100.00' }]);
  });
});
