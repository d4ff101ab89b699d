/**
 * Invariants of the v2 deal structures (FORMAT.md "Version 2") over generated contracts:
 * CPA payout tiers, partner overrides, touch attribution with several partners per id, CPCV,
 * performance guarantees and credits, mixed with caps, minimums and commission.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ratePeriod, ratePeriodFromPages, type RatedPeriod } from '../../shared/domain/billing/rate';
import { Dec, ZERO } from '../../shared/domain/kernel/money';
import type { Attribution, Charge, ContractTerms, Conversion, CpaPayout, Impression, Usage } from '../../shared/domain/terms/types';
import { withDecodedConversion, withDecodedImpression } from '../../shared/domain/usage/decode';

const money = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((n) => (n / 100).toFixed(2));
const pct = fc.integer({ min: 0, max: 30_000 }).map((n) => (n / 1000).toFixed(3));
const PARTNERS = ['aff-1', 'aff-2', 'aff-3'] as const;

const payoutArb = fc.record({ flat: money(40), pct, min: fc.option(money(5), { nil: null }), max: fc.option(money(80), { nil: null }) });

const scenarioArb = fc.record({
  rounding: fc.constantFrom('HALF_EVEN' as const, 'HALF_UP' as const),
  zone: fc.constantFrom('UTC', 'America/New_York'),
  tierModel: fc.constantFrom('GRADUATED' as const, 'VOLUME' as const, null),
  tiers: fc.array(fc.record({ size: fc.integer({ min: 1, max: 4 }), payout: payoutArb }), { minLength: 1, maxLength: 3 }),
  payout: payoutArb,
  override: fc.option(payoutArb, { nil: null }),
  attribution: fc.constantFrom<Attribution>('FIRST_RECORD', 'LAST_TOUCH', 'FIRST_TOUCH'),
  maxConversions: fc.option(fc.integer({ min: 0, max: 8 }), { nil: null }),
  cpcvTiers: fc.boolean(),
  guarantee: fc.option(money(300), { nil: null }),
  cap: fc.option(money(3000), { nil: null }),
  minimum: fc.option(money(3000), { nil: null }),
  commission: fc.option(pct, { nil: null }),
  credits: fc.array(money(500).filter((a) => Number(a) > 0), { maxLength: 2 }),
  impressions: fc.array(fc.record({
    day: fc.integer({ min: 1, max: 31 }), count: fc.integer({ min: 0, max: 50_000 }), viewsPct: fc.integer({ min: 0, max: 100 }),
    charge: fc.constantFrom('display', 'views'), third: fc.boolean(), partner: fc.constantFrom('pub-1', 'pub-2', null),
  }), { maxLength: 10 }),
  // Conversions: ids 0..11; each id has 1–3 touches from different partners, sharing occurredAt, event and value.
  conversions: fc.array(fc.record({
    minute: fc.integer({ min: 0, max: 31 * 24 * 60 - 1 }), value: money(300), event: fc.constantFrom('PURCHASE', 'SIGNUP'),
    touches: fc.array(fc.record({
      lagMinutes: fc.integer({ min: -60, max: 9 * 24 * 60 }), partner: fc.constantFrom(...PARTNERS, null),
      reversed: fc.boolean(), late: fc.boolean(),
    }), { minLength: 1, maxLength: 3 }),
  }), { maxLength: 12 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function payout(p: Scenario['payout']): CpaPayout {
  const max = p.max !== null && p.min !== null && Number(p.max) < Number(p.min) ? p.min : p.max;
  return { flat: p.flat, percentOfValue: p.pct, min: p.min, max };
}

const AS_OF = '2027-04-01T12:00:00Z';
const LATE = '2027-05-01T00:00:00Z';

function build(s: Scenario): { contract: ContractTerms; usage: Usage } {
  let upTo = 0;
  const tiers = s.tiers.map((t, i) => {
    upTo += t.size;
    return { upTo: i === s.tiers.length - 1 ? null : upTo, payout: payout(t.payout) };
  });
  const purchase: Charge = {
    id: 'purchase', kind: 'CPA', event: 'PURCHASE',
    ...(s.tierModel === null ? { payout: payout(s.payout) } : { payoutTiers: { model: s.tierModel, tiers } }),
    partnerOverrides: s.override === null ? [] : [{ partnerIds: ['aff-2'], payout: payout(s.override) }],
    attribution: s.attribution,
    attributionWindowDays: 7, eligibility: { geos: null, newCustomersOnly: false, minValue: null }, holdDays: 0,
    maxConversionsPerPeriod: s.maxConversions,
  };
  const charges: Charge[] = [
    { id: 'display', kind: 'CPM', billableSource: 'FIRST_PARTY', pricing: { model: 'FLAT', rate: '12.5' } },
    {
      id: 'views', kind: 'CPCV', billableSource: 'FIRST_PARTY',
      pricing: s.cpcvTiers ? { model: 'GRADUATED', tiers: [{ upTo: 10_000, rate: '0.03' }, { upTo: null, rate: '0.021' }] } : { model: 'FLAT', rate: '0.025' },
    },
    purchase,
  ];
  const contract: ContractTerms = {
    currency: 'USD', timezone: s.zone, startDate: '2027-03-01', endDate: '2027-12-31', rounding: s.rounding,
    versions: [{
      effectiveFrom: '2027-03-01', charges,
      minimumCommitment: s.minimum === null ? null : { amount: s.minimum, prorate: false },
      budgetCap: s.cap === null ? null : { amount: s.cap, scope: 'PERIOD' },
      agencyCommissionPct: s.commission,
      partners: [
        { partnerId: 'pub-1', chargeIds: ['display', 'views'], percentOfRevenue: '33.333' },
        { partnerId: 'aff-1', chargeIds: ['purchase'], percentOfRevenue: '12.5' },
        { partnerId: 'aff-2', chargeIds: ['purchase'], flatPerConversion: '3.00' },
        { partnerId: 'aff-3', chargeIds: ['purchase'], percentOfRevenue: '40' },
      ],
      performanceGuarantee: s.guarantee === null ? null : { maxCostPerConversion: s.guarantee, mediaChargeIds: ['display', 'views'], conversionChargeIds: ['purchase'] },
    }],
    credits: s.credits.map((amount, i) => ({ id: `cr-${i}`, period: '2027-03', amount, reason: 'MAKE_GOOD' as const })),
  };
  const impressions: Impression[] = s.impressions.map((r) => ({
    date: `2027-03-${String(r.day).padStart(2, '0')}`, chargeId: r.charge, count: r.count, completedViews: Math.floor((r.count * r.viewsPct) / 100),
    source: r.third ? 'THIRD_PARTY' : 'FIRST_PARTY', partnerId: r.partner,
  }));
  const march = Date.UTC(2027, 2, 1);
  const conversions: Conversion[] = [];
  s.conversions.forEach((c, id) => {
    const occurred = march + c.minute * 60_000;
    c.touches.forEach((t, k) => {
      conversions.push({
        id: `cv-${id}`, event: c.event, occurredAt: iso(occurred),
        // Touches of one id never share an exposure instant, so no tie makes record order matter.
        exposureAt: iso(occurred - t.lagMinutes * 60_000 - k * 1000), value: c.value,
        geo: 'US', newCustomer: true, partnerId: t.partner, reversedAt: t.reversed ? iso(occurred + 86_400_000) : null,
        receivedAt: t.late ? LATE : null,
      });
    });
  });
  return { contract, usage: { impressions, conversions } };
}

function rate(contract: ContractTerms, usage: Usage, asOf = AS_OF): RatedPeriod {
  return ratePeriod({ contract, usage, period: '2027-03', asOf, prior: { lines: [], payouts: [] } });
}

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

const usageAmount = (rated: RatedPeriod, chargeId: string) => {
  const line = rated.lines.find((l) => l.type === 'USAGE' && l.chargeId === chargeId);
  return line === undefined ? ZERO : Dec(line.amount);
};

const RUNS = { numRuns: 150 };

describe('rating invariants, v2 deal structures', () => {
  it('lines sum to the subtotal (all but AGENCY_COMMISSION) and to the total, and come in the v2 order', () => {
    const order = ['USAGE', 'GUARANTEE_CREDIT', 'CAP_ADJUSTMENT', 'MINIMUM_TRUE_UP', 'CREDIT', 'AGENCY_COMMISSION'];
    fc.assert(fc.property(scenarioArb, (s) => {
      const { contract, usage } = build(s);
      const rated = rate(contract, usage);
      const sum = (lines: RatedPeriod['lines']) => lines.reduce((acc, l) => acc.plus(Dec(l.amount)), ZERO);
      expect(Dec(rated.total).eq(sum(rated.lines))).toBe(true);
      expect(Dec(rated.subtotal).eq(sum(rated.lines.filter((l) => l.type !== 'AGENCY_COMMISSION')))).toBe(true);
      const positions = rated.lines.map((l) => order.indexOf(l.type));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }), RUNS);
  });

  it('permuting the records, touches included, changes nothing (explanations and payouts included)', () => {
    fc.assert(fc.property(scenarioArb, fc.integer(), (s, seed) => {
      // FIRST_RECORD makes the order of an id's records meaningful by definition (rule 7).
      const touchScenario = { ...s, attribution: s.attribution === 'FIRST_RECORD' ? 'LAST_TOUCH' as const : s.attribution };
      const { contract, usage } = build(touchScenario);
      const original = rate(contract, usage);
      const shuffled = rate(contract, { impressions: permute(usage.impressions, seed), conversions: permute(usage.conversions, seed + 1) });
      expect(JSON.stringify(shuffled)).toBe(JSON.stringify(original));
    }), RUNS);
  });

  it('records decoded at ingestion (usage/decode.ts) rate exactly as their text, any mix of both, values of any scale', () => {
    fc.assert(fc.property(scenarioArb, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.array(fc.constantFrom(0, 1, 2), { minLength: 40, maxLength: 40 }), (s, decodeIt, trim) => {
      const { contract, usage } = build(s);
      // Values as short as they can be written ("12.50" -> "12.5", "12.00" -> "12"), some of them.
      const shorten = (value: string, k: number) => (k === 0 ? value : k === 1 ? value.replace(/0$/, '') : value.replace(/\.?0+$/, '') || '0');
      const text: Usage = { impressions: usage.impressions, conversions: usage.conversions.map((c, i) => ({ ...c, value: shorten(c.value, trim[i % 40]!) })) };
      const stored: Usage = JSON.parse(JSON.stringify({
        impressions: text.impressions.map((r, i) => (decodeIt[i % 40] ? withDecodedImpression({ ...r, receivedAt: AS_OF }) : { ...r, receivedAt: AS_OF })),
        conversions: text.conversions.map((c, i) => (decodeIt[(i + 7) % 40] ? withDecodedConversion(c) : c)),
      })) as Usage;
      const textWithReceipt: Usage = { impressions: text.impressions.map((r) => ({ ...r, receivedAt: AS_OF })), conversions: text.conversions };
      expect(JSON.stringify(rate(contract, stored))).toBe(JSON.stringify(rate(contract, textWithReceipt)));
      // A later asOf too (another run sees other holds and reversals).
      expect(JSON.stringify(rate(contract, stored, LATE))).toBe(JSON.stringify(rate(contract, textWithReceipt, LATE)));
    }), RUNS);
  });

  it('rating from pages (ratePeriodFromPages) gives the rated period of the whole usage, byte for byte, however it is cut', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (s, impCuts, convCuts, decoded) => {
      const { contract, usage: text } = build(s);
      const usage: Usage = decoded ? { impressions: text.impressions.map(withDecodedImpression), conversions: text.conversions.map(withDecodedConversion) } : text;
      const cut = <T>(records: readonly T[], at: number[]): T[][] => {
        const points = [...new Set(at.map((n) => n % (records.length + 1)))].sort((x, y) => x - y);
        const parts: T[][] = [];
        let from = 0;
        for (const p of [...points, records.length]) {
          parts.push(records.slice(from, p));
          from = p;
        }
        return parts;
      };
      const impressionPages = cut(usage.impressions, impCuts);
      const conversionPages = cut(usage.conversions, convCuts);
      // Pages of both kinds, some empty, interleaved as a store's shards may give them.
      const pages = Array.from({ length: Math.max(impressionPages.length, conversionPages.length) }, (_, k) => ({
        impressions: impressionPages[k] ?? [], conversions: conversionPages[k] ?? [],
      }));
      for (const asOf of [AS_OF, LATE]) {
        const request = { contract, period: '2027-03', asOf, prior: { lines: [], payouts: [] } };
        const whole = JSON.stringify(ratePeriod({ ...request, usage }));
        expect(JSON.stringify(await ratePeriodFromPages(request, pages))).toBe(whole);
      }
    }), RUNS);
  });

  it('rating from pages rejects invalid usage with the same error as the whole usage', async () => {
    const { contract, usage } = build({ ...fc.sample(scenarioArb, { numRuns: 1, seed: 7 })[0]!, conversions: [{ minute: 5, value: '1.00', event: 'PURCHASE', touches: [{ lagMinutes: 1, partner: null, reversed: false, late: false }] }] });
    const bad: Usage = { impressions: usage.impressions, conversions: [...usage.conversions, { ...usage.conversions[0]!, id: 'cv-bad', occurredAt: 'not an instant' }, { ...usage.conversions[0]!, id: 'cv-bad-2', value: '1.234' }] };
    const request = { contract, period: '2027-03', asOf: AS_OF, prior: { lines: [], payouts: [] } };
    let whole: unknown;
    try {
      ratePeriod({ ...request, usage: bad });
    } catch (error) {
      whole = error;
    }
    expect(whole).toMatchObject({ code: 'invalid_rating_input' });
    await expect(ratePeriodFromPages(request, [{ impressions: bad.impressions, conversions: bad.conversions.slice(0, 1) }, { impressions: [], conversions: bad.conversions.slice(1) }]))
      .rejects.toMatchObject({ message: (whole as Error).message, details: (whole as { details: unknown }).details });
  });

  it('partner payouts are unaffected by guarantees, caps, minimums, credits and commission', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const withAll = build(s);
      const bare = build({ ...s, guarantee: null, cap: null, minimum: null, commission: null, credits: [] });
      const a = rate(withAll.contract, withAll.usage);
      const b = rate(bare.contract, bare.usage);
      expect(a.partnerPayouts).toEqual(b.partnerPayouts);
      expect(a.partnerPayoutsByCharge).toEqual(b.partnerPayoutsByCharge);
    }), RUNS);
  });

  it('a re-run after late touches brings the invoiced total and the payouts to those of a fresh computation', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const { contract, usage } = build(s);
      const first = rate(contract, usage);
      const later = ratePeriod({
        contract, usage, period: '2027-03', asOf: LATE,
        prior: { lines: first.lines.map((l) => ({ period: '2027-03', type: l.type, ...(l.chargeId ? { chargeId: l.chargeId } : {}), ...(l.version ? { version: l.version } : {}), quantity: l.quantity, amount: l.amount })), payouts: first.partnerPayoutsByCharge.map((p) => ({ period: '2027-03', ...p })) },
      });
      const fresh = rate(contract, usage, LATE);
      // The re-run's adjustments bring the invoiced total to the fresh total, payouts likewise.
      expect(Dec(first.total).plus(Dec(later.total)).eq(Dec(fresh.total))).toBe(true);
      const payoutTotal = (r: RatedPeriod) => r.partnerPayouts.reduce((acc, p) => acc.plus(Dec(p.amount)), ZERO);
      expect(payoutTotal(first).plus(payoutTotal(later)).eq(payoutTotal(fresh))).toBe(true);
    }), { numRuns: 100 });
  });

  it('GRADUATED ≤ VOLUME when the tiers pay more as they go up, ≥ when they pay less', () => {
    const risingArb = fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 2, maxLength: 4 }).map((cents) => [...cents].sort((a, b) => a - b));
    fc.assert(fc.property(scenarioArb, risingArb, fc.boolean(), fc.constantFrom('0', '5', '12.5'), (s, flats, rising, percent) => {
      const ordered = rising ? flats : [...flats].reverse();
      // Same percentOfValue and no clamps: a later tier pays more (less) for every value.
      const tiers = ordered.map((cents, i) => ({ size: 1 + (i % 3), payout: { flat: (cents / 100).toFixed(2), pct: percent, min: null, max: null } }));
      const graduated = build({ ...s, tierModel: 'GRADUATED', tiers });
      const volume = build({ ...s, tierModel: 'VOLUME', tiers });
      const g = usageAmount(rate(graduated.contract, graduated.usage), 'purchase');
      const v = usageAmount(rate(volume.contract, volume.usage), 'purchase');
      if (rising) expect(g.lte(v)).toBe(true);
      else expect(g.gte(v)).toBe(true);
    }), RUNS);
  });

  it('GUARANTEE_CREDIT is −max(0, M − max × C) from the rounded media lines and the conversion count', () => {
    fc.assert(fc.property(scenarioArb.filter((s) => s.guarantee !== null), (s) => {
      const { contract, usage } = build(s);
      const rated = rate(contract, usage);
      const m = usageAmount(rated, 'display').plus(usageAmount(rated, 'views'));
      const purchase = rated.lines.find((l) => l.type === 'USAGE' && l.chargeId === 'purchase');
      const c = purchase === undefined ? ZERO : Dec(purchase.quantity);
      const excess = m.minus(Dec(s.guarantee!).times(c));
      const expected = excess.gt(ZERO) ? ZERO.minus(excess) : ZERO;
      const line = rated.lines.find((l) => l.type === 'GUARANTEE_CREDIT');
      expect(line === undefined ? ZERO : Dec(line.amount)).toEqual(expected);
    }), RUNS);
  });
});
