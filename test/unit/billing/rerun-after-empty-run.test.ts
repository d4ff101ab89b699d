/**
 * A run that had nothing to bill still makes the next run of its period a re-run: ADJUSTMENT
 * lines on an ADJUSTMENT document (FORMAT.md, "Later run of the same period"), not a second
 * first-run invoice. The empty run leaves no line and no payout, so the period itself is what
 * `prior` must remember.
 */
import { describe, expect, it } from 'vitest';
import { invoicedBy, rateCase, ratePeriod } from '../../../shared/domain/billing/rate';
import { toPriorRuns } from '../../../shared/domain/invoices/prior-runs';
import { bare, contract, imp, usage } from './fixtures';

const records = usage([imp('2027-01-20', 5000, { receivedAt: '2027-02-05T00:00:00Z' })]);

describe('a re-run after a run that invoiced nothing', () => {
  it('adjusts (rateCase): the late 5,000 impressions at 10.00 are an ADJUSTMENT of USAGE, +50.00', () => {
    const results = rateCase({
      contract: contract(), usage: records,
      runs: [
        { period: '2027-01', asOf: '2027-02-03T00:00:00Z' }, // nothing received yet
        { period: '2027-01', asOf: '2027-02-06T00:00:00Z' },
      ],
    });
    const [first, second] = results.map((r) => (r.ok ? r.rated : null));
    expect(first).toMatchObject({ isRerun: false, lines: [], total: '0.00' });
    expect(second!.isRerun).toBe(true);
    expect(bare(second!)).toEqual([{ type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'display', version: 1, quantity: '5000', amount: '50.00' }]);
    expect(second!.total).toBe('50.00');
  });

  it('adjusts from stored documents (toPriorRuns): an empty INVOICE still names its period', () => {
    const empty = ratePeriod({ contract: contract(), usage: records, period: '2027-01', asOf: '2027-02-03T00:00:00Z', prior: { lines: [], payouts: [] } });
    expect(invoicedBy(empty)).toEqual({ lines: [], payouts: [], periods: ['2027-01'] });
    const prior = toPriorRuns([{ kind: 'INVOICE', period: '2027-01', lines: [], partnerPayouts: [] }]);
    expect(prior).toEqual({ lines: [], payouts: [], periods: ['2027-01'] });
    const rerun = ratePeriod({ contract: contract(), usage: records, period: '2027-01', asOf: '2027-02-06T00:00:00Z', prior });
    expect(rerun.isRerun).toBe(true);
    expect(bare(rerun)).toEqual([{ type: 'ADJUSTMENT', adjusts: 'USAGE', chargeId: 'display', version: 1, quantity: '5000', amount: '50.00' }]);
    // A credit note is not a run: it names no period run.
    expect(toPriorRuns([{ kind: 'CREDIT_NOTE', period: '2027-01', lines: [], partnerPayouts: [] }]).periods).toEqual([]);
  });
});
