/**
 * What each v2 line's explanation says decided it: tiers per rank range, overrides and their
 * counts, touches won and lost per partner, completed views, the guarantee's M, C and limit,
 * the credits by id and reason. Also the engine's own checks of v2 inputs (it is a public
 * function: schemas may not have run).
 */
import { describe, expect, it } from 'vitest';
import { bare, contract, conv, cpa, cpm, imp, rate, usage, version } from './fixtures';
import type { CpaUsageExplanation, CpmUsageExplanation, CreditExplanation, GuaranteeExplanation } from '../../../shared/domain/billing/rate';
import { ratePeriod } from '../../../shared/domain/billing/rate';
import { ValidationError } from '../../../shared/domain/kernel/errors';
import type { CpaPayout } from '../../../shared/domain/terms/types';

const flat = (amount: string): CpaPayout => ({ flat: amount, percentOfValue: '0', min: null, max: null });

describe('v2 explanations', () => {
  it('a tiered line with an override names each tier\'s rank range, the overridden ranks and the override\'s count', () => {
    const terms = contract({}, [version({
      charges: [cpa('purchase', {
        payout: null,
        payoutTiers: { model: 'GRADUATED', tiers: [{ upTo: 2, payout: flat('20.00') }, { upTo: null, payout: flat('30.00') }] },
        partnerOverrides: [{ partnerIds: ['aff-vip'], payout: flat('40.00') }],
      })],
    })]);
    const records = usage([], [
      conv('2027-01-03T10:00:00Z'), conv('2027-01-04T10:00:00Z', { partnerId: 'aff-vip' }),
      conv('2027-01-05T10:00:00Z'), conv('2027-01-06T10:00:00Z'),
    ]);
    const rated = rate(terms, records, '2027-01');
    // ranks 1 (20.00), 2 aff-vip (40.00), 3 and 4 (30.00 each) = 120.00
    expect(bare(rated)).toEqual([{ type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '4', amount: '120.00' }]);
    const explanation = rated.lines[0]!.explanation as CpaUsageExplanation;
    expect(explanation.payout).toBeNull();
    expect(explanation.payoutTiers!.tiers.map((t) => [t.upTo, t.fromRank, t.toRank, t.overridden, t.count, t.exactAmount])).toEqual([
      [2, 1, 2, 1, 1, '20'], [null, 3, 4, 0, 2, '60'],
    ]);
    expect(explanation.overrides).toMatchObject([{ partnerIds: ['aff-vip'], count: 1, exactAmount: '40' }]);
  });

  it('a LAST_TOUCH line counts touches won and lost per partner', () => {
    const terms = contract({}, [version({ charges: [cpa('purchase', { attribution: 'LAST_TOUCH' })] })]);
    const at = '2027-01-10T10:00:00Z';
    const records = usage([], [
      conv(at, { id: 'x', partnerId: 'aff-1', exposureAt: '2027-01-08T10:00:00Z' }),
      conv(at, { id: 'x', partnerId: 'aff-2', exposureAt: '2027-01-09T10:00:00Z' }),
      conv(at, { id: 'y', partnerId: 'aff-1', exposureAt: '2027-01-09T10:00:00Z' }),
    ]);
    const explanation = rate(terms, records, '2027-01').lines[0]!.explanation as CpaUsageExplanation;
    expect(explanation.attribution).toBe('LAST_TOUCH');
    expect(explanation.touches).toEqual([{ partnerId: 'aff-1', won: 1, lost: 1 }, { partnerId: 'aff-2', won: 1, lost: 0 }]);
    expect(explanation.excluded.duplicate).toBe(1);
  });

  it('a CPCV line prices views per view and says so; the guarantee line states M, C and the limit; the credit line its credits', () => {
    const terms = contract({
      credits: [{ id: 'mg-1', period: '2027-01', amount: '25.00', reason: 'MAKE_GOOD' }, { id: 'gw-1', period: '2027-01', amount: '5.00', reason: 'GOODWILL', recordedAt: '2027-03-01T00:00:00Z' }],
    }, [version({
      charges: [cpm('display', '10.00'), { id: 'views', kind: 'CPCV', pricing: { model: 'FLAT', rate: '0.02' } }, cpa('purchase')],
      performanceGuarantee: { maxCostPerConversion: '50.00', mediaChargeIds: ['display', 'views'], conversionChargeIds: ['purchase'] },
    })]);
    const records = usage(
      [imp('2027-01-05', 10_000), imp('2027-01-05', 20_000, { chargeId: 'views', completedViews: 5_000 })],
      [conv('2027-01-06T10:00:00Z')],
    );
    const rated = rate(terms, records, '2027-01', '2027-02-03T00:00:00Z');
    // display 10,000 × 10.00 / 1000 = 100.00; views 5,000 × 0.02 = 100.00; purchase 10.00;
    // guarantee −(200.00 − 50.00 × 1) = −150.00; credit mg-1 −25.00 (gw-1 not yet recorded)
    expect(bare(rated).map((l) => [l.type, l.chargeId ?? null, l.amount])).toEqual([
      ['USAGE', 'display', '100.00'], ['USAGE', 'views', '100.00'], ['USAGE', 'purchase', '10.00'],
      ['GUARANTEE_CREDIT', null, '-150.00'], ['CREDIT', null, '-25.00'],
    ]);
    const views = rated.lines[1]!.explanation as CpmUsageExplanation;
    expect(views).toMatchObject({ kind: 'CPCV_USAGE', quantity: '5000', pricing: { model: 'FLAT', rate: '0.02', per: 1 } });
    expect(rated.lines[3]!.explanation as GuaranteeExplanation).toMatchObject({ media: '200.00', conversions: '1', allowed: '50.00', maxCostPerConversion: '50.00' });
    expect((rated.lines[4]!.explanation as CreditExplanation).credits).toEqual([{ id: 'mg-1', reason: 'MAKE_GOOD', amount: '25.00', recordedAt: null }]);
    expect(rated.subtotal).toBe('35.00');
  });
});

describe('the engine\'s own checks of v2 inputs', () => {
  const reject = (terms: ReturnType<typeof contract>, records = usage()) => {
    try {
      ratePeriod({ contract: terms, usage: records, period: '2027-01', asOf: '2027-02-03T00:00:00Z', prior: { lines: [], payouts: [] } });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).details.map((d) => d.path);
    }
    throw new Error('not rejected');
  };

  it('names the field of each broken v2 rule', () => {
    expect(reject(contract({}, [version({ charges: [{ id: 'views', kind: 'CPCV', pricing: { model: 'FLAT', rate: '0.02' }, discrepancyThresholdPct: '5' } as never] })])))
      .toContain('contract.versions.0.charges.0.discrepancyThresholdPct');
    expect(reject(contract({}, [version({ charges: [cpa('purchase', { payoutTiers: { model: 'VOLUME', tiers: [{ upTo: null, payout: flat('1.00') }] } })] })])))
      .toContain('contract.versions.0.charges.0.payoutTiers');
    expect(reject(contract({}, [version({ charges: [cpa('purchase', { partnerOverrides: [{ partnerIds: ['a'], payout: flat('1.00') }, { partnerIds: ['a'], payout: flat('2.00') }] })] })])))
      .toContain('contract.versions.0.charges.0.partnerOverrides.1.partnerIds.0');
    expect(reject(contract({}, [version({ charges: [cpa('purchase', { attribution: 'ANY_TOUCH' as never })] })])))
      .toContain('contract.versions.0.charges.0.attribution');
    expect(reject(contract({ credits: [{ id: 'c', period: '2027-01', amount: '1.00', reason: 'REFUND' as never }] })))
      .toContain('contract.credits.0.reason');
    expect(reject(contract(), usage([imp('2027-01-05', 10, { completedViews: 11 })])))
      .toContain('usage.impressions.0.completedViews');
    expect(reject(contract({}, [version({ charges: [cpm('display'), cpa('purchase')] })]), usage([imp('2027-01-05', 10, { chargeId: 'purchase' })])))
      .toContain('usage.impressions.0.chargeId');
  });

  it('refuses money as a JSON number and instants with an offset (clarifications)', () => {
    expect(reject(contract({}, [version({ minimumCommitment: { amount: 100 as never, prorate: false } })])))
      .toContain('contract.versions.0.minimumCommitment.amount');
    expect(reject(contract({}, [version({ recordedAt: '2026-12-20T00:00:00+01:00' })])))
      .toContain('contract.versions.0.recordedAt');
  });

  it('a conversion without value has value 0 (clarifications)', () => {
    const terms = contract({}, [version({ charges: [cpa('purchase', { payout: { flat: '1.00', percentOfValue: '10', min: null, max: null } })] })]);
    const { value: _value, ...record } = conv('2027-01-05T10:00:00Z');
    expect(bare(rate(terms, usage([], [record as never]), '2027-01'))).toEqual([{ type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '1', amount: '1.00' }]);
  });
});
