import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { localDay } from '../../../shared/domain/kernel/calendar';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Pacific/Kiritimati', 'America/St_Johns'];

/** The day as a formatter built for this one call would give it (what localDay did before keeping one per zone). */
const freshDay = (date: Date, zone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);

describe('localDay', () => {
  it('gives the zone-local day of any instant, zones interleaved in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.constantFrom(...ZONES)), { minLength: 1, maxLength: 20 }),
        (calls) => {
          for (const [date, zone] of calls) {
            expect(localDay(date, zone)).toBe(freshDay(date, zone));
            expect(localDay(date.toISOString(), zone)).toBe(freshDay(date, zone));
          }
        },
      ),
    );
  });

  it('crosses midnight by zone: 2027-02-01T03:00Z is still January 31 in New York', () => {
    expect(localDay('2027-02-01T03:00:00Z', 'America/New_York')).toBe('2027-01-31');
    expect(localDay('2027-02-01T03:00:00Z', 'Asia/Kolkata')).toBe('2027-02-01');
  });

  it('refuses an unknown zone every time (nothing cached for it)', () => {
    expect(() => localDay('2027-02-01T03:00:00Z', 'Mars/Olympus')).toThrow(RangeError);
    expect(() => localDay('2027-02-01T03:00:00Z', 'Mars/Olympus')).toThrow(RangeError);
  });
});
