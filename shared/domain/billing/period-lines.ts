/**
 * Period-level lines of a fresh computation, after the USAGE lines, in this order:
 *   GUARANTEE_CREDIT  −max(0, M − maxCostPerConversion × C) (v2 §5): M the rounded USAGE
 *                     amounts of the media charges, C the USAGE quantities of the conversion
 *                     charges, every version of the period
 *   CAP_ADJUSTMENT    capped − usage (≤ 0): usage cut to the cap (PERIOD), or to the cap less
 *                     what earlier periods were invoiced after caps, never below 0 (CONTRACT)
 *   MINIMUM_TRUE_UP   max(0, minimum × activeDays / daysInPeriod − (usage + cap adjustment))
 *   CREDIT            −(the period's credits the run sees) (v2 §6)
 *   AGENCY_COMMISSION −(sum of the lines above) × pct / 100
 * "usage" is the sum of the ROUNDED usage lines plus GUARANTEE_CREDIT; each line is rounded
 * once, the prorated minimum is not rounded on its own. Terms: the version in effect on the
 * last active day. Credits are contract-level: they apply even to a period without terms.
 */
import type { Credit, RoundingMode } from '../terms/types';
import { Dec, decOfTerm, decFromInteger, exactToString, formatMoney, fraction, ONE, roundMoney, shiftLeft, ZERO, type Decimal } from '../kernel/money';
import { parseInstant } from './day-index';
import type { FreshLine } from './rerun';
import type { CapExplanation, CommissionExplanation, CreditExplanation, GuaranteeExplanation, InvoicedLine, MinimumExplanation } from './types';
import { LineType } from './types';
import type { PeriodPlan } from './versions';

export interface PeriodLine {
  type: 'GUARANTEE_CREDIT' | 'CAP_ADJUSTMENT' | 'MINIMUM_TRUE_UP' | 'CREDIT' | 'AGENCY_COMMISSION';
  amount: Decimal;
  explanation: GuaranteeExplanation | CapExplanation | MinimumExplanation | CreditExplanation | CommissionExplanation;
}

/** What the CONTRACT cap counts as already invoiced (v2 precise rules): not CREDIT, MINIMUM_TRUE_UP or commission. */
const CAPPED_TYPES = new Set<string>([LineType.USAGE, LineType.GUARANTEE_CREDIT, LineType.CAP_ADJUSTMENT]);

/** USAGE, GUARANTEE_CREDIT and CAP_ADJUSTMENT amounts (and their adjustments) invoiced for periods before `period`. */
export function invoicedAfterCapsBefore(period: string, prior: readonly InvoicedLine[]): Decimal {
  let sum = ZERO;
  for (const line of prior) {
    if (line.period >= period) continue;
    const type = line.type === LineType.ADJUSTMENT ? line.adjusts : line.type;
    if (type !== undefined && CAPPED_TYPES.has(type)) sum = sum.plus(Dec(line.amount));
  }
  return sum;
}

/** The credits of a period a run sees: recordedAt ≤ asOf, or no recordedAt. */
export function visibleCredits(credits: readonly Credit[] | null | undefined, period: string, asOfMs: number): Credit[] {
  return (credits ?? []).filter((credit) => credit.period === period
    && (credit.recordedAt === undefined || credit.recordedAt === null || parseInstant(credit.recordedAt) <= asOfMs));
}

export function periodLines(
  plan: PeriodPlan,
  run: { period: string; prior: { lines: readonly InvoicedLine[] } },
  usageLines: readonly FreshLine[],
  mode: RoundingMode,
): PeriodLine[] {
  const currency = plan.contract.currency;
  const money = (d: Decimal) => formatMoney(d, currency);
  const lines: PeriodLine[] = [];
  const termsIndex = plan.periodTermsIndex;
  const terms = termsIndex === null ? null : plan.contract.versions[termsIndex]!;
  const version = termsIndex === null ? 0 : termsIndex + 1;
  let usage = usageLines.reduce((sum, line) => sum.plus(line.amount), ZERO);

  // v2 §5: the guarantee; "usage" below includes its credit.
  let guaranteeCredit = ZERO;
  const guarantee = terms?.performanceGuarantee ?? null;
  if (guarantee) {
    const media = new Set(guarantee.mediaChargeIds);
    const conversions = new Set(guarantee.conversionChargeIds);
    let m = ZERO;
    let c = ZERO;
    for (const line of usageLines) {
      if (line.chargeId === undefined) continue;
      if (media.has(line.chargeId)) m = m.plus(line.amount);
      if (conversions.has(line.chargeId)) c = c.plus(line.quantity);
    }
    const allowed = decOfTerm(guarantee.maxCostPerConversion).times(c);
    // maxCostPerConversion is money and C a count: no rounding is needed.
    guaranteeCredit = m.gt(allowed) ? allowed.minus(m) : ZERO;
    if (!guaranteeCredit.eq(ZERO)) {
      lines.push({
        type: 'GUARANTEE_CREDIT',
        amount: guaranteeCredit,
        explanation: {
          kind: 'GUARANTEE_CREDIT', version, maxCostPerConversion: guarantee.maxCostPerConversion,
          mediaChargeIds: [...guarantee.mediaChargeIds], conversionChargeIds: [...guarantee.conversionChargeIds],
          media: money(m), conversions: c.toFixed(), allowed: money(allowed), amount: money(guaranteeCredit),
        },
      });
    }
  }
  usage = usage.plus(guaranteeCredit);

  let capAdjustment = ZERO;
  if (terms?.budgetCap) {
    const cap = decOfTerm(terms.budgetCap.amount);
    const already = terms.budgetCap.scope === 'CONTRACT' ? invoicedAfterCapsBefore(run.period, run.prior.lines) : null;
    // A contract cap already used up leaves nothing to bill; it never reaches back into earlier periods.
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
  if (terms?.minimumCommitment) {
    const { amount } = terms.minimumCommitment;
    const prorate = terms.minimumCommitment.prorate ?? false;
    const daysInPeriod = plan.period.days;
    const afterCap = usage.plus(capAdjustment);
    // minimum − afterCap, as one fraction over daysInPeriod when prorated; credits are not counted
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

  // v2 §6: the period's credits, whatever its terms.
  const credits = visibleCredits(plan.contract.credits, run.period, plan.asOfMs);
  let credit = ZERO;
  for (const c of credits) credit = credit.minus(decOfTerm(c.amount));
  if (!credit.eq(ZERO)) {
    lines.push({
      type: 'CREDIT',
      amount: credit,
      explanation: {
        kind: 'CREDIT',
        credits: credits.map((c) => ({ id: c.id, reason: c.reason, amount: money(decOfTerm(c.amount)), recordedAt: c.recordedAt ?? null })),
        amount: money(credit),
      },
    });
  }

  const pct = terms?.agencyCommissionPct;
  if (pct !== null && pct !== undefined) {
    // Below zero (credits above the rest) the commission line is positive.
    const base = usage.plus(capAdjustment).plus(trueUp).plus(credit);
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
