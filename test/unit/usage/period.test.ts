import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversionPeriod, impressionIdentity, impressionPeriod } from '../../../shared/domain/usage/period';
import { USAGE_SHARDS, usageKeys, usageShard } from '../../../shared/adapters/dynamodb/table';

describe('usage period attribution', () => {
  it("takes an impression's period from its (already local) day", () => {
    expect(impressionPeriod({ date: '2027-01-31' })).toBe('2027-01');
    expect(impressionPeriod({ date: '2027-02-01' })).toBe('2027-02');
  });

  it("puts a conversion in the month of occurredAt in the contract's zone, not UTC", () => {
    // 03:00Z on Feb 1 is 22:00 on Jan 31 in New York (UTC-5 in winter).
    expect(conversionPeriod({ occurredAt: '2027-02-01T03:00:00Z' }, 'America/New_York')).toBe('2027-01');
    expect(conversionPeriod({ occurredAt: '2027-02-01T03:00:00Z' }, 'UTC')).toBe('2027-02');
    // 05:00Z is midnight in New York: the first instant of February there.
    expect(conversionPeriod({ occurredAt: '2027-02-01T05:00:00Z' }, 'America/New_York')).toBe('2027-02');
    // East of UTC the month starts earlier: 16:00Z on Jan 31 is Feb 1, 01:00 in Tokyo.
    expect(conversionPeriod({ occurredAt: '2027-01-31T16:00:00Z' }, 'Asia/Tokyo')).toBe('2027-02');
  });

  it('honours an explicit offset in occurredAt', () => {
    expect(conversionPeriod({ occurredAt: '2027-01-31T23:30:00-05:00' }, 'UTC')).toBe('2027-02');
  });

  it('identifies impressions by day, charge, source and partner (no partner differs from any partner)', () => {
    const base = { date: '2027-01-05', chargeId: 'a', source: 'FIRST_PARTY' as const };
    expect(impressionIdentity(base)).toBe(impressionIdentity({ ...base, partnerId: null }));
    expect(impressionIdentity(base)).not.toBe(impressionIdentity({ ...base, partnerId: 'p' }));
    expect(impressionIdentity(base)).not.toBe(impressionIdentity({ ...base, source: 'THIRD_PARTY' }));
  });
});

describe('usage shards', () => {
  it('hashes identities to the same shard in every process (pinned values)', () => {
    // FNV-1a 32-bit: changing the function or USAGE_SHARDS would strand every stored item.
    expect(USAGE_SHARDS).toBe(8);
    expect(usageShard('')).toBe(0x811c9dc5 % 8);
    expect(usageShard('a')).toBe(0xe40c292c % 8);
    expect(usageShard('c-1#CNV#cv-1')).toBe(usageShard('c-1#CNV#cv-1'));
  });

  it('always lands in 0..N-1 and is a pure function of the identity', () => {
    fc.assert(
      fc.property(fc.string(), (identity) => {
        const shard = usageShard(identity);
        return Number.isInteger(shard) && shard >= 0 && shard < USAGE_SHARDS && shard === usageShard(identity);
      }),
    );
  });

  it('spreads many identities over every shard', () => {
    const counts = new Array<number>(USAGE_SHARDS).fill(0);
    for (let i = 0; i < 8_000; i++) counts[usageShard(`c-1#CNV#cv-${i}`)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });

  it('keys a re-sent impression to the same item, whatever its count', () => {
    const a = usageKeys.impression('c-1', '2027-01', { date: '2027-01-05', chargeId: 'x', source: 'FIRST_PARTY', partnerId: null });
    const b = usageKeys.impression('c-1', '2027-01', { date: '2027-01-05', chargeId: 'x', source: 'FIRST_PARTY' });
    expect(a).toEqual(b);
    expect(a.pk).toMatch(/^USAGE#c-1#2027-01#[0-7]$/);
    expect(a.sk).toBe('IMP#2027-01-05#x#FIRST_PARTY#');
  });
});
