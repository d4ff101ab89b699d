/**
 * Spend to date: a period rated so far from the stored usage by the rating engine, nothing
 * stored. Amounts are the engine's, rounded as invoice lines are. "Spend" is what the usage
 * lines bill after a performance guarantee and the budget cap (USAGE + GUARANTEE_CREDIT +
 * CAP_ADJUSTMENT: FORMAT.md v2 §5 makes the guarantee credit part of the usage the cap and the
 * minimum see); the minimum true-up and agency commission are settled on the invoice and are not
 * spend. The period's approved credits are reported beside it, as the run's CREDIT line rates
 * them (the ones approved by asOf), so spend + shortfall + credits is the invoice's subtotal.
 *
 * Per day: the engine prices a period as a whole (tiers, caps, per-period conversion limits),
 * so a day's figures are the difference between the period rated with the usage up to that day
 * and up to the day before. Days then add up exactly to the period, tiers included.
 *
 * Pacing: the run rate of the active days so far (spend / days elapsed) carried to the period's
 * last active day, cut at the cap; `capReachedOn` is the day the cap was reached, or would be at
 * that run rate (null when it would not be within the period, or there is no cap).
 */
import Big from 'big.js';
import { addDays, localDay } from '../kernel/calendar';
import { formatMoney, roundToString } from '../kernel/money';
import { ratePeriod } from '../billing/rate';
import { LineType, type PriorRuns, type RatedPeriod } from '../billing/types';
import { periodBounds } from '../billing-runs/plan';
import type { ContractTerms, Usage, Version } from '../terms/types';

export interface Spend {
  period: string;
  currency: string;
  asOf: string;
  charges: { chargeId: string; quantity: string; amount: string }[];
  days: { date: string; quantity: string; amount: string }[];
  total: string;
  /** The GUARANTEE_CREDIT so far (in `total`); null when the period's terms have no guarantee. */
  guaranteeCredit: string | null;
  /** The period's approved credits the run would invoice now, and their CREDIT line (≤ 0). */
  credits: { id: string; reason: string; amount: string }[];
  creditTotal: string;
  budgetCap: string | null;
  remaining: string | null;
  minimum: string | null;
  shortfall: string | null;
  projectedTotal: string;
  capReachedOn: string | null;
}

export interface SpendInput {
  contract: ContractTerms;
  usage: Usage;
  period: string;
  /** What the engine may see: versions recorded and usage received by then. */
  asOf: string;
  /** The contract's local day at asOf. */
  today: string;
  /** What runs invoiced for the contract (any period); only earlier periods count (a contract-wide cap). */
  prior: PriorRuns;
}

const CAPPED = new Set<string>([LineType.USAGE, LineType.GUARANTEE_CREDIT, LineType.CAP_ADJUSTMENT]);
const ZERO = new Big(0);

/** What a rated period's usage bills after a guarantee and the cap (USAGE + GUARANTEE_CREDIT + CAP_ADJUSTMENT lines). */
export const spendOf = (rated: RatedPeriod): Big => rated.lines.filter((l) => CAPPED.has(l.type)).reduce((sum, l) => sum.plus(l.amount), ZERO);
const quantityOf = (rated: RatedPeriod): Big => rated.lines.filter((l) => l.type === LineType.USAGE).reduce((sum, l) => sum.plus(l.quantity), ZERO);

/** The terms the engine applies to period-level lines: the version in effect on the last active day. */
function periodTerms(contract: ContractTerms, lastActiveDay: string, asOfMs: number): Version | null {
  let terms: Version | null = null;
  const visible = contract.versions.filter((v) => !v.recordedAt || Date.parse(v.recordedAt) <= asOfMs);
  for (const version of visible) if (version.effectiveFrom <= lastActiveDay) terms = version;
  return terms;
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

export function spendToDate(input: SpendInput): Spend {
  const { contract, period, asOf } = input;
  const currency = contract.currency;
  const money = (value: Big) => formatMoney(value, currency);
  const prior: PriorRuns = {
    lines: input.prior.lines.filter((l) => l.period < period),
    payouts: input.prior.payouts.filter((p) => p.period < period),
    periods: (input.prior.periods ?? []).filter((p) => p < period),
  };
  const rate = (usage: Usage) => ratePeriod({ contract, usage, period, asOf, prior });
  const rated = rate(input.usage);

  const charges = new Map<string, { quantity: Big; amount: Big }>();
  for (const line of rated.lines) {
    if (line.type !== LineType.USAGE || line.chargeId === undefined) continue;
    const entry = charges.get(line.chargeId) ?? { quantity: ZERO, amount: ZERO };
    charges.set(line.chargeId, { quantity: entry.quantity.plus(line.quantity), amount: entry.amount.plus(line.amount) });
  }
  const total = spendOf(rated);
  const guaranteeLine = rated.lines.find((l) => l.type === LineType.GUARANTEE_CREDIT);
  const creditLine = rated.lines.find((l) => l.type === LineType.CREDIT);
  const creditUses = creditLine?.explanation.kind === 'CREDIT' ? creditLine.explanation.credits : [];

  // The period's active days: the part of the month inside the contract's term.
  const { firstDay, lastDay } = periodBounds(period);
  const firstActive = contract.startDate > firstDay ? contract.startDate : firstDay;
  const lastActive = contract.endDate < lastDay ? contract.endDate : lastDay;
  const activeDays = lastActive >= firstActive ? daysBetween(firstActive, lastActive) : 0;
  const lastElapsed = input.today < lastActive ? input.today : lastActive;
  const elapsedDays = lastElapsed >= firstActive ? daysBetween(firstActive, lastElapsed) : 0;

  // Day by day: usage up to each day that has any, rated cumulatively.
  const dayOfConversion = (occurredAt: string) => localDay(occurredAt, contract.timezone);
  const byDay = new Map<string, Usage>();
  const bucket = (day: string) => {
    let usage = byDay.get(day);
    if (!usage) byDay.set(day, (usage = { impressions: [], conversions: [] }));
    return usage;
  };
  for (const impression of input.usage.impressions) if (impression.date.startsWith(period)) bucket(impression.date).impressions.push(impression);
  for (const conversion of input.usage.conversions) {
    const day = dayOfConversion(conversion.occurredAt);
    if (day.startsWith(period)) bucket(day).conversions.push(conversion);
  }
  const days: Spend['days'] = [];
  const usageDays = new Map<string, Spend['days'][number]>();
  const upTo: Usage = { impressions: [], conversions: [] };
  let before = { quantity: ZERO, amount: ZERO };
  const orderedDays = [...byDay.keys()].sort();
  for (const [i, day] of orderedDays.entries()) {
    const usage = byDay.get(day)!;
    for (const record of usage.impressions) upTo.impressions.push(record);
    for (const record of usage.conversions) upTo.conversions.push(record);
    // The last day's cumulative figures are the period's own: no need to rate it again.
    const cumulative = i === orderedDays.length - 1 ? rated : rate(upTo);
    const now = { quantity: quantityOf(cumulative), amount: spendOf(cumulative) };
    usageDays.set(day, { date: day, quantity: now.quantity.minus(before.quantity).toFixed(), amount: money(now.amount.minus(before.amount)) });
    before = now;
  }
  // Every active day elapsed so far is listed, those without usage at zero.
  const lastListed = [lastElapsed, ...orderedDays].sort().at(-1)!;
  for (let day = firstActive; day <= lastListed && elapsedDays > 0; day = addDays(day, 1)) {
    days.push(usageDays.get(day) ?? { date: day, quantity: '0', amount: money(ZERO) });
  }
  for (const day of orderedDays) if (day < firstActive || elapsedDays === 0) days.push(usageDays.get(day)!);
  days.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const terms = activeDays > 0 ? periodTerms(contract, lastActive, Date.parse(asOf)) : null;
  let budgetCap: Big | null = null;
  if (terms?.budgetCap) {
    const cap = new Big(terms.budgetCap.amount);
    const already = terms.budgetCap.scope === 'CONTRACT' ? prior.lines.filter((l) => CAPPED.has(l.type === LineType.ADJUSTMENT ? (l.adjusts ?? '') : l.type)).reduce((s, l) => s.plus(l.amount), ZERO) : ZERO;
    budgetCap = cap.minus(already).gt(ZERO) ? cap.minus(already) : ZERO;
  }
  let minimum: Big | null = null;
  if (terms?.minimumCommitment) {
    const { amount, prorate } = terms.minimumCommitment;
    const daysInPeriod = daysBetween(firstDay, lastDay);
    minimum = prorate ? new Big(roundToString(new Big(amount).times(activeDays).div(daysInPeriod), currency, contract.rounding)) : new Big(amount);
  }

  const projectedUncapped = elapsedDays === 0 ? ZERO : total.times(activeDays).div(elapsedDays);
  const projected = budgetCap !== null && projectedUncapped.gt(budgetCap) ? budgetCap : projectedUncapped;
  let capReachedOn: string | null = null;
  if (budgetCap !== null) {
    let running = ZERO;
    for (const day of days) {
      running = running.plus(day.amount);
      if (running.gte(budgetCap)) {
        capReachedOn = day.date;
        break;
      }
    }
    if (capReachedOn === null && elapsedDays > 0 && total.gt(ZERO) && elapsedDays < activeDays) {
      // At the run rate, the cap is reached on the first day d with total / elapsed × d ≥ cap.
      const dayIndex = Number(budgetCap.times(elapsedDays).div(total).round(0, Big.roundUp).toFixed());
      if (dayIndex <= activeDays) capReachedOn = addDays(firstActive, dayIndex - 1);
    }
  }

  return {
    period,
    currency,
    asOf,
    charges: [...charges.entries()].map(([chargeId, c]) => ({ chargeId, quantity: c.quantity.toFixed(), amount: money(c.amount) })),
    days,
    total: money(total),
    guaranteeCredit: terms?.performanceGuarantee ? money(new Big(guaranteeLine?.amount ?? 0)) : null,
    credits: creditUses.map(({ id, reason, amount }) => ({ id, reason, amount })),
    creditTotal: money(new Big(creditLine?.amount ?? 0)),
    budgetCap: budgetCap === null ? null : money(budgetCap),
    remaining: budgetCap === null ? null : money(budgetCap.minus(total).gt(ZERO) ? budgetCap.minus(total) : ZERO),
    minimum: minimum === null ? null : money(minimum),
    shortfall: minimum === null ? null : money(minimum.minus(total).gt(ZERO) ? minimum.minus(total) : ZERO),
    projectedTotal: roundToString(projected, currency, contract.rounding),
    capReachedOn,
  };
}
