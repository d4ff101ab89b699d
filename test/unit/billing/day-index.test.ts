import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { civilFromDays, OFFSET_VARIES, parseDay, parseInstant, parsePeriod, ZoneDays } from '../../../shared/domain/billing/day-index';
import { FirstIds } from '../../../shared/domain/billing/first-ids';
import { isInstant, localDay } from '../../../shared/domain/kernel/calendar';

// Zones with DST at whole hours, half-hour offsets, and Lord Howe's 30-minute DST change
// at 02:00 local (15:30Z): an hour inside which the offset changes.
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'];

describe('days and instants', () => {
  it('local days agree with Intl for any instant of 2020–2035 in DST and half-hour zones', () => {
    const zones = ZONES.map((zone) => new ZoneDays(zone));
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 31) }), fc.nat(zones.length - 1), (ms, z) => {
      const zone = zones[z]!;
      expect(civilFromDays(zone.dayOf(ms))).toBe(localDay(new Date(ms), zone.zone));
    }), { numRuns: 3000 });
  });

  it('the hour window a record loop reads directly gives the same offsets, and local days as Intl', () => {
    fc.assert(fc.property(
      fc.nat(ZONES.length - 1),
      fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 1) }),
      fc.array(fc.integer({ min: 0, max: 40 * 86_400_000 - 1 }), { minLength: 1, maxLength: 20 }),
      (z, from, offsetsMs) => {
        const zone = new ZoneDays(ZONES[z]!);
        const firstHour = Math.floor(from / 3_600_000);
        const lastHour = firstHour + 40 * 24 - 1;
        // Twice, overlapping: the second call extends the range already known.
        zone.hours(firstHour + 100, lastHour - 100);
        const hours = zone.hours(firstHour, lastHour)!;
        expect(hours).not.toBeNull();
        for (const delta of offsetsMs) {
          const ms = firstHour * 3_600_000 + delta;
          const hour = Math.floor(ms / 3_600_000);
          const offset = hours.offsets[hour - hours.start]!;
          expect(offset).toBe(zone.offsetOfHour(hour));
          const day = offset === OFFSET_VARIES ? zone.dayOf(ms) : Math.floor((ms + offset) / 86_400_000);
          expect(civilFromDays(day)).toBe(localDay(new Date(ms), zone.zone));
        }
      },
    ), { numRuns: 60 });
  });

  it.each([
    // instant, zone, local day
    ['2027-03-14T06:59:59Z', 'America/New_York', '2027-03-14'], // 01:59:59 EST, before the spring-forward
    ['2027-11-07T04:30:00Z', 'America/New_York', '2027-11-07'], // 00:30 EDT on the fall-back day
    ['2027-11-08T04:59:59Z', 'America/New_York', '2027-11-07'], // 23:59:59 EST: the 25-hour day
    ['2027-04-03T15:29:59Z', 'Australia/Lord_Howe', '2027-04-04'], // 01:59:59 +11:00 ...
    ['2027-04-03T15:30:00Z', 'Australia/Lord_Howe', '2027-04-04'], // ... 01:30 +10:30 after the change inside the UTC hour
    ['2027-01-31T18:29:59Z', 'Asia/Kolkata', '2027-01-31'],
    ['2027-01-31T18:30:00Z', 'Asia/Kolkata', '2027-02-01'],
  ])('%s in %s is %s', (instant, zone, day) => {
    expect(civilFromDays(new ZoneDays(zone).dayOf(parseInstant(instant)))).toBe(day);
  });

  it('parses UTC instants exactly like Date.parse, and rejects what the calendar kernel rejects and offsets other than Z', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1901, 0, 1), max: Date.UTC(2290, 0, 1) }), (ms) => {
      const text = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      expect(parseInstant(text)).toBe(Date.parse(text));
    }), { numRuns: 2000 });
    // Length-20 strings with one non-digit (just below '0', just above '9', a letter, a
    // non-ASCII digit) where a digit belongs: the fast path's single sign test must refuse each.
    const nonDigits = ['2027-01-05T10:00:0/Z', '2027-01-05T10:00:0:Z', '20x7-01-05T10:00:00Z', '2027-01-0\u0665T10:00:00Z', '2027-0 -05T10:00:00Z'];
    for (const text of ['2027-02-29T00:00:00Z', '2027-01-05T24:00:00Z', '2027-01-05 10:00:00Z', '2027-1-05T10:00:00Z', '2027-01-05T10:60:00Z', 'x', '', ...nonDigits]) {
      expect(Number.isNaN(parseInstant(text))).toBe(!isInstant(text));
      if (isInstant(text)) expect(parseInstant(text)).toBe(Date.parse(text));
    }
    expect(parseInstant('2027-01-05T10:00:00.250Z')).toBe(Date.parse('2027-01-05T10:00:00.250Z'));
    // FORMAT.md clarifications: instants are UTC with Z; an offset, even +00:00, is invalid.
    expect(Number.isNaN(parseInstant('2027-01-05T12:00:00+02:00'))).toBe(true);
    expect(Number.isNaN(parseInstant('2027-01-05T10:00:00+00:00'))).toBe(true);
  });

  it('days and periods', () => {
    expect(civilFromDays(parseDay('2028-02-29'))).toBe('2028-02-29');
    expect(Number.isNaN(parseDay('2027-02-29'))).toBe(true);
    expect(parsePeriod('2028-02')).toMatchObject({ days: 29 });
    expect(parsePeriod('2027-00')).toBeNull();
  });
});

describe('FirstIds', () => {
  it('tells the first record of each id, whatever the hash collisions, run after run', () => {
    const table = new FirstIds();
    fc.assert(fc.property(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3000 }), (ids) => {
      const records = ids.map((id) => ({ id }));
      table.begin(records);
      const seen = new Set<string>();
      records.forEach((record, i) => {
        expect(table.isFirst(i, record.id)).toBe(!seen.has(record.id));
        seen.add(record.id);
      });
      table.end();
    }), { numRuns: 200 });
  });
});
