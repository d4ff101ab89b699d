import { describe, expect, it } from 'vitest';
import { bare, contract, conv, cpa, rate, usage, version } from './fixtures';
import type { CpaCharge } from '../../../shared/domain/terms/types';
import type { CpaUsageExplanation } from '../../../shared/domain/billing/rate';

function cpaContract(extra: Partial<CpaCharge> = {}) {
  return contract({}, [version({ charges: [cpa('purchase', extra)] })]);
}

function explanationOf(rated: ReturnType<typeof rate>): CpaUsageExplanation {
  return rated.lines[0]!.explanation as CpaUsageExplanation;
}

describe('CPA billability', () => {
  it('attribution window: 0 ≤ occurredAt − exposureAt ≤ days × 24 h, both ends inclusive', () => {
    const records = usage([], [
      conv('2027-01-12T10:00:00Z', { exposureAt: '2027-01-05T10:00:00Z' }), // exactly 168 h: billable
      conv('2027-01-12T10:00:01Z', { exposureAt: '2027-01-05T10:00:00Z' }), // 168 h + 1 s: outside
      conv('2027-01-20T10:00:00Z', { exposureAt: '2027-01-20T10:00:00Z' }), // 0 s: billable
      conv('2027-01-20T10:00:00Z', { exposureAt: '2027-01-20T10:00:01Z' }), // exposure after: outside
    ]);
    const rated = rate(cpaContract(), records, '2027-01');
    // 2 × 10.00 = 20.00
    expect(bare(rated)).toEqual([{ type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '2', amount: '20.00' }]);
    expect(explanationOf(rated).excluded.outsideWindow).toBe(2);
  });

  it('eligibility: geos, new customers only, value ≥ minValue', () => {
    const terms = cpaContract({ eligibility: { geos: ['US', 'CA'], newCustomersOnly: true, minValue: '50.00' } });
    const records = usage([], [
      conv('2027-01-05T10:00:00Z', { value: '80.00' }), // billable
      conv('2027-01-05T10:00:00Z', { value: '50.00', geo: 'CA' }), // minValue is inclusive: billable
      conv('2027-01-05T10:00:00Z', { geo: 'FR' }), // geo
      conv('2027-01-05T10:00:00Z', { newCustomer: false }), // returning customer
      conv('2027-01-05T10:00:00Z', { value: '49.99' }), // below minValue
      conv('2027-01-05T10:00:00Z', { event: 'SIGNUP' }), // another event
    ]);
    const rated = rate(terms, records, '2027-01');
    expect(rated.lines[0]).toMatchObject({ quantity: '2', amount: '20.00' });
    expect(explanationOf(rated).excluded).toEqual({
      wrongEvent: 1, outsideWindow: 0, ineligible: 3, reversed: 0, held: 0, notReceived: 0, duplicate: 0, overCap: 0,
    });
  });

  it.each([
    // asOf, billable count: a reversal counts once reversedAt ≤ asOf, a hold passes once occurredAt + holdDays ≤ asOf,
    // a record counts once receivedAt ≤ asOf
    ['2027-01-20T09:59:59Z', 1], // cv-held's hold (01-10T10:00 + 10 d = 01-20T10:00) not passed; cv-late not received; cv-rev not yet reversed
    ['2027-01-20T10:00:00Z', 2], // hold passed exactly at asOf
    ['2027-01-25T00:00:00Z', 2], // cv-late received (01-25): +1; cv-rev reversed at 01-25: −1
    ['2027-01-24T23:59:59Z', 2], // neither yet: cv-rev still counts, cv-late not received
  ])('as of %s: %i billable', (asOf, count) => {
    const terms = cpaContract({ holdDays: 10 });
    const records = usage([], [
      conv('2027-01-01T10:00:00Z', { id: 'cv-rev', reversedAt: '2027-01-25T00:00:00Z' }),
      conv('2027-01-10T10:00:00Z', { id: 'cv-held' }),
      conv('2027-01-02T10:00:00Z', { id: 'cv-late', receivedAt: '2027-01-25T00:00:00Z' }),
    ]);
    const rated = rate(terms, records, '2027-01', asOf);
    expect(rated.lines[0]?.quantity ?? '0').toBe(String(count));
  });

  it('duplicates: the first record with an id is the one considered, whatever later ones say', () => {
    const records = usage([], [
      conv('2027-01-05T10:00:00Z', { id: 'a', event: 'SIGNUP' }), // first "a": another event, not billable
      conv('2027-01-06T10:00:00Z', { id: 'a' }), // duplicate: ignored although it would be billable
      conv('2027-01-07T10:00:00Z', { id: 'b' }),
      conv('2027-01-08T10:00:00Z', { id: 'b' }),
    ]);
    const rated = rate(cpaContract(), records, '2027-01');
    expect(rated.lines[0]).toMatchObject({ quantity: '1', amount: '10.00' });
    expect(explanationOf(rated).excluded).toMatchObject({ duplicate: 2, wrongEvent: 1 });
  });

  it('maxConversionsPerPeriod: places in order of occurredAt then id, only for conversions passing rules 1–7', () => {
    const terms = cpaContract({ maxConversionsPerPeriod: 2, payout: { flat: '0', percentOfValue: '10', min: null, max: null } });
    const records = usage([], [
      conv('2027-01-09T10:00:00Z', { id: 'late', value: '900.00' }),
      conv('2027-01-05T10:00:00Z', { id: 'z', value: '200.00' }),
      conv('2027-01-05T10:00:00Z', { id: 'y', value: '100.00' }), // same instant as z: "y" < "z" takes the first place
      conv('2027-01-01T10:00:00Z', { id: 'early-reversed', reversedAt: '2027-01-02T00:00:00Z' }), // no place
    ]);
    const rated = rate(terms, records, '2027-01');
    // places: y (100.00), z (200.00); "late" is over the cap → 10% × 300.00 = 30.00
    expect(rated.lines[0]).toMatchObject({ quantity: '2', amount: '30.00' });
    expect(explanationOf(rated).excluded).toMatchObject({ overCap: 1, reversed: 1 });
  });

  it.each([
    // flat 2.00 + value × 10%, min 5.00, max 30.00
    ['20.00', '5.00'], // 4.00 → min
    ['30.00', '5.00'], // 5.00 = min exactly
    ['150.00', '17.00'],
    ['280.00', '30.00'], // 30.00 = max exactly
    ['500.00', '30.00'], // 52.00 → max
    ['123.45', '14.34'], // 2.00 + 12.345 = 14.345, a tie → HALF_EVEN 14.34
  ])('clamped payout for value %s → %s', (value, amount) => {
    const terms = cpaContract({ payout: { flat: '2.00', percentOfValue: '10', min: '5.00', max: '30.00' } });
    const rated = rate(terms, usage([], [conv('2027-01-05T10:00:00Z', { value })]), '2027-01');
    expect(rated.lines[0]!.amount).toBe(amount);
  });

  it('sums exact payouts and rounds once: 3 × (0.005) = 0.015 → 0.02', () => {
    // flat 0, 0.5% of 1.00 = 0.005 each; per-conversion rounding would give 3 × 0.00 (HALF_EVEN) = 0.00
    const terms = cpaContract({ payout: { flat: '0', percentOfValue: '0.5', min: null, max: null } });
    const records = usage([], [1, 2, 3].map((d) => conv(`2027-01-0${d}T10:00:00Z`, { value: '1.00' })));
    expect(rate(terms, records, '2027-01').lines[0]).toMatchObject({ quantity: '3', amount: '0.02' });
  });

  it('a conversion belongs to the month and version of its local day (America/New_York)', () => {
    const terms = contract({ timezone: 'America/New_York' }, [
      version({ charges: [cpa('purchase')] }),
      version({ effectiveFrom: '2027-03-14', charges: [cpa('purchase', { payout: { flat: '20.00', percentOfValue: '0', min: null, max: null } })] }),
    ]);
    const records = usage([], [
      conv('2027-03-14T04:59:59Z'), // 03-13 23:59:59 EST → v1
      conv('2027-03-14T05:00:00Z'), // 03-14 00:00 EST → v2 (DST starts at 07:00Z the same day)
      conv('2027-04-01T03:59:59Z'), // 03-31 23:59:59 EDT → March, v2
      conv('2027-04-01T04:00:00Z'), // 04-01 00:00 EDT → April
      conv('2027-03-01T04:59:59Z'), // 02-28 23:59:59 EST → February
    ]);
    expect(bare(rate(terms, records, '2027-03'))).toEqual([
      { type: 'USAGE', chargeId: 'purchase', version: 1, quantity: '1', amount: '10.00' },
      { type: 'USAGE', chargeId: 'purchase', version: 2, quantity: '2', amount: '40.00' },
    ]);
    expect(rate(terms, records, '2027-04').lines[0]).toMatchObject({ quantity: '1', amount: '20.00' });
    expect(rate(terms, records, '2027-02').lines[0]).toMatchObject({ quantity: '1', amount: '10.00' });
  });

  it('half-hour zones: Asia/Kolkata (UTC+05:30) days start at 18:30Z', () => {
    const terms = contract({ timezone: 'Asia/Kolkata' }, [version({ charges: [cpa('purchase')] })]);
    const records = usage([], [
      conv('2027-01-31T18:29:59Z'), // 01-31 23:59:59 IST → January
      conv('2027-01-31T18:30:00Z'), // 02-01 00:00 IST → February
    ]);
    expect(rate(terms, records, '2027-01').lines[0]).toMatchObject({ quantity: '1' });
    expect(rate(terms, records, '2027-02').lines[0]).toMatchObject({ quantity: '1' });
  });

  it('explains the payout aggregates', () => {
    const terms = cpaContract({ payout: { flat: '2.00', percentOfValue: '10', min: '5.00', max: '30.00' } });
    const records = usage([], ['20.00', '150.00', '500.00', '123.40'].map((value, i) => conv(`2027-01-0${i + 1}T10:00:00Z`, { value })));
    const explanation = explanationOf(rate(terms, records, '2027-01'));
    // min 5.00 + max 30.00 + (2 × 2.00 + (150.00 + 123.40) × 10%) = 35.00 + 4.00 + 27.34 = 66.34
    expect(explanation).toMatchObject({ atMin: 1, atMax: 1, proportional: 2, proportionalValue: '273.40', exactAmount: '66.34', amount: '66.34' });
  });
});
