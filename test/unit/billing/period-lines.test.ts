import { describe, expect, it } from 'vitest';
import { rateCase } from '../../../shared/domain/billing/rate';
import { bare, contract, cpm, imp, rate, usage, version } from './fixtures';

describe('budget cap', () => {
  it('PERIOD: each period’s usage total is cut to the cap, and the cap resets', () => {
    const terms = contract({}, [version({ budgetCap: { amount: '1000.00', scope: 'PERIOD' } })]);
    const records = usage([imp('2027-01-10', 150_000), imp('2027-02-10', 80_000)]);
    // Jan: 150,000 × 10.00 / 1000 = 1500.00 → cap 1000.00: CAP_ADJUSTMENT −500.00
    expect(bare(rate(terms, records, '2027-01'))).toEqual([
      { type: 'USAGE', chargeId: 'display', version: 1, quantity: '150000', amount: '1500.00' },
      { type: 'CAP_ADJUSTMENT', quantity: '0', amount: '-500.00' },
    ]);
    // Feb: 800.00 ≤ 1000.00 → no adjustment
    expect(bare(rate(terms, records, '2027-02'))).toEqual([
      { type: 'USAGE', chargeId: 'display', version: 1, quantity: '80000', amount: '800.00' },
    ]);
  });

  it('CONTRACT: cut to the cap less what earlier periods were invoiced after caps', () => {
    const terms = contract({}, [version({ budgetCap: { amount: '2000.00', scope: 'CONTRACT' } })]);
    const records = usage([imp('2027-01-10', 150_000), imp('2027-02-10', 80_000), imp('2027-03-10', 10_000)]);
    const results = rateCase({
      contract: terms, usage: records,
      runs: [
        { period: '2027-01', asOf: '2027-02-03T00:00:00Z' },
        { period: '2027-02', asOf: '2027-03-03T00:00:00Z' },
        { period: '2027-03', asOf: '2027-04-03T00:00:00Z' },
      ],
    });
    const totals = results.map((r) => (r.ok ? r.rated.total : r.error.code));
    // Jan 1500.00 (room 2000.00); Feb 800.00 → room 500.00: −300.00, total 500.00; Mar 100.00 → room 0: −100.00, total 0.00
    expect(totals).toEqual(['1500.00', '500.00', '0.00']);
    const march = results[2]!;
    expect(march.ok && march.rated.lines.find((l) => l.type === 'CAP_ADJUSTMENT')?.explanation).toMatchObject({
      scope: 'CONTRACT', cap: '2000.00', alreadyInvoiced: '2000.00', usage: '100.00', capped: '0.00',
    });
  });
});

describe('minimum commitment', () => {
  it.each([
    // startDate, endDate, usage day, impressions, true-up (usage: 50,000 × 10.00 / 1000 = 500.00)
    // Jan from the 15th: 17/31 active: 3100.00 × 17 / 31 = 1700.00 − usage 500.00 = 1200.00
    ['2027-01-15', '2027-12-31', '2027-01-20', 50_000, '1200.00'],
    // full February 2027 (28 days): 3100.00 − 500.00 = 2600.00
    ['2027-01-01', '2027-12-31', '2027-02-05', 50_000, '2600.00'],
    // leap February 2028, ending on the 10th: 3100.00 × 10 / 29 = 1068.9655… − 500.00 = 568.9655… → 568.97
    ['2027-01-01', '2028-02-10', '2028-02-05', 50_000, '568.97'],
    // June ending on the 20th: 3100.00 × 20 / 30 = 2066.666… − 500.00 = 1566.666… → 1566.67
    ['2027-01-01', '2027-06-20', '2027-06-05', 50_000, '1566.67'],
    // usage 4000.00 above the minimum: no line
    ['2027-01-01', '2027-12-31', '2027-03-05', 400_000, null],
  ] as const)('prorated: %s..%s, usage on %s, %i impressions → %s', (startDate, endDate, day, count, trueUp) => {
    const terms = contract({ startDate, endDate }, [version({ effectiveFrom: startDate, minimumCommitment: { amount: '3100.00', prorate: true } })]);
    const rated = rate(terms, usage([imp(day, count)]), day.slice(0, 7));
    expect(rated.lines.find((l) => l.type === 'MINIMUM_TRUE_UP')?.amount ?? null).toBe(trueUp);
  });

  it('not prorated: the full amount even for a partial month', () => {
    const terms = contract({ startDate: '2027-01-15' }, [version({ effectiveFrom: '2027-01-15', minimumCommitment: { amount: '3100.00', prorate: false } })]);
    // 3100.00 − usage 500.00 = true-up 2600.00 → total 3100.00
    expect(rate(terms, usage([imp('2027-01-20', 50_000)]), '2027-01').total).toBe('3100.00');
  });

  it('applies after the cap: max(0, minimum − (usage + cap adjustment))', () => {
    const terms = contract({}, [version({ budgetCap: { amount: '1000.00', scope: 'PERIOD' }, minimumCommitment: { amount: '1200.00', prorate: false } })]);
    // usage 1500.00, cap −500.00 → 1000.00; minimum 1200.00 → true-up 200.00; total 1200.00
    const rated = rate(terms, usage([imp('2027-01-10', 150_000)]), '2027-01');
    expect(bare(rated).map((l) => [l.type, l.amount])).toEqual([['USAGE', '1500.00'], ['CAP_ADJUSTMENT', '-500.00'], ['MINIMUM_TRUE_UP', '200.00']]);
    expect(rated.total).toBe('1200.00');
    expect(rated.lines[2]!.explanation).toMatchObject({ minimum: '1200.00', prorate: false, activeDays: 31, daysInPeriod: 31, usage: '1500.00', capAdjustment: '-500.00' });
  });
});

describe('agency commission', () => {
  it('−(sum of the lines before it) × pct / 100, excluded from the subtotal', () => {
    const terms = contract({}, [version({ agencyCommissionPct: '15', minimumCommitment: { amount: '100.00', prorate: false } })]);
    // usage 1001 × 10.00 / 1000 = 10.01; true-up 89.99; base 100.00; commission −15.00
    const rated = rate(terms, usage([imp('2027-01-10', 1001)]), '2027-01');
    expect(bare(rated).map((l) => [l.type, l.amount])).toEqual([['USAGE', '10.01'], ['MINIMUM_TRUE_UP', '89.99'], ['AGENCY_COMMISSION', '-15.00']]);
    expect([rated.subtotal, rated.total]).toEqual(['100.00', '85.00']);
  });

  it.each([
    // rounding, impressions (× 10.00 / 1000), pct, commission
    // 10.10 at 5% = −0.505: a tie → HALF_UP −0.51 (away from zero), HALF_EVEN −0.50
    // 10.05 at 15% = −1.5075: not a tie → −1.51 both ways
    ['HALF_UP', 1010, '5', '-0.51'],
    ['HALF_EVEN', 1010, '5', '-0.50'],
    ['HALF_UP', 1005, '15', '-1.51'],
    ['HALF_EVEN', 1005, '15', '-1.51'],
  ] as const)('%s: %i impressions at %s percent → %s', (rounding, count, pct, commission) => {
    const terms = contract({ rounding }, [version({ agencyCommissionPct: pct })]);
    const rated = rate(terms, usage([imp('2027-01-10', count)]), '2027-01');
    expect(rated.lines.find((l) => l.type === 'AGENCY_COMMISSION')!.amount).toBe(commission);
  });

  it('period terms are those of the version in effect on the last active day', () => {
    const terms = contract({}, [
      version({ agencyCommissionPct: '10' }),
      version({ effectiveFrom: '2027-01-20', agencyCommissionPct: '20', charges: [cpm('display', '10.00')] }),
    ]);
    // v1 10,000 → 100.00; v2 10,000 → 100.00; commission 20% of 200.00 = −40.00 (v2, in effect on 01-31)
    const rated = rate(terms, usage([imp('2027-01-05', 10_000), imp('2027-01-25', 10_000)]), '2027-01');
    expect(rated.lines.at(-1)).toMatchObject({ type: 'AGENCY_COMMISSION', amount: '-40.00', explanation: { version: 2, commissionPct: '20' } });
    // a contract ending 01-10: its last active day falls under v1 (10%): 100.00 − 10.00 = 90.00
    const short = contract({ endDate: '2027-01-10' }, terms.versions.slice(0, 1));
    expect(rate(short, usage([imp('2027-01-05', 10_000)]), '2027-01').total).toBe('90.00');
  });
});
