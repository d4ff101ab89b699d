/**
 * The plan of a run: which contracts it bills. A contract is billed for a period when it was
 * ever in force (ACTIVE now, or ended since: EXPIRED, TERMINATED) and its term overlaps the
 * period. Drafts and contracts never approved are not billed. Dates are compared as the
 * contract's own local days, which is what `startDate`/`endDate` and periods are.
 */
import { daysInMonth } from '../kernel/calendar';

/** Contract statuses whose terms were approved at some point, so usage may be billed. */
export const BILLABLE_CONTRACT_STATUSES = ['ACTIVE', 'EXPIRED', 'TERMINATED'] as const;

export interface PlannableContract {
  id: string;
  status: string;
  startDate: string;
  endDate: string;
}

export function periodBounds(period: string): { firstDay: string; lastDay: string } {
  const [year, month] = period.split('-').map(Number) as [number, number];
  return { firstDay: `${period}-01`, lastDay: `${period}-${String(daysInMonth(year, month)).padStart(2, '0')}` };
}

export function isBilledInPeriod(contract: PlannableContract, period: string): boolean {
  if (!(BILLABLE_CONTRACT_STATUSES as readonly string[]).includes(contract.status)) return false;
  const { firstDay, lastDay } = periodBounds(period);
  return contract.startDate <= lastDay && contract.endDate >= firstDay;
}

/** One item of the plan object the Map state reads: one contract to rate. */
export interface PlanItem {
  contractId: string;
}

/**
 * The plan: the contracts to rate, each once, in a stable order (so a re-planned run rates
 * the same list). Explicitly named contracts are kept only when billable in the period: a
 * draft named by mistake is skipped, not invoiced.
 */
export function buildPlan(candidates: readonly PlannableContract[], period: string): PlanItem[] {
  const ids = new Set<string>();
  for (const contract of candidates) if (isBilledInPeriod(contract, period)) ids.add(contract.id);
  return [...ids].sort().map((contractId) => ({ contractId }));
}
