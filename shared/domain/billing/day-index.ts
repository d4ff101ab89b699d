/**
 * Days and instants as integers for the rating hot path. A day is its number of days since
 * 1970-01-01 (proleptic Gregorian), an instant its epoch milliseconds. Parsing millions of
 * records through `Date.parse` or `Intl` would dominate rating time, so the fixed formats of
 * FORMAT.md are parsed by hand, and a zone's UTC offset is looked up once per hour of
 * instants and reused (checked at both ends of the hour, so a DST change inside it falls
 * back to an exact per-instant lookup).
 */
import { isInstant } from '../kernel/calendar';

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** `YYYY-MM-DD` of a day index. */
export function civilFromDays(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function monthLength(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
}

function digit(text: string, at: number): number {
  const c = text.charCodeAt(at) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

function num2(text: string, at: number): number {
  return digit(text, at) * 10 + digit(text, at + 1);
}

function num4(text: string, at: number): number {
  return digit(text, at) * 1000 + digit(text, at + 1) * 100 + digit(text, at + 2) * 10 + digit(text, at + 3);
}

/** Day index of a `YYYY-MM-DD` string; NaN when malformed or not a calendar day. */
export function parseDay(text: string): number {
  if (typeof text !== 'string' || text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NaN;
  const y = num4(text, 0);
  const m = num2(text, 5);
  const d = num2(text, 8);
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= monthLength(y, m))) return NaN;
  return daysFromCivil(y, m, d);
}

export interface PeriodDays {
  /** Day index of the first day of the month. */
  first: number;
  /** Day index of the last day of the month. */
  last: number;
  days: number;
}

/** The days of a `YYYY-MM` period; null when malformed. */
export function parsePeriod(text: string): PeriodDays | null {
  if (typeof text !== 'string' || text.length !== 7 || text.charCodeAt(4) !== 45) return null;
  const y = num4(text, 0);
  const m = num2(text, 5);
  if (!(m >= 1 && m <= 12)) return null;
  const first = daysFromCivil(y, m, 1);
  const days = monthLength(y, m);
  return { first, last: first + days - 1, days };
}

/**
 * Epoch milliseconds of an ISO 8601 instant; NaN when malformed. The common
 * `YYYY-MM-DDTHH:MM:SS(.fff)Z` form is parsed by hand; offsets and other forms fall back to
 * the calendar kernel's rules.
 */
export function parseInstant(text: string): number {
  if (typeof text !== 'string') return NaN;
  const n = text.length;
  if (n >= 20 && text.charCodeAt(n - 1) === 90 /* Z */ && text.charCodeAt(10) === 84 /* T */ &&
      text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58) {
    const y = num4(text, 0);
    const mo = num2(text, 5);
    const d = num2(text, 8);
    const h = num2(text, 11);
    const mi = num2(text, 14);
    const s = num2(text, 17);
    if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= monthLength(y, mo) && h <= 23 && mi <= 59 && s <= 59)) return NaN;
    let ms = 0;
    if (n > 20) {
      // fraction: ".f" to ".fffffffff"; sub-millisecond digits are dropped like Date.parse does
      if (text.charCodeAt(19) !== 46 || n > 30 || n < 22) return NaN;
      for (let i = 20; i < n - 1; i++) {
        const dd = digit(text, i);
        if (Number.isNaN(dd)) return NaN;
        if (i < 23) ms += dd * (i === 20 ? 100 : i === 21 ? 10 : 1);
      }
    }
    return daysFromCivil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * 60_000 + s * 1000 + ms;
  }
  return isInstant(text) ? Date.parse(text) : NaN;
}

/**
 * Local day of instants in one IANA zone. Offsets are cached per UTC hour; shared by every
 * rating of the zone (the cache is bounded and holds only facts about the zone).
 */
export class ZoneDays {
  private readonly format: Intl.DateTimeFormat | null;
  private readonly offsetByHour = new Map<number, number>();

  constructor(readonly zone: string) {
    this.format = zone === 'UTC' || zone === 'Etc/UTC'
      ? null
      : new Intl.DateTimeFormat('en-US', {
          timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
          hour: 'numeric', minute: 'numeric', second: 'numeric',
        });
  }

  /** UTC offset in ms at an instant, from Intl (exact, slow). */
  private exactOffset(ms: number): number {
    const parts = this.format!.formatToParts(new Date(ms));
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const part of parts) {
      switch (part.type) {
        case 'year': y = Number(part.value); break;
        case 'month': mo = Number(part.value); break;
        case 'day': d = Number(part.value); break;
        case 'hour': h = Number(part.value); break;
        case 'minute': mi = Number(part.value); break;
        case 'second': s = Number(part.value); break;
        default: break;
      }
    }
    const local = daysFromCivil(y, mo, d) * MS_PER_DAY + h * MS_PER_HOUR + mi * 60_000 + s * 1000;
    return local - (ms - (((ms % 1000) + 1000) % 1000));
  }

  /** Day index of the instant's local date. */
  dayOf(ms: number): number {
    if (this.format === null) return Math.floor(ms / MS_PER_DAY);
    const hour = Math.floor(ms / MS_PER_HOUR);
    let offset = this.offsetByHour.get(hour);
    if (offset === undefined) {
      const start = this.exactOffset(hour * MS_PER_HOUR);
      const end = this.exactOffset(hour * MS_PER_HOUR + MS_PER_HOUR - 1000);
      offset = start === end ? start : NaN;
      if (this.offsetByHour.size > 200_000) this.offsetByHour.clear();
      this.offsetByHour.set(hour, offset);
    }
    if (Number.isNaN(offset)) offset = this.exactOffset(ms);
    return Math.floor((ms + offset) / MS_PER_DAY);
  }
}

const zones = new Map<string, ZoneDays>();

/** The shared local-day resolver of a zone (the zone must be valid). */
export function zoneDays(zone: string): ZoneDays {
  let found = zones.get(zone);
  if (found === undefined) {
    found = new ZoneDays(zone);
    if (zones.size > 1_000) zones.clear();
    zones.set(zone, found);
  }
  return found;
}

export const DAY_MS = MS_PER_DAY;
