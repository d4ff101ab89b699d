import { describe, expect, it } from 'vitest';
import { rateCase, type CaseRunResult, type RatedPeriod } from '../../../shared/domain/billing/rate';
import { bare, contract, conv, cpa, cpm, imp, usage, version } from './fixtures';
import type { ContractTerms, Usage } from '../../../shared/domain/terms/types';

function runs(terms: ContractTerms, records: Usage, ...asOfs: string[]): RatedPeriod[] {
  return rateCase({ contract: terms, usage: records, runs: asOfs.map((asOf) => ({ period: '2027-01', asOf })) })
    .map((r: CaseRunResult) => {
      if (!r.ok) throw new Error(r.error.message);
      return r.rated;
    });
}

describe('re-runs', () => {
  it('unchanged inputs: no lines, total 0.00, flags still reported', () => {
    const terms = contract({}, [version({ charges: [cpm('display', '5.00', { discrepancyThresholdPct: '1' })] })]);
    const records = usage([imp('2027-01-10', 1000), imp('2027-01-10', 2000, { source: 'THIRD_PARTY' })]);
    const [first, again] = runs(terms, records, '2027-02-03T00:00:00Z', '2027-02-10T00:00:00Z');
    expect(first!.isRerun).toBe(false);
    expect(again).toMatchObject({ isRerun: true, lines: [], subtotal: '0.00', total: '0.00', flags: ['DISCREPANCY'] });
  });

  it('late usage: an ADJUSTMENT of the USAGE line with the change in quantity and amount', () => {
    const records = usage([imp('2027-01-10', 10_000), imp('2027-01-20', 5000, { receivedAt: '2027-02-05T00:00:00Z' })]);
    const [, rerun] = runs(contract(), records, '2027-02-03T00:00:00Z', '2027-02-10T00:00:00Z');
    // 100.00 invoiced; afresh 15,000 × 10.00 / 1000 = 150.00 → +5000, +50.00
    expect(bare(rerun!)).toEqual([{ type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'display', version: 1, quantity: '5000', amount: '50.00' }]);
    expect(rerun!.lines[0]!.explanation).toMatchObject({
      kind: 'ADJUSTMENT', previouslyInvoiced: { quantity: '10000', amount: '100.00' }, recomputed: { quantity: '15000', amount: '150.00' },
    });
  });

  it('a change of quantity without a change of amount writes no line', () => {
    // rate 1.00: 1000 → 1.00; 1001 → 1.001 → 1.00
    const terms = contract({}, [version({ charges: [cpm('display', '1.00')] })]);
    const records = usage([imp('2027-01-10', 1000), imp('2027-01-20', 1, { receivedAt: '2027-02-05T00:00:00Z' })]);
    const [, rerun] = runs(terms, records, '2027-02-03T00:00:00Z', '2027-02-10T00:00:00Z');
    expect(rerun!.lines).toEqual([]);
  });

  it('an amendment recorded after the first run moves usage to the new version', () => {
    const terms = contract({}, [
      version({ charges: [cpm('display', '10.00')], minimumCommitment: { amount: '500.00', prorate: false } }),
      version({ effectiveFrom: '2027-01-16', recordedAt: '2027-02-05T00:00:00Z', charges: [cpm('display', '12.00')], minimumCommitment: { amount: '500.00', prorate: false } }),
    ]);
    const records = usage([imp('2027-01-10', 10_000), imp('2027-01-20', 10_000)]);
    const [first, rerun] = runs(terms, records, '2027-02-03T00:00:00Z', '2027-02-10T00:00:00Z');
    // first: v1 20,000 → 200.00; true-up 500.00 − 200.00 = 300.00; total 500.00
    expect(bare(first!).map((l) => [l.type, l.version, l.amount])).toEqual([['USAGE', 1, '200.00'], ['MINIMUM_TRUE_UP', undefined, '300.00']]);
    // afresh: v1 10,000 → 100.00; v2 10,000 × 12.00 / 1000 → 120.00; true-up 280.00
    // adjustments: v1 −10,000 −100.00; v2 +10,000 +120.00; true-up (keyed by type alone) −20.00; total 0.00
    expect(bare(rerun!)).toEqual([
      { type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'display', version: 1, quantity: '-10000', amount: '-100.00' },
      { type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'display', version: 2, quantity: '10000', amount: '120.00' },
      { type: 'ADJUSTMENT', adjusts: 'MINIMUM_TRUE_UP', quantity: '0', amount: '-20.00' },
    ]);
    expect([rerun!.subtotal, rerun!.total]).toEqual(['0.00', '0.00']);
  });

  it('a line gone from the fresh computation is reversed in full; commission adjustments stay out of the subtotal', () => {
    const terms = contract({}, [version({ charges: [cpa('purchase', { payout: { flat: '50.00', percentOfValue: '0', min: null, max: null } })], agencyCommissionPct: '10' })]);
    const records = usage([], [conv('2027-01-05T10:00:00Z', { reversedAt: '2027-02-05T00:00:00Z' })]);
    const [first, rerun] = runs(terms, records, '2027-02-03T00:00:00Z', '2027-02-10T00:00:00Z');
    expect([first!.subtotal, first!.total]).toEqual(['50.00', '45.00']);
    // afresh: nothing. USAGE −1, −50.00; AGENCY_COMMISSION +5.00; subtotal −50.00, total −45.00
    expect(bare(rerun!)).toEqual([
      { type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'purchase', version: 1, quantity: '-1', amount: '-50.00' },
      { type: 'ADJUSTMENT', adjusts: 'AGENCY_COMMISSION', quantity: '0', amount: '5.00' },
    ]);
    expect([rerun!.subtotal, rerun!.total]).toEqual(['-50.00', '-45.00']);
  });

  it('payouts of a re-run are the changes, per partner', () => {
    const terms = contract({}, [version({
      charges: [cpa('purchase')],
      partners: [{ partnerId: 'aff-1', chargeIds: ['purchase'], flatPerConversion: '4.00' }],
    })]);
    const records = usage([], [
      conv('2027-01-05T10:00:00Z', { partnerId: 'aff-1' }),
      conv('2027-01-06T10:00:00Z', { partnerId: 'aff-1', receivedAt: '2027-02-05T00:00:00Z' }),
    ]);
    const [first, rerun, third] = runs(terms, records, '2027-02-03T00:00:00Z', '2027-02-10T00:00:00Z', '2027-02-11T00:00:00Z');
    expect(first!.partnerPayouts).toEqual([{ partnerId: 'aff-1', amount: '4.00' }]);
    expect(rerun!.partnerPayouts).toEqual([{ partnerId: 'aff-1', amount: '4.00' }]);
    expect(rerun!.partnerPayoutsByCharge).toEqual([{ partnerId: 'aff-1', chargeId: 'purchase', amount: '4.00' }]);
    // nothing changed since: no payout reported
    expect(third!.partnerPayouts).toEqual([]);
  });
});
