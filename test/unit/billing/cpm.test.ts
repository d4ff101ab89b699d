import { describe, expect, it } from 'vitest';
import { bare, contract, cpm, imp, rate, usage, version } from './fixtures';
import type { CpmCharge } from '../../../shared/domain/terms/types';

const tiers = [{ upTo: 1000, rate: '2.00' }, { upTo: 5000, rate: '1.50' }, { upTo: null, rate: '1.00' }];

function tiered(model: 'GRADUATED' | 'VOLUME'): CpmCharge {
  return { id: 'display', kind: 'CPM', pricing: { model, tiers }, billableSource: 'FIRST_PARTY' };
}

describe('CPM pricing', () => {
  it('FLAT: quantity × rate / 1000 over the period, rounded once at the line', () => {
    // 3,003 + 7,007 = 10,010 × 2.50 / 1000 = 25.025 → HALF_EVEN 25.02 (per-record rounding would give 7.51 + 17.52 = 25.03)
    const terms = contract({}, [version({ charges: [cpm('display', '2.50')] })]);
    const rated = rate(terms, usage([imp('2027-01-04', 3003), imp('2027-01-09', 7007)]), '2027-01');
    expect(bare(rated)).toEqual([{ type: 'USAGE', chargeId: 'display', version: 1, quantity: '10010', amount: '25.02' }]);
    expect(rated.total).toBe('25.02');
  });

  it.each([
    // quantity, GRADUATED amount, VOLUME amount
    // 0: nothing to price
    [1000, '2.00', '2.00'], // exactly the first bound: 1000 × 2.00 / 1000 both ways
    [1001, '2.00', '1.50'], // GRADUATED 1000 × 2.00 + 1 × 1.50 = 2001.50 / 1000 = 2.0015 → 2.00; VOLUME 1001 × 1.50 / 1000 = 1.5015 → 1.50
    [5000, '8.00', '7.50'], // GRADUATED 2.00 + 4000 × 1.50 / 1000 = 8.00; VOLUME 5000 × 1.50 / 1000 = 7.50
    [8000, '11.00', '8.00'], // GRADUATED 2.00 + 6.00 + 3000 × 1.00 / 1000 = 11.00; VOLUME 8000 × 1.00 / 1000 = 8.00
    [999, '2.00', '2.00'], // 999 × 2.00 / 1000 = 1.998 → 2.00
  ])('tiers with %i impressions: GRADUATED %s, VOLUME %s', (quantity, graduated, volume) => {
    const records = usage([imp('2027-01-10', quantity)]);
    expect(rate(contract({}, [version({ charges: [tiered('GRADUATED')] })]), records, '2027-01').lines[0]!.amount).toBe(graduated);
    expect(rate(contract({}, [version({ charges: [tiered('VOLUME')] })]), records, '2027-01').lines[0]!.amount).toBe(volume);
  });

  it('explains the tiers used with the quantity in each', () => {
    const rated = rate(contract({}, [version({ charges: [tiered('GRADUATED')] })]), usage([imp('2027-01-10', 8000)]), '2027-01');
    const explanation = rated.lines[0]!.explanation;
    expect(explanation).toMatchObject({
      kind: 'CPM_USAGE', version: 1, chargeId: 'display', quantity: '8000', exactAmount: '11', rounding: 'HALF_EVEN', amount: '11.00',
      pricing: { model: 'GRADUATED', tiers: [{ upTo: 1000, quantity: '1000' }, { upTo: 5000, quantity: '4000' }, { upTo: null, quantity: '3000' }] },
    });
  });

  it('tiers reset every period and when a version takes effect mid-period', () => {
    // Jan: 3000 → 2.00 + 2000 × 1.50 / 1000 = 5.00. Feb alone: 800 → 1.60 (starts afresh in tier 1).
    const terms = contract({}, [version({ charges: [tiered('GRADUATED')] }), version({ effectiveFrom: '2027-02-15', charges: [tiered('GRADUATED')] })]);
    const records = usage([imp('2027-01-10', 3000), imp('2027-02-01', 800), imp('2027-02-20', 800)]);
    expect(bare(rate(terms, records, '2027-01'))).toEqual([{ type: 'USAGE', chargeId: 'display', version: 1, quantity: '3000', amount: '5.00' }]);
    // Feb: v1 prices 800 (02-01..02-14) → 1.60; v2 prices 800 (02-15..) from tier 1 again → 1.60
    expect(bare(rate(terms, records, '2027-02'))).toEqual([
      { type: 'USAGE', chargeId: 'display', version: 1, quantity: '800', amount: '1.60' },
      { type: 'USAGE', chargeId: 'display', version: 2, quantity: '800', amount: '1.60' },
    ]);
  });

  it('bills only the billable source', () => {
    // THIRD_PARTY billable: 980,000 × 5.00 / 1000 = 4900.00; the first-party 1,100,000 are not billed
    const terms = contract({}, [version({ charges: [cpm('display', '5.00', { billableSource: 'THIRD_PARTY' })] })]);
    const rated = rate(terms, usage([imp('2027-01-15', 1_100_000), imp('2027-01-15', 980_000, { source: 'THIRD_PARTY' })]), '2027-01');
    expect(bare(rated)).toEqual([{ type: 'USAGE', chargeId: 'display', version: 1, quantity: '980000', amount: '4900.00' }]);
  });

  it.each([
    // firstParty, thirdParty, billable source, threshold, flagged?
    [1_100_000, 980_000, 'THIRD_PARTY', '10', true], // |120,000| / 980,000 = 12.24% > 10
    [1_100_000, 1_000_000, 'THIRD_PARTY', '10', false], // exactly 10% is not > 10
    [1_000_000, 1_100_001, 'FIRST_PARTY', '10', true], // 100,001 / 1,000,000 = 10.0001% > 10
    [1_000_000, 0, 'FIRST_PARTY', '10', false], // only one source reported
    [1_000_000, 2_000_000, 'FIRST_PARTY', null, false], // no threshold, no judgement
  ] as const)('DISCREPANCY: first %i, third %i, billable %s, threshold %s → %s', (fp, tp, source, threshold, flagged) => {
    const terms = contract({}, [version({ charges: [cpm('display', '5.00', { billableSource: source, discrepancyThresholdPct: threshold })] })]);
    const rated = rate(terms, usage([imp('2027-01-15', fp), imp('2027-01-16', tp, { source: 'THIRD_PARTY' })]), '2027-01');
    expect(rated.flags).toEqual(flagged ? ['DISCREPANCY'] : []);
  });

  it('selects the period: other months, days outside the term and late records are not billed', () => {
    // contract 2027-01-10..2027-03-20; usage on 01-09 is before the start (skipped), 03-21 after the end (not billed)
    const terms = contract({ startDate: '2027-01-10', endDate: '2027-03-20' }, [version({ effectiveFrom: '2027-01-10' })]);
    const records = usage([
      imp('2027-01-09', 1000), imp('2027-01-10', 2000), imp('2027-01-31', 3000), imp('2027-02-01', 4000),
      imp('2027-03-20', 5000), imp('2027-03-21', 6000),
      imp('2027-01-20', 7000, { receivedAt: '2027-02-10T00:00:00Z' }),
    ]);
    // Jan as of 02-03: 2000 + 3000 = 5000 × 10.00 / 1000 = 50.00 (the 7000 arrive on 02-10)
    expect(rate(terms, records, '2027-01', '2027-02-03T00:00:00Z').lines[0]).toMatchObject({ quantity: '5000', amount: '50.00' });
    // Jan as of 02-10 (receivedAt ≤ asOf): 12,000 → 120.00
    expect(rate(terms, records, '2027-01', '2027-02-10T00:00:00Z').lines[0]).toMatchObject({ quantity: '12000', amount: '120.00' });
    // Mar: only 03-20 → 5000 → 50.00
    expect(rate(terms, records, '2027-03').lines[0]).toMatchObject({ quantity: '5000', amount: '50.00' });
  });

  it('a version recorded after asOf is not seen and does not end its predecessor', () => {
    const terms = contract({}, [
      version({ charges: [cpm('display', '10.00')] }),
      version({ effectiveFrom: '2027-01-15', recordedAt: '2027-02-10T00:00:00Z', charges: [cpm('display', '12.00')] }),
    ]);
    const records = usage([imp('2027-01-05', 1000), imp('2027-01-20', 1000)]);
    // as of 02-03: v1 prices both days: 2000 × 10.00 / 1000 = 20.00
    expect(bare(rate(terms, records, '2027-01', '2027-02-03T00:00:00Z'))).toEqual([
      { type: 'USAGE', chargeId: 'display', version: 1, quantity: '2000', amount: '20.00' },
    ]);
    // as of 02-10: v1 1000 → 10.00, v2 1000 × 12.00 / 1000 → 12.00
    expect(bare(rate(terms, records, '2027-01', '2027-02-10T00:00:00Z'))).toEqual([
      { type: 'USAGE', chargeId: 'display', version: 1, quantity: '1000', amount: '10.00' },
      { type: 'USAGE', chargeId: 'display', version: 2, quantity: '1000', amount: '12.00' },
    ]);
  });
});
