/**
 * Invariants of the rating engine over generated contracts and usage: totals add up, each
 * line is within half a minor unit of its exact amount, record order changes nothing, a
 * re-run of unchanged inputs invoices nothing, the rounding modes differ only on ties, and
 * the output is byte-identical for identical input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ratePeriod, rateCase, type RatedPeriod } from '../../shared/domain/billing/rate';
import { Dec, ZERO } from '../../shared/domain/kernel/money';
import type { Charge, ContractTerms, Conversion, Impression, Usage } from '../../shared/domain/terms/types';

const CURRENCIES = [['USD', 2], ['JPY', 0], ['KWD', 3]] as const;

const rateArb = fc.integer({ min: 0, max: 99_999_999 }).map((n) => (n / 1_000_000).toFixed(6).replace(/\.?0+$/, '') || '0');
const pctArb = fc.integer({ min: 0, max: 100_000 }).map((n) => (n / 1000).toFixed(3));

function moneyArb(digits: number, max: number) {
  return fc.integer({ min: 0, max: max * 10 ** digits }).map((n) => (digits === 0 ? String(n) : (n / 10 ** digits).toFixed(digits)));
}

const scenarioArb = fc.constantFrom(...CURRENCIES).chain(([currency, digits]) => {
  const cpmArb = fc.record({
    model: fc.constantFrom('FLAT', 'GRADUATED', 'VOLUME'),
    rate: rateArb,
    rate2: rateArb,
    bound: fc.integer({ min: 1, max: 50_000 }),
    source: fc.constantFrom('FIRST_PARTY', 'THIRD_PARTY'),
  });
  const cpaArb = fc.record({
    flat: moneyArb(digits, 50),
    pct: pctArb,
    min: fc.option(moneyArb(digits, 5), { nil: null }),
    max: fc.option(moneyArb(digits, 500).map((v) => v), { nil: null }),
    cap: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
  });
  return fc.record({
    currency: fc.constant(currency),
    digits: fc.constant(digits),
    zone: fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'),
    rounding: fc.constantFrom('HALF_EVEN' as const, 'HALF_UP' as const),
    cpm: cpmArb,
    cpa: cpaArb,
    cap: fc.option(moneyArb(digits, 2000), { nil: null }),
    minimum: fc.option(moneyArb(digits, 2000), { nil: null }),
    commission: fc.option(pctArb, { nil: null }),
    impressions: fc.array(fc.record({
      day: fc.integer({ min: 1, max: 31 }), count: fc.integer({ min: 0, max: 40_000 }),
      third: fc.boolean(), partner: fc.constantFrom('pub-1', 'pub-2', null),
    }), { maxLength: 12 }),
    conversions: fc.array(fc.record({
      minute: fc.integer({ min: 0, max: 31 * 24 * 60 - 1 }), lagMinutes: fc.integer({ min: -60, max: 9 * 24 * 60 }),
      value: moneyArb(digits, 400), id: fc.integer({ min: 0, max: 15 }), event: fc.constantFrom('PURCHASE', 'SIGNUP'),
      partner: fc.constantFrom('aff-1', null), reversed: fc.boolean(),
    }), { maxLength: 15 }),
  });
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function build(s: Scenario): { contract: ContractTerms; usage: Usage } {
  const tiers = [{ upTo: s.cpm.bound, rate: s.cpm.rate }, { upTo: null, rate: s.cpm.rate2 }];
  const min = s.cpa.min;
  const max = s.cpa.max !== null && min !== null && Number(s.cpa.max) < Number(min) ? min : s.cpa.max;
  const charges: Charge[] = [
    {
      id: 'display', kind: 'CPM', billableSource: s.cpm.source,
      pricing: s.cpm.model === 'FLAT' ? { model: 'FLAT', rate: s.cpm.rate } : { model: s.cpm.model, tiers },
      discrepancyThresholdPct: '5',
    },
    {
      id: 'purchase', kind: 'CPA', event: 'PURCHASE', payout: { flat: s.cpa.flat, percentOfValue: s.cpa.pct, min, max },
      attributionWindowDays: 7, eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0, maxConversionsPerPeriod: s.cpa.cap,
    },
  ];
  const contract: ContractTerms = {
    currency: s.currency, timezone: s.zone, startDate: '2027-03-01', endDate: '2027-12-31', rounding: s.rounding,
    versions: [{
      effectiveFrom: '2027-03-01', charges,
      minimumCommitment: s.minimum === null ? null : { amount: s.minimum, prorate: true },
      budgetCap: s.cap === null ? null : { amount: s.cap, scope: 'PERIOD' },
      agencyCommissionPct: s.commission,
      partners: [
        { partnerId: 'pub-1', chargeIds: ['display'], percentOfRevenue: '33.333' },
        { partnerId: 'aff-1', chargeIds: ['purchase'], percentOfRevenue: '12.5' },
      ],
    }],
  };
  const march = Date.UTC(2027, 2, 1);
  const impressions: Impression[] = s.impressions.map((r) => ({
    date: `2027-03-${String(r.day).padStart(2, '0')}`, chargeId: 'display', count: r.count,
    source: r.third ? 'THIRD_PARTY' : 'FIRST_PARTY', partnerId: r.partner,
  }));
  const conversions: Conversion[] = s.conversions.map((c) => {
    const occurred = march + c.minute * 60_000;
    return {
      id: `cv-${c.id}`, event: c.event, occurredAt: iso(occurred), exposureAt: iso(occurred - c.lagMinutes * 60_000), value: c.value,
      geo: 'US', newCustomer: true, partnerId: c.partner, reversedAt: c.reversed ? iso(occurred + 86_400_000) : null,
    };
  });
  return { contract, usage: { impressions, conversions } };
}

const NO_PRIOR = { lines: [], payouts: [] };
const AS_OF = '2027-04-01T12:00:00Z';

function rateScenario(s: Scenario, usage?: Usage): RatedPeriod {
  const { contract, usage: generated } = build(s);
  return ratePeriod({ contract, usage: usage ?? generated, period: '2027-03', asOf: AS_OF, prior: NO_PRIOR });
}

/** Deterministic shuffle driven by fast-check's seed. */
function permute<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const RUNS = { numRuns: 150 };

describe('rating invariants', () => {
  it('lines sum to the subtotal (without commission) and the total (all lines)', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const rated = rateScenario(s);
      const sum = (lines: RatedPeriod['lines']) => lines.reduce((acc, l) => acc.plus(Dec(l.amount)), ZERO);
      expect(Dec(rated.total).eq(sum(rated.lines))).toBe(true);
      expect(Dec(rated.subtotal).eq(sum(rated.lines.filter((l) => l.type !== 'AGENCY_COMMISSION')))).toBe(true);
    }), RUNS);
  });

  it('each USAGE line is within half a minor unit of its exact amount', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const half = Dec('0.5').times(Dec(`1e-${s.digits}`));
      for (const line of rateScenario(s).lines) {
        const explanation = line.explanation as { exactAmount: string };
        if (!/^-?\d+(\.\d+)?$/.test(explanation.exactAmount)) continue; // a fraction: checked by the money tests
        expect(Dec(line.amount).minus(Dec(explanation.exactAmount)).abs().lte(half)).toBe(true);
        expect(line.amount.split('.')[1]?.length ?? 0).toBe(s.digits);
      }
    }), RUNS);
  });

  it('permuting impressions changes nothing; permuting conversions with distinct ids changes nothing, payouts included', () => {
    fc.assert(fc.property(scenarioArb, fc.integer(), (s, seed) => {
      const { usage } = build(s);
      // Duplicate ids make order meaningful (the first record counts): keep each id's first record only.
      const seen = new Set<string>();
      const distinct = usage.conversions.filter((c) => !seen.has(c.id) && seen.add(c.id));
      const original = rateScenario(s, { impressions: usage.impressions, conversions: distinct });
      const shuffled = rateScenario(s, { impressions: permute(usage.impressions, seed), conversions: permute(distinct, seed + 1) });
      expect(JSON.stringify(shuffled)).toBe(JSON.stringify(original));
    }), RUNS);
  });

  it('a re-run with unchanged inputs yields no lines and a zero total', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const { contract, usage } = build(s);
      const results = rateCase({ contract, usage, runs: [{ period: '2027-03', asOf: AS_OF }, { period: '2027-03', asOf: AS_OF }] });
      const second = results[1]!;
      expect(second.ok).toBe(true);
      if (!second.ok) return;
      expect(second.rated.lines).toEqual([]);
      expect(Dec(second.rated.total).eq(ZERO)).toBe(true);
      expect(second.rated.partnerPayouts).toEqual([]);
    }), RUNS);
  });

  it('HALF_EVEN and HALF_UP differ only on exact ties, by one minor unit', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const even = rateScenario({ ...s, rounding: 'HALF_EVEN', cap: null, minimum: null, commission: null });
      const up = rateScenario({ ...s, rounding: 'HALF_UP', cap: null, minimum: null, commission: null });
      expect(even.lines.length).toBe(up.lines.length);
      const unit = Dec(`1e-${s.digits}`);
      even.lines.forEach((line, i) => {
        const other = up.lines[i]!;
        const exact = Dec((line.explanation as { exactAmount: string }).exactAmount);
        const tie = exact.times(Dec(`1e${s.digits}`)).mod(Dec('1')).abs().eq(Dec('0.5'));
        if (tie) expect(Dec(other.amount).minus(Dec(line.amount)).abs().eq(unit)).toBe(true);
        else expect(other.amount).toBe(line.amount);
      });
    }), RUNS);
  });

  it('identical input gives byte-identical output', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      expect(JSON.stringify(rateScenario(s))).toBe(JSON.stringify(rateScenario(structuredClone(s))));
    }), { numRuns: 50 });
  });
});
