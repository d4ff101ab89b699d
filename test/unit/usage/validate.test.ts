import { describe, expect, it } from 'vitest';
import { chargeIndex, USAGE_DAY_MARGIN_DAYS, validateConversion, validateImpression } from '../../../shared/domain/usage/validate';
import { parseConversion, parseImpression } from '../../../shared/schemas/usage';
import { conversion, impression, usageContract } from './fixtures';

const check = {
  impression: (overrides: Parameters<typeof impression>[0], contract = usageContract()) =>
    validateImpression(impression(overrides), contract, chargeIndex(contract)),
  conversion: (overrides: Parameters<typeof conversion>[0], contract = usageContract()) =>
    validateConversion(conversion(overrides), contract, chargeIndex(contract)),
};

describe('impression rules', () => {
  it('accepts a CPM charge of the approved version in effect on the day', () => {
    expect(check.impression({})).toEqual([]);
    expect(check.impression({ chargeId: 'ctv-sports', date: '2027-07-01' })).toEqual([]);
    // After endDate the last version still judges the record (the run checks it, does not bill it).
    expect(check.impression({ chargeId: 'ctv-sports', date: '2028-01-10' })).toEqual([]);
  });

  it("rejects a charge the version in effect on the day does not have: the billing run would refuse the contract's period", () => {
    expect(check.impression({ chargeId: 'ctv-sports', date: '2027-05-31' })).toEqual([
      { path: 'chargeId', message: expect.stringContaining('not in the approved terms in effect on 2027-05-31 (effective from 2027-01-01)') },
    ]);
  });

  it('ignores open drafts once terms are approved, but takes them before any approval', () => {
    const versions = [
      { effectiveFrom: '2027-01-01', approved: true, charges: [{ id: 'ctv-premium', kind: 'CPM' as const }] },
      { effectiveFrom: '2027-06-01', approved: false, charges: [{ id: 'ctv-sports', kind: 'CPM' as const }] },
    ];
    expect(check.impression({ chargeId: 'ctv-sports', date: '2027-07-01' }, usageContract({ versions }))).toHaveLength(1);
    const draft = versions.map((v) => ({ ...v, approved: false }));
    expect(check.impression({ chargeId: 'ctv-sports', date: '2027-02-01' }, usageContract({ versions: draft }))).toEqual([]);
  });

  it('only needs a known charge before the start, where no version bills', () => {
    expect(check.impression({ chargeId: 'ctv-sports', date: '2026-12-31' })).toEqual([]);
  });

  it('rejects a charge the contract does not have, and a CPA charge', () => {
    expect(check.impression({ chargeId: 'nope' })).toEqual([{ path: 'chargeId', message: expect.stringContaining('no charge "nope"') }]);
    expect(check.impression({ chargeId: 'purchase' })).toEqual([{ path: 'chargeId', message: expect.stringContaining('not a CPM or CPCV charge') }]);
  });

  it('accepts a CPCV charge (its completed views are billed)', () => {
    const contract = usageContract({ versions: [{ effectiveFrom: '2027-01-01', approved: true, charges: [{ id: 'views', kind: 'CPCV' }] }] });
    expect(check.impression({ chargeId: 'views', completedViews: 10 }, contract)).toEqual([]);
  });

  it("ignores a rejected version's charges (the view drops them)", () => {
    const contract = usageContract({ versions: [{ effectiveFrom: '2027-01-01', approved: true, charges: [{ id: 'ctv-premium', kind: 'CPM' }] }] });
    expect(check.impression({ chargeId: 'ctv-sports' }, contract)).toHaveLength(1);
  });

  it(`accepts days up to ${USAGE_DAY_MARGIN_DAYS} days outside the term and rejects farther ones`, () => {
    expect(check.impression({ date: '2026-01-01' })).toEqual([]);
    expect(check.impression({ date: '2028-12-31' })).toEqual([]);
    expect(check.impression({ date: '2025-12-30' })).toEqual([{ path: 'date', message: expect.stringContaining('outside the contract') }]);
    expect(check.impression({ date: '2029-01-01' })).toEqual([{ path: 'date', message: expect.stringContaining('outside the contract') }]);
  });
});

describe('conversion rules', () => {
  it("limits the value to the currency's minor digits, counted as written", () => {
    expect(check.conversion({ value: '120.50' })).toEqual([]);
    expect(check.conversion({ value: '120' })).toEqual([]);
    expect(check.conversion({ value: '1.500' })).toEqual([{ path: 'value', message: expect.stringContaining('USD amounts carry at most 2') }]);
    expect(check.conversion({ value: '1.5' }, usageContract({ currency: 'JPY' }))).toHaveLength(1);
    expect(check.conversion({ value: '1.500' }, usageContract({ currency: 'KWD' }))).toEqual([]);
  });

  it("bounds occurredAt by its day in the contract's zone", () => {
    // 2025-12-31T04:00Z is still Dec 30 in New York: 367 days before the start.
    expect(check.conversion({ occurredAt: '2025-12-31T04:00:00Z' })).toEqual([{ path: 'occurredAt', message: expect.any(String) }]);
    expect(check.conversion({ occurredAt: '2025-12-31T06:00:00Z' })).toEqual([]);
  });

  it('does not require the event to match a charge (such a conversion is simply not billable)', () => {
    expect(check.conversion({ event: 'SIGNUP' })).toEqual([]);
  });

  it('rejects a record reversed before it occurred', () => {
    expect(check.conversion({ reversedAt: '2027-01-04T00:00:00Z' })).toEqual([{ path: 'reversedAt', message: expect.any(String) }]);
    expect(check.conversion({ reversedAt: '2027-01-06T00:00:00Z' })).toEqual([]);
  });
});

describe('record shape check', () => {
  it('returns relative field paths, one per unknown field', () => {
    const parsed = parseImpression({ date: '2027-02-30', chargeId: 'x', count: -1, source: 'FIRST_PARTY', extra: 1 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.path).sort()).toEqual(['count', 'date', 'extra']);
  });

  it('keeps money a string and rejects a number', () => {
    const parsed = parseConversion({ ...conversion(), value: 120 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]!.path).toBe('value');
  });

  it('reports a record that is not an object at the record itself', () => {
    const parsed = parseImpression('nope');
    expect(parsed).toEqual({ ok: false, errors: [{ path: '', message: expect.any(String) }] });
  });
});
