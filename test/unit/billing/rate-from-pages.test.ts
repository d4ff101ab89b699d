/**
 * Rating from pages at the sizes where its tables grow (rule 7's id table past 768 ids, the
 * touch contests past 1,024 records): the benchmark's synthetic contracts, v1 and v2 mixes
 * (duplicates, reversals, holds, caps, tiers, LAST_TOUCH and FIRST_TOUCH with 2–3 partners),
 * rated whole and from pages of 97 records must agree byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { ratePeriod, ratePeriodFromPages, type UsagePage } from '../../../shared/domain/billing/rate';
import { FirstIds } from '../../../shared/domain/billing/first-ids';
import { generateContract } from '../../../bench/rating.bench';

function pagesOf(usage: UsagePage, size: number): UsagePage[] {
  const pages: UsagePage[] = [];
  const n = Math.max(usage.impressions.length, usage.conversions.length);
  for (let from = 0; from < n; from += size) {
    pages.push({ impressions: usage.impressions.slice(from, from + size), conversions: usage.conversions.slice(from, from + size) });
  }
  return pages;
}

describe('ratePeriodFromPages at growing sizes', () => {
  for (const mix of ['v1', 'v2'] as const) {
    it(`rates ${mix} contracts of ~1,000–2,500 conversions exactly as the whole usage`, async () => {
      for (const index of [3, 8, 21]) {
        const { contract, usage } = generateContract(index, 1.8, mix);
        expect(usage.conversions.length).toBeGreaterThan(1_024);
        const request = { contract, period: '2027-03', asOf: '2027-04-20T00:00:00Z', prior: { lines: [], payouts: [] } };
        const whole = JSON.stringify(ratePeriod({ ...request, usage }));
        expect(JSON.stringify(await ratePeriodFromPages(request, pagesOf(usage, 97)))).toBe(whole);
      }
    });
  }

  it('keeps the first position of every id while its table grows, colliding hashes included', () => {
    const table = new FirstIds();
    table.beginStreaming();
    const firstOf = new Map<string, number>();
    // 20,000 records over 9,000 ids: the table doubles several times.
    let state = 12_345;
    for (let i = 0; i < 20_000; i++) {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      const n = state % 9_000;
      const id = `id-${n}`;
      if (!firstOf.has(id)) firstOf.set(id, i);
      // Every tenth id has the same hash as all the others of its kind: equal hashes, other ids.
      expect(n % 10 === 0 ? table.firstOfHashed(i, id, 42) : table.firstOf(i, id)).toBe(firstOf.get(id));
    }
    table.end();
  });
});
