import { describe, expect, it } from 'vitest';
import { matchExpectation } from '../../../shared/domain/billing/expect';
import type { CaseRunResult, RatedLine } from '../../../shared/domain/billing/rate';

const explanation = { kind: 'AGENCY_COMMISSION', version: 1, commissionPct: '0', base: '0', exactAmount: '0', rounding: 'HALF_EVEN', amount: '0' } as const;

function line(extra: Partial<RatedLine>): RatedLine {
  return { type: 'USAGE', chargeId: 'a', version: 1, quantity: '1', amount: '1.00', explanation, ...extra };
}

function result(lines: RatedLine[], extra: Partial<Extract<CaseRunResult, { ok: true }>['rated']> = {}): CaseRunResult {
  return {
    ok: true, period: '2027-01', asOf: '2027-02-01T00:00:00Z',
    rated: { period: '2027-01', currency: 'USD', isRerun: false, lines, subtotal: '1.00', total: '1.00', partnerPayouts: [], partnerPayoutsByCharge: [], flags: [], ...extra },
  };
}

describe('expect matching', () => {
  it('matches lines on the fields given; amounts exactly as strings', () => {
    expect(matchExpectation(result([line({})]), { lines: [{ type: 'USAGE', amount: '1.00' }] })).toEqual([]);
    expect(matchExpectation(result([line({})]), { lines: [{ type: 'USAGE', amount: '1.0' }] })).toHaveLength(1);
  });

  it('takes the first unused candidate line', () => {
    const lines = [line({ chargeId: 'a', amount: '1.00' }), line({ chargeId: 'a', amount: '2.00' })];
    // greedy, in order: {chargeId a} takes the 1.00 line, so {amount 1.00} finds none and 2.00 is left over
    expect(matchExpectation(result(lines), { lines: [{ chargeId: 'a' }, { chargeId: 'a', amount: '1.00' }], linesExhaustive: true })).toHaveLength(2);
    expect(matchExpectation(result(lines), { lines: [{ chargeId: 'a', amount: '1.00' }, { chargeId: 'a' }], linesExhaustive: true })).toEqual([]);
  });

  it('an expected zero line matches a line left out; exhaustive ignores zero lines', () => {
    expect(matchExpectation(result([line({ amount: '0.00', quantity: '0' })]), { lines: [{ type: 'MINIMUM_TRUE_UP', amount: '0.00' }], linesExhaustive: true })).toEqual([]);
    expect(matchExpectation(result([line({})]), { lines: [], linesExhaustive: true })).toHaveLength(1);
  });

  it('compares payouts and flags as sets, zero entries ignored', () => {
    const rated = result([], { partnerPayouts: [{ partnerId: 'b', amount: '2.00' }, { partnerId: 'a', amount: '0.00' }], flags: ['DISCREPANCY'] });
    expect(matchExpectation(rated, { partnerPayouts: [{ partnerId: 'b', amount: '2.00' }, { partnerId: 'c', amount: '0.00' }], flags: ['DISCREPANCY'] })).toEqual([]);
    expect(matchExpectation(rated, { flags: [] })).toHaveLength(1);
  });

  it('an expected error needs a rejected run, and an unexpected error fails', () => {
    const rejected: CaseRunResult = { ok: false, period: '2027-01', asOf: 'x', error: { kind: 'VALIDATION', code: 'c', message: 'm', details: [] } };
    expect(matchExpectation(rejected, { error: 'VALIDATION' })).toEqual([]);
    expect(matchExpectation(rejected, { total: '0.00' })).toHaveLength(1);
    expect(matchExpectation(result([]), { error: 'VALIDATION' })).toHaveLength(1);
  });
});
