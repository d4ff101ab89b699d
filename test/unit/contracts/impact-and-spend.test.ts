/**
 * Pure domain, no AWS: the approval policy weighing an impact on invoiced periods, who may
 * decide an inbox item, and spend to date (days add up to the period, tiers priced as a whole,
 * pacing and the cap day, a performance guarantee and credits counted as the billing run counts
 * them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkApproval, requirementWithImpact, type ApprovalRequirement } from '../../../shared/domain/contracts/approval-policy';
import { spendToDate } from '../../../shared/domain/contracts/spend';
import { ratePeriod } from '../../../shared/domain/billing/rate';
import type { ContractTerms, Conversion, Credit, Impression } from '../../../shared/domain/terms/types';

const single: ApprovalRequirement = { approvals: 1, financeRequired: false, committedValue: '0', threshold: '100000.00' };

describe('approval policy with the impact on invoiced periods', () => {
  it('asks for two approvals with finance at or above the threshold, and not below', () => {
    expect(requirementWithImpact(single, { absolute: '99999.99' })).toEqual(single);
    expect(requirementWithImpact(single, { absolute: '100000.00' })).toMatchObject({ approvals: 2, financeRequired: true, committedValue: '0' });
    expect(requirementWithImpact(single, null)).toEqual(single);
    // A currency without a threshold is always strict.
    expect(requirementWithImpact({ ...single, threshold: null }, { absolute: '0.00' })).toMatchObject({ approvals: 2, financeRequired: true });
  });

  it('keeps a version pending after one approval when its impact is large', () => {
    const version = { status: 'PENDING_APPROVAL' as const, authors: ['olga'], requirement: single };
    expect(checkApproval(version, [], { sub: 'april', roles: ['approver'] }, { absolute: '5.00' }).satisfied).toBe(true);
    expect(checkApproval(version, [], { sub: 'april', roles: ['approver'] }, { absolute: '250000.00' }).satisfied).toBe(false);
    expect(checkApproval(version, [{ approverId: 'april', roles: ['approver'] }], { sub: 'fiona', roles: ['finance'] }, { absolute: '250000.00' }).satisfied).toBe(true);
  });
});

const contract = (rate: string, extra: Partial<ContractTerms['versions'][number]> = {}): ContractTerms => ({
  currency: 'USD',
  timezone: 'UTC',
  startDate: '2027-01-01',
  endDate: '2027-12-31',
  rounding: 'HALF_EVEN',
  versions: [
    {
      effectiveFrom: '2027-01-01',
      charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate }, billableSource: 'FIRST_PARTY', discrepancyThresholdPct: null }],
      minimumCommitment: null,
      budgetCap: null,
      agencyCommissionPct: null,
      partners: [],
      ...extra,
    },
  ],
});

const impression = (date: string, count: number): Impression => ({ date, chargeId: 'ctv', count, source: 'FIRST_PARTY' }) as Impression;
const noPrior = { lines: [], payouts: [] };

describe('spend to date', () => {
  it('lists every elapsed day, paces at the run rate and finds the day the cap is reached', () => {
    const spend = spendToDate({
      contract: contract('10', { budgetCap: { amount: '50000.00', scope: 'PERIOD' }, minimumCommitment: { amount: '31000.00', prorate: true } }),
      usage: { impressions: [impression('2027-03-01', 1_000_000), impression('2027-03-03', 1_000_000)], conversions: [] },
      period: '2027-03',
      asOf: '2027-03-04T12:00:00Z',
      today: '2027-03-04',
      prior: noPrior,
    });
    expect(spend.days).toEqual([
      { date: '2027-03-01', quantity: '1000000', amount: '10000.00' },
      { date: '2027-03-02', quantity: '0', amount: '0.00' },
      { date: '2027-03-03', quantity: '1000000', amount: '10000.00' },
      { date: '2027-03-04', quantity: '0', amount: '0.00' },
    ]);
    // 20,000.00 in 4 days: 5,000.00 a day x 31 = 155,000.00, cut at the cap; the cap on day 10.
    expect(spend).toMatchObject({ total: '20000.00', budgetCap: '50000.00', remaining: '30000.00', projectedTotal: '50000.00', capReachedOn: '2027-03-10' });
    expect(spend).toMatchObject({ minimum: '31000.00', shortfall: '11000.00' });
  });

  it('days add up to the period, graduated tiers included (property)', () => {
    const tiered: ContractTerms = {
      ...contract('0'),
      versions: [{ ...contract('0').versions[0]!, charges: [{ id: 'ctv', kind: 'CPM', pricing: { model: 'GRADUATED', tiers: [{ upTo: 1_000_000, rate: '12.5' }, { upTo: null, rate: '7.333' }] }, billableSource: 'FIRST_PARTY', discrepancyThresholdPct: null }] as never }],
    };
    fc.assert(
      fc.property(fc.array(fc.record({ day: fc.integer({ min: 1, max: 28 }), count: fc.integer({ min: 1, max: 900_000 }) }), { maxLength: 12 }), (records) => {
        const byDay = new Map<number, number>();
        for (const r of records) byDay.set(r.day, r.count);
        const usage = { impressions: [...byDay].map(([day, count]) => impression(`2027-02-${String(day).padStart(2, '0')}`, count)), conversions: [] };
        const spend = spendToDate({ contract: tiered, usage, period: '2027-02', asOf: '2027-03-02T00:00:00Z', today: '2027-03-01', prior: noPrior });
        const sumOfDays = spend.days.reduce((sum, d) => sum + Math.round(Number(d.amount) * 100), 0);
        expect(sumOfDays).toBe(Math.round(Number(spend.total) * 100));
        expect(spend.days).toHaveLength(28);
        expect(spend.projectedTotal).toBe(spend.total);
      }),
      { numRuns: 40 },
    );
  });

  describe('with a performance guarantee and credits, as the run rates them', () => {
    const v2 = (credits: Credit[]): ContractTerms => ({
      ...contract('10'),
      credits,
      versions: [{
        ...contract('10').versions[0]!,
        charges: [
          { id: 'ctv', kind: 'CPM', pricing: { model: 'FLAT', rate: '10' }, billableSource: 'FIRST_PARTY', discrepancyThresholdPct: null },
          {
            id: 'buy', kind: 'CPA', event: 'PURCHASE', payout: { flat: '25.00', percentOfValue: '0', min: null, max: null }, attributionWindowDays: 7,
            eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: null,
          },
        ],
        budgetCap: { amount: '240.00', scope: 'PERIOD' },
        minimumCommitment: { amount: '150.00', prorate: false },
        agencyCommissionPct: '10',
        performanceGuarantee: { maxCostPerConversion: '40.00', mediaChargeIds: ['ctv'], conversionChargeIds: ['buy'] },
      }] as never,
    });
    const conversion = (id: string, day: number): Conversion => ({
      id, event: 'PURCHASE', occurredAt: `2027-02-${String(day).padStart(2, '0')}T10:00:00Z`, exposureAt: `2027-02-${String(day).padStart(2, '0')}T09:00:00Z`,
      value: '0', geo: 'US', newCustomer: true, partnerId: null,
    }) as Conversion;
    const makeGood: Credit = { id: 'mg-1', period: '2027-02', amount: '30.00', reason: 'MAKE_GOOD', recordedAt: '2027-03-01T00:00:00Z' };
    const later: Credit = { id: 'mg-2', period: '2027-02', amount: '5.00', reason: 'GOODWILL', recordedAt: '2027-03-09T00:00:00Z' };

    it('counts the guarantee credit in the usage the cap sees and reports the credits the run would invoice', () => {
      // ctv 20,000 x 10 / 1,000 = 200.00; buy 2 x 25.00 = 50.00; guarantee M 200.00, C 2:
      // -(200.00 - 80.00) = -120.00; usage 130.00, under the cap 240.00 (110.00 left) and the
      // minimum 150.00 (20.00 short). mg-1 is seen at asOf; mg-2, recorded later, is not.
      const spend = spendToDate({
        contract: v2([makeGood, later]),
        usage: { impressions: [impression('2027-02-10', 20_000)], conversions: [conversion('cv-1', 5), conversion('cv-2', 12)] },
        period: '2027-02', asOf: '2027-03-02T00:00:00Z', today: '2027-03-01', prior: noPrior,
      });
      expect(spend).toMatchObject({
        total: '130.00', guaranteeCredit: '-120.00', remaining: '110.00', shortfall: '20.00',
        credits: [{ id: 'mg-1', reason: 'MAKE_GOOD', amount: '30.00' }], creditTotal: '-30.00',
      });
      expect(spendToDate({ contract: contract('10'), usage: { impressions: [], conversions: [] }, period: '2027-02', asOf: '2027-03-02T00:00:00Z', today: '2027-03-01', prior: noPrior }))
        .toMatchObject({ guaranteeCredit: null, credits: [], creditTotal: '0.00' });
    });

    it('total + shortfall + creditTotal is the subtotal the run invoices for a closed period, days add up to total (property)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ day: fc.integer({ min: 1, max: 28 }), count: fc.integer({ min: 1, max: 30_000 }) }), { maxLength: 6 }),
          fc.array(fc.integer({ min: 1, max: 28 }), { maxLength: 8 }),
          fc.subarray([makeGood, later]),
          (imps, convDays, credits) => {
            const byDay = new Map<number, number>();
            for (const r of imps) byDay.set(r.day, r.count);
            const usage = {
              impressions: [...byDay].map(([day, count]) => impression(`2027-02-${String(day).padStart(2, '0')}`, count)),
              conversions: convDays.map((day, i) => conversion(`cv-${i}`, day)),
            };
            const input = { contract: v2(credits), usage, period: '2027-02', asOf: '2027-03-10T00:00:00Z', prior: noPrior };
            const spend = spendToDate({ ...input, today: '2027-03-10' });
            const run = ratePeriod(input);
            const cents = (v: string | null) => Math.round(Number(v ?? '0') * 100);
            expect(cents(spend.total) + cents(spend.shortfall) + cents(spend.creditTotal)).toBe(cents(run.subtotal));
            expect(spend.days.reduce((sum, d) => sum + cents(d.amount), 0)).toBe(cents(spend.total));
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
