import Big from 'big.js';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { INITIAL_JS_BUDGET_BYTES, initialJavaScript, pageChunkKey, type ViteManifest } from '../../../scripts/lib/web-bundle-size';
import { requirementText, secondApproverReason } from '../../../web/src/lib/approval';
import { addDecimals, compareDecimals, cumulativeDecimals } from '../../../web/src/lib/money';
import { lastDayOfPeriod, spendChartPoints } from '../../../web/src/lib/spend';
import type { Spend } from '../../../web/src/app/types';

const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 22n), max: 10n ** 22n }), fc.integer({ min: 0, max: 6 }))
  .map(([units, scale]) => {
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative ? `-${text}` : text;
  });

describe('decimal strings added and compared exactly', () => {
  it('adds without a JS number in between', () => {
    expect(addDecimals('0.10', '0.20')).toBe('0.30');
    expect(addDecimals('9007199254740993', '1')).toBe('9007199254740994');
    expect(addDecimals('1.5', '-2.25')).toBe('-0.75');
    expect(addDecimals()).toBe('0');
    expect(cumulativeDecimals(['1.50', '2', '-0.5'])).toEqual(['1.50', '3.50', '3.00']);
  });

  it('agrees with big.js on any decimals (property)', () => {
    fc.assert(
      fc.property(fc.array(decimal, { maxLength: 8 }), (amounts) => {
        const expected = amounts.reduce((sum, a) => sum.plus(a), new Big(0));
        expect(new Big(addDecimals(...amounts)).eq(expected)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        expect(compareDecimals(a, b)).toBe(new Big(a).cmp(b));
      }),
    );
  });
});

describe('the approval policy in words', () => {
  const dual = { approvals: 2, financeRequired: true, committedValue: '150000.00', threshold: '100000.00' };
  it('says why a second approver is needed: the committed value, the impact, or no threshold', () => {
    expect(requirementText(dual, 'USD')).toBe(
      'Needs 2 approvals by different people, one of them finance: the committed value 150,000.00 USD is at or above the threshold of 100,000.00 USD.',
    );
    expect(secondApproverReason({ ...dual, committedValue: '2000.00' }, 'USD', '-120000.00')).toBe('the policy in force when it was submitted required it (threshold 100,000.00 USD)');
    expect(secondApproverReason({ ...dual, committedValue: '2000.00' }, 'USD', '120000.00')).toBe(
      'the change to invoiced periods (120,000.00 USD in absolute value) is at or above the threshold of 100,000.00 USD',
    );
    expect(secondApproverReason({ ...dual, threshold: null }, 'JPY')).toBe('JPY has no approval threshold, so the stricter rule applies to every change');
  });

  it('needs one approval below the threshold, and says nothing without a requirement', () => {
    expect(requirementText({ approvals: 1, financeRequired: false, committedValue: '24000', threshold: '100000.00' }, 'USD')).toBe(
      'Needs 1 approval (committed value 24,000.00 USD, below the threshold of 100,000.00 USD).',
    );
    expect(requirementText(null, 'USD')).toBeNull();
  });
});

describe('spend chart marks', () => {
  const spend = (days: Spend['days'], period = '2026-06'): Spend => ({
    contractId: 'C1',
    period,
    currency: 'USD',
    asOf: '2026-06-12T00:00:00Z',
    charges: [],
    days,
    total: '0',
    guaranteeCredit: null,
    credits: [],
    creditTotal: '0.00',
    budgetCap: '5000.00',
    remaining: null,
    minimum: null,
    shortfall: null,
    projectedTotal: '6000.00',
    capReachedOn: null,
  });

  it('knows the last day of any month, leap years included', () => {
    expect(lastDayOfPeriod('2026-06')).toBe('2026-06-30');
    expect(lastDayOfPeriod('2028-02')).toBe('2028-02-29');
    expect(lastDayOfPeriod('2026-12')).toBe('2026-12-31');
  });

  it('draws the running total from exact sums and the projection from the last day to the period end', () => {
    const points = spendChartPoints(spend([
      { date: '2026-06-01', quantity: '1000', amount: '0.10' },
      { date: '2026-06-02', quantity: '2000', amount: '0.20' },
    ]));
    expect(points).toEqual([
      { date: '01', daily: 0.1, cumulative: 0.1 },
      { date: '02', daily: 0.2, cumulative: 0.3, projection: 0.3 },
      { date: '30', projection: 6000 },
    ]);
    expect(spendChartPoints(spend([]))).toEqual([]);
  });
});

describe('initial JavaScript from the build manifest', () => {
  function fakeDist(manifest: ViteManifest, sizes: Record<string, number>): string {
    const dist = mkdtempSync(join(tmpdir(), 'web-dist-'));
    mkdirSync(join(dist, '.vite'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, '.vite', 'manifest.json'), JSON.stringify(manifest));
    // Random bytes do not compress: their gzip is about their size.
    for (const [file, size] of Object.entries(sizes)) writeFileSync(join(dist, file), Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919 + size) % 251)));
    return dist;
  }
  const manifest: ViteManifest = {
    'index.html': { file: 'assets/index.js', isEntry: true, imports: ['_vendor.js'], dynamicImports: ['src/pages/SignIn.tsx', '_ContractsList.js', 'src/pages/Big.tsx'] },
    '_vendor.js': { file: 'assets/vendor.js' },
    'src/pages/SignIn.tsx': { file: 'assets/SignIn.js', imports: ['index.html', '_Field.js'], isDynamicEntry: true },
    '_Field.js': { file: 'assets/Field.js', imports: ['index.html'] },
    '_ContractsList.js': { file: 'assets/ContractsList.js', name: 'ContractsList', isDynamicEntry: true, imports: ['index.html', '_Field.js'] },
    'src/pages/Big.tsx': { file: 'assets/Big.js', isDynamicEntry: true, imports: ['index.html'] },
    'index.css': { file: 'assets/index.css' },
  };

  it('counts the entry, its static imports and the first page, never a lazily loaded page', () => {
    const dist = fakeDist(manifest, { 'assets/index.js': 3000, 'assets/vendor.js': 2000, 'assets/SignIn.js': 500, 'assets/Field.js': 400, 'assets/ContractsList.js': 800, 'assets/Big.js': 9000 });
    const gz = (file: string, size: number) => gzipSync(Buffer.from(Array.from({ length: size }, (_, i) => (i * 7919 + size) % 251)), { level: 9 }).length;
    const [signIn, first] = initialJavaScript(dist);
    expect(signIn!.files).toEqual(['assets/Field.js', 'assets/SignIn.js', 'assets/index.js', 'assets/vendor.js']);
    expect(signIn!.gzipBytes).toBe(gz('i', 3000) + gz('v', 2000) + gz('s', 500) + gz('f', 400));
    expect(first!.files).toEqual(['assets/ContractsList.js', 'assets/Field.js', 'assets/index.js', 'assets/vendor.js']);
    expect(first!.files).not.toContain('assets/Big.js');
    expect(pageChunkKey(manifest, 'src/pages/ContractsList.tsx')).toBe('_ContractsList.js');
    expect(() => pageChunkKey(manifest, 'src/pages/Nowhere.tsx')).toThrow('no chunk for src/pages/Nowhere.tsx');
    expect(INITIAL_JS_BUDGET_BYTES).toBe(250_000);
  });
});
