/** Calendar strings: days `YYYY-MM-DD`, periods `YYYY-MM`, instants ISO 8601 with a zone. */
import { ValidationError } from './errors';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const PERIOD = /^(\d{4})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether `value` is a calendar day `YYYY-MM-DD`. Terms are checked every time a contract is
 * rated (a handful of days each), so a string is read by hand rather than through the
 * pattern and a Date: the same answer (ASCII digits only, as `\d`), at a fraction of the cost.
 */
export function isDay(value: string): boolean {
  if (typeof value !== 'string') return isDayByPattern(value);
  if (value.length !== 10 || value.charCodeAt(4) !== 45 /* - */ || value.charCodeAt(7) !== 45) return false;
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 7);
  const d = digits(value, 8, 10);
  return y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= civilMonthDays(y, mo);
}

/** The integer of the ASCII digits value[from, to), or −1 when one is not a digit. */
function digits(value: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = value.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * `daysInMonth` for a year 0..9999 and a month 1..12, without a Date. Date.UTC reads the
 * years 0..99 as 1900..1999, and isDay has always judged those days by that calendar.
 */
function civilMonthDays(year: number, month: number): number {
  const y = year <= 99 ? 1900 + year : year;
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

/** isDay for a value that is not a string (the pattern reads its string form). */
function isDayByPattern(value: string): boolean {
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function isPeriod(value: string): boolean {
  const m = PERIOD.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

/** A ValidationError at `path` unless `value` is a period. */
export function assertPeriod(value: string, path = 'period'): void {
  if (!isPeriod(value)) throw new ValidationError(`"${value}" is not a period`, [{ path, message: 'expected YYYY-MM' }]);
}

export function isInstant(value: string): boolean {
  return INSTANT.test(value) && isDay(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

/** Usage and terms take instants in UTC only (`…Z`): an offset would shift which local day a record falls on. */
export function isUtcInstant(value: string): boolean {
  return value.endsWith('Z') && isInstant(value);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Building an Intl.DateTimeFormat costs a few hundred microseconds; zones are few.
const zoneValidity = new Map<string, boolean>();

export function isTimeZone(zone: string): boolean {
  const known = zoneValidity.get(zone);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    valid = true;
  } catch {
    valid = false;
  }
  if (zoneValidity.size < 1_000) zoneValidity.set(zone, valid);
  return valid;
}

/** Adds whole calendar days to a `YYYY-MM-DD` day. */
export function addDays(day: string, days: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Adds calendar months to a day, clamping to the month's end (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const clamped = Math.min(d, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(clamped).padStart(2, '0')}`;
}

// One day formatter per zone, built once: localDay runs per request and per ingested
// conversion, where building the formatter cost far more than formatting.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormatOf(zone: string): Intl.DateTimeFormat {
  let format = dayFormats.get(zone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD. An unknown zone throws here, before anything is cached.
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (dayFormats.size < 1_000) dayFormats.set(zone, format);
  }
  return format;
}

/** The local calendar day of an instant in an IANA zone. */
export function localDay(instant: string | Date, zone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  return dayFormatOf(zone).format(date);
}
