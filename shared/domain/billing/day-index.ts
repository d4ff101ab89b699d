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

// Day index of the first day of each month for years [TABLE_FIRST_YEAR, +TABLE_YEARS): the
// instant parser's fast path reads it instead of doing calendar arithmetic per record.
const TABLE_FIRST_YEAR = 1900;
const TABLE_YEARS = 400;
const MONTH_START = new Int32Array(TABLE_YEARS * 12 + 1);
for (let i = 0; i <= TABLE_YEARS * 12; i++) MONTH_START[i] = daysFromCivil(TABLE_FIRST_YEAR + Math.floor(i / 12), (i % 12) + 1, 1);

/**
 * Where `readInstant` leaves its result: the instant's UTC day index and milliseconds into
 * that day. Two small integers instead of one epoch-ms double: a double returned from a
 * call the optimizer does not inline is boxed on the heap, once per record.
 */
export const instantParts = { day: 0, msOfDay: 0 };

/**
 * Reads an ISO 8601 UTC instant into `instantParts`; false when malformed or not ending in
 * `Z`. The common `YYYY-MM-DDTHH:MM:SSZ` form is parsed by hand; fractions of a second fall
 * back to the calendar kernel's rules.
 */
export function readInstant(text: string): boolean {
  // Fast path, two instants per conversion. Each digit is read once as `code − 48`; a
  // character is a digit iff both `v` and `9 − v` are ≥ 0, so OR-ing all of them leaves the
  // sign bit set iff some character is not a digit: one test for the fourteen digits instead
  // of a branch each. Anything irregular (a bad digit, 24:00:00, 29 February of a common
  // year) falls through to the kernel's rules, which decide.
  if (text.length === 20 && text.charCodeAt(19) === 90 /* Z */ && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 &&
      text.charCodeAt(10) === 84 && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58) {
    const y0 = text.charCodeAt(0) - 48, y1 = text.charCodeAt(1) - 48, y2 = text.charCodeAt(2) - 48, y3 = text.charCodeAt(3) - 48;
    const m0 = text.charCodeAt(5) - 48, m1 = text.charCodeAt(6) - 48, d0 = text.charCodeAt(8) - 48, d1 = text.charCodeAt(9) - 48;
    const h0 = text.charCodeAt(11) - 48, h1 = text.charCodeAt(12) - 48, i0 = text.charCodeAt(14) - 48, i1 = text.charCodeAt(15) - 48;
    const s0 = text.charCodeAt(17) - 48, s1 = text.charCodeAt(18) - 48;
    const digits = y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | i0 | i1 | s0 | s1 |
      (9 - y0) | (9 - y1) | (9 - y2) | (9 - y3) | (9 - m0) | (9 - m1) | (9 - d0) | (9 - d1) |
      (9 - h0) | (9 - h1) | (9 - i0) | (9 - i1) | (9 - s0) | (9 - s1);
    const month = m0 * 10 + m1;
    const day = d0 * 10 + d1;
    const hour = h0 * 10 + h1;
    const minute = i0 * 10 + i1;
    const second = s0 * 10 + s1;
    const slot = (y0 * 1000 + y1 * 100 + y2 * 10 + y3 - TABLE_FIRST_YEAR) * 12 + month - 1;
    if (digits >= 0 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 &&
        slot >= 0 && slot < TABLE_YEARS * 12) {
      const first = MONTH_START[slot]!;
      if (day <= MONTH_START[slot + 1]! - first) {
        instantParts.day = first + day - 1;
        instantParts.msOfDay = hour * MS_PER_HOUR + minute * 60_000 + second * 1000;
        return true;
      }
    }
  }
  // FORMAT.md: instants are UTC with `Z` (milliseconds allowed); an offset is refused.
  if (text.charCodeAt(text.length - 1) !== 90 /* Z */ || !isInstant(text)) return false;
  const ms = Date.parse(text);
  const dayIndex = Math.floor(ms / MS_PER_DAY);
  instantParts.day = dayIndex;
  instantParts.msOfDay = ms - dayIndex * MS_PER_DAY;
  return true;
}

/** Epoch milliseconds of an ISO 8601 UTC instant (`Z`); NaN when malformed or not in UTC. */
export function parseInstant(text: string): number {
  return typeof text === 'string' && readInstant(text) ? instantParts.day * MS_PER_DAY + instantParts.msOfDay : NaN;
}

/**
 * Local day of instants in one IANA zone. Offsets are cached per UTC hour; shared by every
 * rating of the zone (the cache is bounded and holds only facts about the zone).
 */
/** `offsetOfHour` result for an hour inside which the offset changes (not a whole second). */
export const OFFSET_VARIES = 2_147_483_647;
const OFFSET_UNKNOWN = -2_147_483_648;
/** About eight years of hours around the first instant asked (280 kB per zone). */
const WINDOW_HOURS = 8 * 366 * 24;

export class ZoneDays {
  private readonly format: Intl.DateTimeFormat | null;
  /**
   * UTC offsets in ms of a window of UTC hours, indexed by hour − windowStart: OFFSET_UNKNOWN
   * until first asked, OFFSET_VARIES when the offset changes inside the hour. Int32 so that
   * reading one never allocates. Hours outside the window go to the map.
   */
  private window: Int32Array | null = null;
  private windowStart = 0;
  private readonly outside = new Map<number, number>();
  /** Window positions [knownFrom, knownTo] whose offsets are all known (see `hours`). */
  private knownFrom = 0;
  private knownTo = -1;

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
    if (this.format === null) return 0;
    const parts = this.format.formatToParts(new Date(ms));
    let y = 0, mo = 0, dd = 0, h = 0, mi = 0, s = 0;
    for (const part of parts) {
      switch (part.type) {
        case 'year': y = Number(part.value); break;
        case 'month': mo = Number(part.value); break;
        case 'day': dd = Number(part.value); break;
        case 'hour': h = Number(part.value); break;
        case 'minute': mi = Number(part.value); break;
        case 'second': s = Number(part.value); break;
        default: break;
      }
    }
    const local = daysFromCivil(y, mo, dd) * MS_PER_DAY + h * MS_PER_HOUR + mi * 60_000 + s * 1000;
    return local - (ms - (((ms % 1000) + 1000) % 1000));
  }

  private computeHour(hour: number): number {
    const start = this.exactOffset(hour * MS_PER_HOUR);
    const end = this.exactOffset(hour * MS_PER_HOUR + MS_PER_HOUR - 1000);
    return start === end ? start : OFFSET_VARIES;
  }

  /** The UTC offset (ms) throughout a UTC hour (epoch ms / 3,600,000), or OFFSET_VARIES. */
  offsetOfHour(hour: number): number {
    if (this.format === null) return 0;
    let window = this.window;
    if (window === null) {
      window = this.window = new Int32Array(WINDOW_HOURS).fill(OFFSET_UNKNOWN);
      this.windowStart = hour - WINDOW_HOURS / 2;
    }
    const at = hour - this.windowStart;
    if (at >= 0 && at < WINDOW_HOURS) {
      const known = window[at]!;
      return known !== OFFSET_UNKNOWN ? known : (window[at] = this.computeHour(hour));
    }
    let offset = this.outside.get(hour);
    if (offset === undefined) {
      offset = this.computeHour(hour);
      if (this.outside.size > 100_000) this.outside.clear();
      this.outside.set(hour, offset);
    }
    return offset;
  }

  /**
   * The window with every offset of the UTC hours [firstHour, lastHour] known, so that a
   * record loop reads `offsets[hour − start]` directly instead of calling `offsetOfHour`
   * per record; null when the range does not fit the window. After the first period rated
   * in a zone this is a range check.
   */
  hours(firstHour: number, lastHour: number): { offsets: Int32Array; start: number } | null {
    let window = this.window;
    if (window === null) {
      window = this.window = new Int32Array(WINDOW_HOURS).fill(OFFSET_UNKNOWN);
      this.windowStart = firstHour - WINDOW_HOURS / 2;
    }
    const from = firstHour - this.windowStart;
    const to = lastHour - this.windowStart;
    if (from < 0 || to >= WINDOW_HOURS || from > to) return null;
    if (from < this.knownFrom || to > this.knownTo) {
      for (let at = from; at <= to; at++) {
        if (window[at] === OFFSET_UNKNOWN) window[at] = this.computeHour(this.windowStart + at);
      }
      const disjoint = this.knownFrom > this.knownTo || to < this.knownFrom - 1 || from > this.knownTo + 1;
      this.knownFrom = disjoint ? from : Math.min(from, this.knownFrom);
      this.knownTo = disjoint ? to : Math.max(to, this.knownTo);
    }
    return { offsets: window, start: this.windowStart };
  }

  /** Day index of the instant's local date. */
  dayOf(ms: number): number {
    let offset = this.offsetOfHour(Math.floor(ms / MS_PER_HOUR));
    if (offset === OFFSET_VARIES) offset = this.exactOffset(ms);
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
