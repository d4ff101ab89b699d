import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rateCase } from '../../../shared/domain/billing/rate';
import { DEFAULT_CASES_DIR, runSuite } from '../../../scripts/lib/conformance';
import { contract, imp, rate, usage, version } from './fixtures';

describe('rateCase', () => {
  it('runs in order, each seeing what the earlier ones invoiced; a rejected run invoices nothing', () => {
    const records = usage([imp('2027-01-10', 10_000), imp('2027-01-20', 5000, { receivedAt: '2027-02-05T00:00:00Z' })]);
    const results = rateCase({
      contract: contract(), usage: records,
      runs: [
        { period: '2027-01', asOf: '2027-02-03T00:00:00Z' }, // 10,000 → 100.00
        { period: '2027-13', asOf: '2027-02-06T00:00:00Z' }, // rejected
        { period: '2027-01', asOf: '2027-02-06T00:00:00Z' }, // re-run: +5000, +50.00
      ],
    });
    expect(results.map((r) => (r.ok ? [r.rated.isRerun, r.rated.total] : r.error.kind))).toEqual([[false, '100.00'], 'VALIDATION', [true, '50.00']]);
    expect(results[1]).toMatchObject({ ok: false, error: { details: [{ path: 'period' }] } });
  });

  it('a CONTRACT cap counts adjustments of earlier periods invoiced before the period is billed', () => {
    const terms = contract({}, [version({ budgetCap: { amount: '300.00', scope: 'CONTRACT' } })]);
    const records = usage([imp('2027-01-10', 10_000), imp('2027-01-20', 10_000, { receivedAt: '2027-02-20T00:00:00Z' }), imp('2027-02-10', 15_000)]);
    const results = rateCase({
      contract: terms, usage: records,
      runs: [
        { period: '2027-01', asOf: '2027-02-03T00:00:00Z' }, // 100.00
        { period: '2027-01', asOf: '2027-03-01T00:00:00Z' }, // +100.00 (late usage)
        { period: '2027-02', asOf: '2027-03-03T00:00:00Z' }, // 150.00, room 300.00 − 200.00 = 100.00 → −50.00
      ],
    });
    expect(results.map((r) => (r.ok ? r.rated.total : r.error.code))).toEqual(['100.00', '100.00', '100.00']);
  });

  it('a period outside the term bills nothing; an invisible first version leaves its days unbilled', () => {
    expect(rate(contract({ endDate: '2027-06-30' }), usage([imp('2027-07-10', 1000)]), '2027-07')).toMatchObject({ lines: [], total: '0.00' });
    const late = contract({}, [version({ recordedAt: '2027-03-01T00:00:00Z' })]);
    expect(rate(late, usage([imp('2027-01-10', 1000)]), '2027-01', '2027-02-03T00:00:00Z').lines).toEqual([]);
    expect(rate(late, usage([imp('2027-01-10', 1000)]), '2027-01', '2027-03-01T00:00:00Z').total).toBe('10.00');
  });
});

describe('conformance runner', () => {
  it('passes the shared suite and reports a failing case with its reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cases-'));
    const good = JSON.parse(readFileSync(join(DEFAULT_CASES_DIR, 'cpm-flat-basic.json'), 'utf8'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify(good));
    good.id = 'wrong-total';
    good.runs[0].expect.total = '1.00';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(good));
    writeFileSync(join(dir, 'not-json.json'), '{');
    const outcomes = runSuite(dir);
    expect(outcomes.map((o) => [o.id, o.passed])).toEqual([['wrong-total', false], ['cpm-flat-basic', true], ['not-json', false]]);
    expect(outcomes[0]!.failures).toEqual(['run 1 (2027-01): total 15432.09, expected 1.00']);
    expect(outcomes[2]!.failures[0]).toMatch(/^not JSON/);
  });
});
