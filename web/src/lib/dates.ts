/**
 * Days, periods and instants for people. Calendar days (`2026-10-05`) and periods (`2026-10`)
 * are labels, not instants: they are formatted from their digits so no time zone can move them
 * to the day before. Instants are shown in the contract's time zone, labelled with it.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-10` → `Oct 2026`. */
export function formatPeriod(period: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${month} ${match[1]}` : period;
}

/** `2026-10-05` → `Oct 5, 2026`. */
export function formatDay(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  return match && month ? `${month} ${Number(match[3])}, ${match[1]}` : day;
}

/** An instant in a time zone: `Oct 5, 2026, 14:03 (America/New_York)`. */
export function formatInstant(instant: string, timeZone = 'UTC', locale = 'en-US'): string {
  const at = new Date(instant);
  if (Number.isNaN(at.getTime())) return instant;
  let text: string;
  try {
    text = new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  } catch {
    return formatInstant(instant, 'UTC', locale);
  }
  return `${text} (${timeZone})`;
}

/** The current period `YYYY-MM` in UTC, the default of period pickers. */
export function currentPeriod(now: Date): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The period before `period` (`2026-01` → `2025-12`). */
export function previousPeriod(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
}
