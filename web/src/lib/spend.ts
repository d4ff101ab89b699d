/**
 * Spend to date as chart marks. The numbers only position bars and lines; the figures people
 * read (the table beside the chart) stay the API's decimal strings, and the running total is
 * added up exactly on the strings before any mark is placed.
 */
import type { Spend } from '../app/types';
import { cumulativeDecimals } from './money';

/** Last calendar day of a `YYYY-MM` period, from its digits. */
export function lastDayOfPeriod(period: string): string {
  const [year, month] = period.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${period}-${String(days).padStart(2, '0')}`;
}

export interface SpendPoint {
  date: string;
  daily?: number;
  cumulative?: number;
  projection?: number;
}

export function spendChartPoints(spend: Spend): SpendPoint[] {
  const running = cumulativeDecimals(spend.days.map((d) => d.amount));
  const points: SpendPoint[] = spend.days.map((d, i) => ({ date: d.date.slice(8), daily: Number(d.amount), cumulative: Number(running[i]) }));
  const last = points[points.length - 1];
  const end = lastDayOfPeriod(spend.period);
  if (last && spend.days[spend.days.length - 1]!.date < end) {
    last.projection = last.cumulative;
    points.push({ date: end.slice(8), projection: Number(spend.projectedTotal) });
  }
  return points;
}

