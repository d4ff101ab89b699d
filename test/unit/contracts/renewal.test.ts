import Big from 'big.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { upliftMoney, upliftRate, upliftTerms } from '../../../shared/domain/contracts/renewal';
import type { CpaCharge, VersionTerms } from '../../../shared/domain/terms/types';

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
    const out = upliftTerms(terms, '3.5', 'USD');
    expect(out.charges[0]).toMatchObject({ pricing: { rate: '12.9375' } });
    expect(out.charges[1]).toMatchObject({ pricing: { tiers: [{ upTo: 1000, rate: '1.449' }, { upTo: null, rate: '1.38' }] } });
  });

  it('uplifts a v1 CPA payout as it uplifts a tier or override payout: money to the currency digits, percentOfValue as a rate', () => {
    const out = upliftTerms(terms, '10', 'USD');
    // 25.00 x 1.10 = 27.50; 5 % x 1.10 = 5.5 %; min 1.00 x 1.10 = 1.10; max stays null.
    expect((out.charges[2] as CpaCharge).payout).toEqual({ flat: '27.50', percentOfValue: '5.5', min: '1.10', max: null });
    expect(out.charges[2]).toEqual({ ...terms.charges[2], payout: { flat: '27.50', percentOfValue: '5.5', min: '1.10', max: null } });
  });

  it('prices a v1 payout and the same payout as a single tier alike after the uplift (property)', () => {
    const money = fc.integer({ min: 0, max: 1_000_000 }).map((n) => new Big(n).div(100).toFixed(2));
    const percent = fc.integer({ min: 0, max: 100_000 }).map((n) => new Big(n).div(1000).toFixed());
    const pct = fc.integer({ min: 0, max: 50_000 }).map((n) => new Big(n).div(1000).toFixed());
    fc.assert(
      fc.property(money, percent, fc.option(money, { nil: null }), fc.option(money, { nil: null }), pct, (flat, percentOfValue, min, max, uplift) => {
        const payout = { flat, percentOfValue, min, max };
        const base = terms.charges[2] as CpaCharge;
        const v1 = upliftTerms({ ...terms, charges: [{ ...base, payout }] }, uplift, 'USD').charges[0] as CpaCharge;
        const { payout: _dropped, ...rest } = base;
        const tiered = upliftTerms({ ...terms, charges: [{ ...rest, payoutTiers: { model: 'GRADUATED', tiers: [{ upTo: null, payout }] } }] }, uplift, 'USD').charges[0] as CpaCharge;
        expect(v1.payout).toEqual(tiered.payoutTiers!.tiers[0]!.payout);
      }),
    );
  });

  it('leaves contractual sums untouched: minimum, cap, partner fees, commission', () => {
    const out = upliftTerms(terms, '10', 'USD');
    expect(out.minimumCommitment).toEqual(terms.minimumCommitment);
    expect(out.budgetCap).toEqual(terms.budgetCap);
    expect(out.partners).toEqual(terms.partners);
    expect(out.agencyCommissionPct).toBe('15');
  });

  it('without uplift copies the terms', () => {
    const out = upliftTerms(terms, null, 'USD');
    expect(out).toEqual(terms);
    expect(out).not.toBe(terms);
  });

  it('uplifts the v2 performance prices: CPCV rates, tier and override payouts, the guarantee', () => {
    const v2: VersionTerms = {
      charges: [
        { id: 'views', kind: 'CPCV', pricing: { model: 'VOLUME', tiers: [{ upTo: 5000, rate: '0.035' }, { upTo: null, rate: '0.03' }] } },
        {
          id: 'buy', kind: 'CPA', event: 'PURCHASE', attributionWindowDays: 7, eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: null,
          payoutTiers: {
            model: 'GRADUATED',
            tiers: [
              { upTo: 100, payout: { flat: '20.00', percentOfValue: '0', min: null, max: null } },
              { upTo: null, payout: { flat: '25.00', percentOfValue: '98', min: '1.00', max: '99.99' } },
            ],
          },
          partnerOverrides: [{ partnerIds: ['aff-3'], payout: { flat: '30.00', percentOfValue: '2.5', min: null, max: null } }],
          attribution: 'LAST_TOUCH',
        },
      ],
      minimumCommitment: null,
      budgetCap: null,
      agencyCommissionPct: null,
      partners: [],
      performanceGuarantee: { maxCostPerConversion: '40.00', mediaChargeIds: ['views'], conversionChargeIds: ['buy'] },
    };
    const out = upliftTerms(v2, '3.5', 'USD');
    // 0.035 x 1.035 = 0.036225; 0.03 x 1.035 = 0.03105
    expect(out.charges[0]).toMatchObject({ pricing: { model: 'VOLUME', tiers: [{ upTo: 5000, rate: '0.036225' }, { upTo: null, rate: '0.03105' }] } });
    const buy = out.charges[1] as CpaCharge;
    // 20.00 x 1.035 = 20.70; 25.00 x 1.035 = 25.875 -> 25.88 (half-up); 98% x 1.035 = 101.43% -> capped at 100;
    // 1.00 -> 1.035 -> 1.04; 99.99 x 1.035 = 103.48965 -> 103.49
    expect(buy.payoutTiers!.tiers).toEqual([
      { upTo: 100, payout: { flat: '20.70', percentOfValue: '0', min: null, max: null } },
      { upTo: null, payout: { flat: '25.88', percentOfValue: '100', min: '1.04', max: '103.49' } },
    ]);
    // 30.00 x 1.035 = 31.05; 2.5% x 1.035 = 2.5875%
    expect(buy.partnerOverrides).toEqual([{ partnerIds: ['aff-3'], payout: { flat: '31.05', percentOfValue: '2.5875', min: null, max: null } }]);
    expect(buy.attribution).toBe('LAST_TOUCH');
    // 40.00 x 1.035 = 41.40
    expect(out.performanceGuarantee).toEqual({ maxCostPerConversion: '41.40', mediaChargeIds: ['views'], conversionChargeIds: ['buy'] });
    expect(v2.performanceGuarantee!.maxCostPerConversion).toBe('40.00');
  });

  it('uplifted money keeps the currency digits', () => {
    expect(upliftMoney('1000', '3.5', 'JPY')).toBe('1035');
    expect(upliftMoney('999', '0.05', 'JPY')).toBe('999'); // 999 x 1.0005 = 999.4995 -> 999
    expect(upliftMoney('1000', '0.05', 'JPY')).toBe('1001'); // 1000.5 -> 1001 (half-up)
    expect(upliftMoney('10.000', '1', 'KWD')).toBe('10.100');
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
