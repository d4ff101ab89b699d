/**
 * Period-level lines of a fresh computation, after the USAGE lines:
 *   CAP_ADJUSTMENT    capped − usage (≤ 0): usage cut to the cap (PERIOD), or to the cap less
 *                     what earlier periods were invoiced after caps (CONTRACT)
 *   MINIMUM_TRUE_UP   max(0, minimum × activeDays / daysInPeriod − (usage + cap adjustment))
 *   AGENCY_COMMISSION −(sum of the lines above) × pct / 100
 * "usage" is the sum of the ROUNDED usage lines; each line is rounded once, the prorated
 * minimum is not rounded on its own. Terms: the version in effect on the last active day.
 */
import type { RoundingMode } from '../terms/types';
import { Dec, decOfTerm, decFromInteger, exactToString, formatMoney, fraction, ONE, roundMoney, shiftLeft, ZERO, type Decimal } from '../kernel/money';
import type { CapExplanation, CommissionExplanation, InvoicedLine, MinimumExplanation } from './types';
import { LineType } from './types';
import type { PeriodPlan } from './versions';

export interface PeriodLine {
  type: 'CAP_ADJUSTMENT' | 'MINIMUM_TRUE_UP' | 'AGENCY_COMMISSION';
  amount: Decimal;
  explanation: CapExplanation | MinimumExplanation | CommissionExplanation;
}

const CAPPED_TYPES = new Set<string>([LineType.USAGE, LineType.CAP_ADJUSTMENT]);

/** USAGE and CAP_ADJUSTMENT amounts (and their adjustments) invoiced for periods before `period`. */
export function invoicedAfterCapsBefore(period: string, prior: readonly InvoicedLine[]): Decimal {
  let sum = ZERO;
  for (const line of prior) {
    if (line.period >= period) continue;
    const type = line.type === LineType.ADJUSTMENT ? line.adjusts : line.type;
    if (type !== undefined && CAPPED_TYPES.has(type)) sum = sum.plus(Dec(line.amount));
  }
  return sum;
}

export function periodLines(
  plan: PeriodPlan,
  periodText: string,
  usage: Decimal,
  prior: readonly InvoicedLine[],
  mode: RoundingMode,
): PeriodLine[] {
  if (plan.periodTermsIndex === null) return [];
  const currency = plan.contract.currency;
  const terms = plan.contract.versions[plan.periodTermsIndex]!;
  const version = plan.periodTermsIndex + 1;
  const money = (d: Decimal) => formatMoney(d, currency);
  const lines: PeriodLine[] = [];

  let capAdjustment = ZERO;
  if (terms.budgetCap) {
    const cap = decOfTerm(terms.budgetCap.amount);
    const already = terms.budgetCap.scope === 'CONTRACT' ? invoicedAfterCapsBefore(periodText, prior) : null;
    // A contract cap already used up leaves nothing to bill; it never turns usage negative.
    const room = already === null ? cap : cap.minus(already).gt(ZERO) ? cap.minus(already) : ZERO;
    const capped = usage.gt(room) ? room : usage;
    const exact = capped.minus(usage);
    capAdjustment = roundMoney(exact, currency, mode);
    if (!capAdjustment.eq(ZERO)) {
      lines.push({
        type: 'CAP_ADJUSTMENT',
        amount: capAdjustment,
        explanation: {
          kind: 'CAP_ADJUSTMENT', version, scope: terms.budgetCap.scope, cap: money(cap),
          alreadyInvoiced: already === null ? null : money(already), usage: money(usage), capped: money(capped),
          exactAmount: exact.toFixed(), rounding: mode, amount: money(capAdjustment),
        },
      });
    }
  }

  let trueUp = ZERO;
  if (terms.minimumCommitment) {
    const { amount, prorate } = terms.minimumCommitment;
    const daysInPeriod = plan.period.days;
    const afterCap = usage.plus(capAdjustment);
    // minimum − afterCap, as one fraction over daysInPeriod when prorated
    const shortfall = prorate
      ? fraction(decOfTerm(amount).times(decFromInteger(plan.activeDays)).minus(afterCap.times(decFromInteger(daysInPeriod))), decFromInteger(daysInPeriod))
      : fraction(decOfTerm(amount).minus(afterCap), ONE);
    if (shortfall.num.gt(ZERO)) {
      trueUp = roundMoney(shortfall, currency, mode);
      if (!trueUp.eq(ZERO)) {
        lines.push({
          type: 'MINIMUM_TRUE_UP',
          amount: trueUp,
          explanation: {
            kind: 'MINIMUM_TRUE_UP', version, minimum: amount, prorate, activeDays: plan.activeDays, daysInPeriod,
            usage: money(usage), capAdjustment: money(capAdjustment), exactAmount: exactToString(shortfall),
            rounding: mode, amount: money(trueUp),
          },
        });
      }
    }
  }

  const pct = terms.agencyCommissionPct;
  if (pct !== null && pct !== undefined) {
    const base = usage.plus(capAdjustment).plus(trueUp);
    const exact = ZERO.minus(shiftLeft(base.times(decOfTerm(pct)), 2));
    const commission = roundMoney(exact, currency, mode);
    if (!commission.eq(ZERO)) {
      lines.push({
        type: 'AGENCY_COMMISSION',
        amount: commission,
        explanation: {
          kind: 'AGENCY_COMMISSION', version, commissionPct: pct, base: money(base),
          exactAmount: exact.toFixed(), rounding: mode, amount: money(commission),
        },
      });
    }
  }
  return lines;
}
