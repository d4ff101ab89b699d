import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { upliftRate, upliftTerms } from '../../../shared/domain/contracts/renewal';
import type { VersionTerms } from '../../../shared/domain/terms/types';

const terms: VersionTerms = {
  charges: [
    { id: 'flat', kind: 'CPM', pricing: { model: 'FLAT', rate: '12.50' } },
    { id: 'tiers', kind: 'CPM', pricing: { model: 'GRADUATED', tiers: [{ upTo: 1000, rate: '1.40' }, { upTo: null, rate: '1.333333' }] } },
    {
      id: 'buy', kind: 'CPA', event: 'PURCHASE', payout: { flat: '25.00', percentOfValue: '5', min: '1.00', max: null },
      attributionWindowDays: 7, eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: null,
    },
  ],
  minimumCommitment: { amount: '5000.00', prorate: true },
  budgetCap: { amount: '90000.00', scope: 'CONTRACT' },
  agencyCommissionPct: '15',
  partners: [{ partnerId: 'p', chargeIds: ['buy'], flatPerConversion: '10.00' }],
};

describe('renewal uplift', () => {
  it('uplifts every CPM rate, tiers included, to 6 decimals', () => {
    // 12.50 x 1.035 = 12.9375; 1.40 x 1.035 = 1.449; 1.333333 x 1.035 = 1.379999655 -> 1.38 (6 dp: 1.380000)
    const out = upliftTerms(terms, '3.5');
    expect(out.charges[0]).toMatchObject({ pricing: { rate: '12.9375' } });
    expect(out.charges[1]).toMatchObject({ pricing: { tiers: [{ upTo: 1000, rate: '1.449' }, { upTo: null, rate: '1.38' }] } });
  });

  it('leaves money amounts untouched', () => {
    const out = upliftTerms(terms, '10');
    expect(out.charges[2]).toEqual(terms.charges[2]);
    expect(out.minimumCommitment).toEqual(terms.minimumCommitment);
    expect(out.budgetCap).toEqual(terms.budgetCap);
    expect(out.partners).toEqual(terms.partners);
    expect(out.agencyCommissionPct).toBe('15');
  });

  it('without uplift copies the terms', () => {
    const out = upliftTerms(terms, null);
    expect(out).toEqual(terms);
    expect(out).not.toBe(terms);
  });

  it('rounds half-up at the 7th decimal', () => {
    expect(upliftRate('0.000005', '10')).toBe('0.000006'); // 0.0000055
    expect(upliftRate('0.000001', '40')).toBe('0.000001'); // 0.0000014
  });

  it('is within half a millionth of the exact product (property)', () => {
    const rate = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 999_999 })).map(([i, f]) => `${i}.${String(f).padStart(6, '0')}`);
    const pct = fc.integer({ min: 0, max: 100_000 }).map((n) => new Big(n).div(1000).toFixed());
    fc.assert(
      fc.property(rate, pct, (r, p) => {
        const out = upliftRate(r, p);
        expect(out).toMatch(/^\d+(\.\d{1,6})?$/);
        const exact = new Big(r).times(new Big(100).plus(p).div(100));
        expect(new Big(out).minus(exact).abs().lte('0.0000005')).toBe(true);
      }),
    );
  });
});
